package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
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

// consumerAdmin finds the consumer of a group that answers admin requests.
func (c *Client) consumerAdmin(group string) (ConsumerAdmin, *remoting.Command) {
	c.mu.RLock()
	h := c.consumers[group]
	c.mu.RUnlock()
	if a, ok := h.(ConsumerAdmin); ok {
		return a, nil
	}
	return nil, remoting.NewResponse(remoting.SystemError,
		fmt.Sprintf("The Consumer Group <%s> not exist in this consumer", group))
}

func bodyResponse(body []byte, err error) *remoting.Command {
	if err != nil {
		return remoting.NewResponse(remoting.SystemError, err.Error())
	}
	resp := remoting.NewResponse(remoting.Success, "")
	resp.Body = body
	return resp
}

func (c *Client) onGetConsumerRunningInfo(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	a, fail := c.consumerAdmin(req.Ext("consumerGroup"))
	if fail != nil {
		return fail
	}
	return bodyResponse(a.RunningInfo(req.Ext("jstackEnable") == "true"))
}

func (c *Client) onConsumeMessageDirectly(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	a, fail := c.consumerAdmin(req.Ext("consumerGroup"))
	if fail != nil {
		return fail
	}
	msgs, err := message.DecodeStored(req.Body, message.DecodeOptions{Decompress: true})
	if len(msgs) == 0 {
		return remoting.NewResponse(remoting.SystemError, fmt.Sprintf("unreadable message: %v", err))
	}
	return bodyResponse(a.ConsumeMessageDirectly(msgs[0], req.Ext("brokerName")))
}

// onResetConsumerClientOffset answers only if the broker asked for an answer: upstream
// sends it oneway.
func (c *Client) onResetConsumerClientOffset(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	a, fail := c.consumerAdmin(req.Ext("group"))
	if fail != nil {
		return fail
	}
	offsets, err := ParseQueueOffsetTable(req.Body, "offsetTable")
	if err != nil {
		c.log.Warn("unreadable offset reset", "err", err)
		return remoting.NewResponse(remoting.SystemError, err.Error())
	}
	a.ResetOffset(req.Ext("topic"), offsets)
	return remoting.NewResponse(remoting.Success, "")
}

func (c *Client) onGetConsumerStatus(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	a, fail := c.consumerAdmin(req.Ext("group"))
	if fail != nil {
		return fail
	}
	table := AppendQueueKeyedJSON([]byte(`{"messageQueueTable":`), a.ConsumerStatus(req.Ext("topic")),
		func(dst []byte, o int64) []byte { return strconv.AppendInt(dst, o, 10) })
	return bodyResponse(append(table, `,"consumerTable":{}}`...), nil)
}

// AppendQueueKeyedJSON appends a map keyed by message queue the way fastjson writes Java's
// Map<MessageQueue, V>: an object whose keys are the queues' JSON objects (not valid JSON,
// but what Java admin tools read), in (topic, broker, queue id) order.
func AppendQueueKeyedJSON[V any](dst []byte, m map[route.MessageQueue]V, value func([]byte, V) []byte) []byte {
	keys := make([]route.MessageQueue, 0, len(m))
	for mq := range m {
		keys = append(keys, mq)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
	dst = append(dst, '{')
	for i, mq := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		k, _ := json.Marshal(mq) // three plain fields: it cannot fail
		dst = append(append(dst, k...), ':')
		dst = value(dst, m[mq])
	}
	return append(dst, '}')
}

// ParseQueueOffsetTable reads the map under key of a body like ResetOffsetBody. It accepts
// fastjson's object-keyed form, {"offsetTable":{{"topic":..}:12}}, and gson's pairs,
// {"offsetTable":[[{"topic":..},12]]}.
func ParseQueueOffsetTable(body []byte, key string) (map[route.MessageQueue]int64, error) {
	out := make(map[route.MessageQueue]int64)
	at := bytes.Index(body, []byte(strconv.Quote(key)))
	if at < 0 {
		return out, nil
	}
	p := &jsonScanner{data: body, pos: at + len(key) + 2}
	if !p.expect(':') {
		return nil, p.fail("':' after the key")
	}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '[' {
		var pairs [][2]json.RawMessage
		if err := p.decode(&pairs); err != nil {
			return nil, err
		}
		for _, pair := range pairs {
			var mq route.MessageQueue
			var o int64
			if err := json.Unmarshal(pair[0], &mq); err != nil {
				return nil, fmt.Errorf("client: offset table key: %w", err)
			}
			if err := json.Unmarshal(pair[1], &o); err != nil {
				return nil, fmt.Errorf("client: offset table value: %w", err)
			}
			out[mq] = o
		}
		return out, nil
	}
	if !p.expect('{') {
		return nil, p.fail("an object or array")
	}
	if p.expect('}') {
		return out, nil
	}
	for {
		var mq route.MessageQueue
		var o int64
		if err := p.decode(&mq); err != nil {
			return nil, err
		}
		if !p.expect(':') {
			return nil, p.fail("':' after a queue")
		}
		if err := p.decode(&o); err != nil {
			return nil, err
		}
		out[mq] = o
		if p.expect('}') {
			return out, nil
		}
		if !p.expect(',') {
			return nil, p.fail("',' or '}'")
		}
	}
}

type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t' || s.data[s.pos] == '\n' || s.data[s.pos] == '\r') {
		s.pos++
	}
}

func (s *jsonScanner) expect(b byte) bool {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == b {
		s.pos++
		return true
	}
	return false
}

// decode reads one JSON value at the current position.
func (s *jsonScanner) decode(v any) error {
	s.skipSpace()
	dec := json.NewDecoder(bytes.NewReader(s.data[s.pos:]))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("client: offset table at byte %d: %w", s.pos, err)
	}
	s.pos += int(dec.InputOffset())
	return nil
}

func (s *jsonScanner) fail(want string) error {
	return fmt.Errorf("client: offset table: want %s at byte %d", want, s.pos)
}
