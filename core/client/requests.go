package client

import (
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// Requests that brokers send to clients. They run on the remoting client's callback
// goroutines, never on a connection's read loop.

// TransactionCheck is a broker asking what became of a half message.
type TransactionCheck struct {
	Msg                  *message.MessageExt
	TranStateTableOffset int64
	CommitLogOffset      int64
	MsgID                string // UNIQ_KEY
	TransactionID        string
	OffsetMsgID          string
}

func (c *Client) onCheckTransactionState(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	msgs, err := message.DecodeStored(req.Body, message.DecodeOptions{Decompress: true})
	if err != nil || len(msgs) == 0 {
		c.log.Warn("unreadable transaction check", "err", err)
		return nil
	}
	msg := msgs[0]
	group := msg.Property(message.PropertyProducerGroup)
	c.mu.RLock()
	h := c.producers[group]
	c.mu.RUnlock()
	if h == nil {
		c.log.Warn("transaction check for a group this client does not produce for", "group", group)
		return nil
	}
	check := TransactionCheck{
		Msg:           msg,
		MsgID:         req.Ext("msgId"),
		TransactionID: req.Ext("transactionId"),
		OffsetMsgID:   req.Ext("offsetMsgId"),
	}
	check.TranStateTableOffset, _ = strconv.ParseInt(req.Ext("tranStateTableOffset"), 10, 64)
	check.CommitLogOffset, _ = strconv.ParseInt(req.Ext("commitLogOffset"), 10, 64)
	if check.MsgID == "" {
		check.MsgID = msg.UniqKey()
	}
	if check.TransactionID == "" {
		check.TransactionID = check.MsgID
	}
	msg.TransactionID = check.TransactionID
	h.CheckTransactionState(conn.RemoteAddr().String(), check)
	return nil
}

func (c *Client) onConsumerIDsChanged(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	c.mu.RLock()
	h := c.consumers[req.Ext("consumerGroup")]
	c.mu.RUnlock()
	if h != nil {
		h.MembershipChanged()
	}
	return nil
}
