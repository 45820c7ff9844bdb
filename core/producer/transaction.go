package producer

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// LocalTransactionState is a transaction's outcome as the application knows it. The
// values are those of the C API's CTransactionStatus.
type LocalTransactionState int

const (
	CommitMessage   LocalTransactionState = 0
	RollbackMessage LocalTransactionState = 1
	Unknown         LocalTransactionState = 2
)

func (s LocalTransactionState) String() string {
	switch s {
	case CommitMessage:
		return "COMMIT_MESSAGE"
	case RollbackMessage:
		return "ROLLBACK_MESSAGE"
	case Unknown:
		return "UNKNOW"
	}
	return "LocalTransactionState(" + strconv.Itoa(int(s)) + ")"
}

// endType is the END_TRANSACTION commitOrRollback value; anything but commit or rollback
// leaves the transaction open (NOT_TYPE), for the broker to check later.
func (s LocalTransactionState) endType() int32 {
	switch s {
	case CommitMessage:
		return message.SysFlagTransactionCommit
	case RollbackMessage:
		return message.SysFlagTransactionRollback
	}
	return message.SysFlagTransactionNotType
}

// TransactionChecker answers the broker's question about a half message whose outcome it
// was not told (Unknown, or the END_TRANSACTION got lost). msg is the half message as
// stored; its TransactionID is set.
type TransactionChecker func(msg *message.MessageExt) LocalTransactionState

// SendTransaction sends msg as a half message (TRAN_MSG=true, PGROUP=group, DELAY
// dropped), synchronously with SendSync's retries. Once the broker stored it with SEND_OK,
// execute runs on the caller's goroutine; its answer goes to the broker that stored the
// half message in a oneway END_TRANSACTION: commit makes the message visible, rollback
// discards it, Unknown (or any other value) leaves it to the broker's later checks, which
// Config.Checker answers.
//
// execute receives a copy of msg as sent: its properties include UNIQ_KEY, TRAN_MSG and
// PGROUP, and TransactionID is the UNIQ_KEY. If the half message could not be stored with
// SEND_OK, execute is not run, a stored half message is rolled back, and the error is
// returned. The result's TransactionID is the UNIQ_KEY. A failure to deliver the
// END_TRANSACTION is only logged: the broker's check settles the transaction then.
// If execute panics, the broker is told Unknown and the panic goes on.
func (p *Producer) SendTransaction(ctx context.Context, msg *message.Message, execute func(*message.Message) LocalTransactionState) (*SendResult, error) {
	if execute == nil {
		return nil, fmt.Errorf("%w: transaction executor", ErrNilArgument)
	}
	if err := p.begin(); err != nil {
		return nil, err
	}
	defer p.end()
	o, err := p.prepare(msg, sendMode{transactionGroup: p.cfg.Group})
	if err != nil {
		return nil, err
	}
	p.ensureHeartbeat(ctx, o.topic)
	start := time.Now()
	res, err := p.sendSync(ctx, &o, p.cfg.RetryTimes, nil)
	if p.tracer != nil {
		p.tracePub(start, []*message.Message{msg}, res, true)
	}
	if err != nil {
		if res != nil {
			p.endTransaction(res, RollbackMessage, "half message not stored with SEND_OK")
		}
		return nil, err
	}

	half := &message.Message{Topic: msg.Topic, Flag: msg.Flag, Body: msg.Body,
		Properties: wireProperties(&o), TransactionID: o.msgID}
	if res.TransactionID != "" {
		half.SetProperty(message.PropertyTransactionID, res.TransactionID)
	}
	state := Unknown
	func() {
		defer func() {
			if r := recover(); r != nil {
				p.endTransaction(res, Unknown, fmt.Sprintf("local transaction panicked: %v", r))
				panic(r)
			}
		}()
		state = execute(half)
	}()
	if state != CommitMessage {
		p.log.Info("local transaction not committed", "state", state, "msgId", o.msgID)
	}
	p.endTransaction(res, state, "")
	p.traceEnd(msg, res, state, false)
	res.TransactionID = o.msgID
	return res, nil
}

// ensureHeartbeat makes sure the brokers of topic know this group before a half message
// goes to one of them: they send their checks only to producers they know.
func (p *Producer) ensureHeartbeat(ctx context.Context, topic string) {
	pi, err := p.publishInfo(ctx, topic)
	if err != nil {
		return // the send reports it
	}
	for _, a := range pi.addrs {
		if _, ok := p.beaten.Load(a); !ok {
			p.heartbeat(ctx)
			return
		}
	}
}

// endTransaction tells the broker that stored a half message what became of it.
func (p *Producer) endTransaction(res *SendResult, state LocalTransactionState, remark string) {
	_, commitLogOffset, err := message.ParseOffsetMsgID(res.OffsetMsgID)
	if err != nil {
		p.log.Warn("cannot end transaction: bad offset msg id", "msgId", res.MsgID, "err", err)
		return
	}
	addr := p.client.BrokerAddr(res.Queue.BrokerName)
	if addr == "" {
		p.log.Warn("cannot end transaction: broker address unknown", "broker", res.Queue.BrokerName, "msgId", res.MsgID)
		return
	}
	txID := res.TransactionID
	if txID == "" {
		txID = res.MsgID
	}
	req := remoting.NewRequest(remoting.EndTransaction, map[string]string{
		"producerGroup":        p.cfg.Group,
		"tranStateTableOffset": strconv.FormatInt(res.QueueOffset, 10),
		"commitLogOffset":      strconv.FormatInt(commitLogOffset, 10),
		"commitOrRollback":     strconv.Itoa(int(state.endType())),
		"fromTransactionCheck": "false",
		"msgId":                res.MsgID,
		"transactionId":        txID,
		"bname":                res.Queue.BrokerName,
	}, nil)
	req.Remark = remark
	// Not the caller's ctx: the broker must hear the outcome even if the caller gave up.
	if err := p.client.Remote().InvokeOneway(context.Background(), addr, req, p.cfg.SendTimeout); err != nil {
		p.log.Warn("END_TRANSACTION failed; the broker will check", "broker", addr, "msgId", res.MsgID, "err", err)
	}
}

// checkQueueLen bounds the checks waiting for the checker, as Java's checkRequestHoldMax.
const checkQueueLen = 2000

type checkRequest struct {
	addr  string
	check client.TransactionCheck
}

// checkHandler receives the client's CHECK_TRANSACTION_STATE requests for this group; it
// keeps the method off Producer's API.
type checkHandler struct{ p *Producer }

// CheckTransactionState queues the check for the one checker goroutine: checks are
// serialised, as upstream's single check thread serialises them, and a slow checker holds
// up no remoting goroutine. A check that finds the queue full is dropped; the broker asks
// again.
func (h checkHandler) CheckTransactionState(brokerAddr string, check client.TransactionCheck) {
	select {
	case h.p.checks <- checkRequest{addr: brokerAddr, check: check}:
	default:
		h.p.log.Warn("transaction check dropped: queue full", "msgId", check.MsgID)
	}
}

func (p *Producer) checkLoop(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-p.checks:
			p.answerCheck(c)
		}
	}
}

func (p *Producer) answerCheck(c checkRequest) {
	if p.cfg.Checker == nil {
		p.log.Warn("transaction check ignored: no Checker configured", "msgId", c.check.MsgID)
		return
	}
	state := p.runChecker(c.check.Msg)
	if c.check.Msg != nil {
		p.traceEnd(&c.check.Msg.Message, nil, state, true)
	}
	req := remoting.NewRequest(remoting.EndTransaction, map[string]string{
		"producerGroup":        p.cfg.Group,
		"tranStateTableOffset": strconv.FormatInt(c.check.TranStateTableOffset, 10),
		"commitLogOffset":      strconv.FormatInt(c.check.CommitLogOffset, 10),
		"commitOrRollback":     strconv.Itoa(int(state.endType())),
		"fromTransactionCheck": "true",
		"msgId":                c.check.MsgID,
		"transactionId":        c.check.TransactionID,
	}, nil)
	if err := p.client.Remote().InvokeOneway(context.Background(), c.addr, req, p.client.RequestTimeout()); err != nil {
		p.log.Warn("END_TRANSACTION after check failed", "broker", c.addr, "msgId", c.check.MsgID, "err", err)
	}
}

// runChecker calls the Checker; a panic counts as Unknown, so the broker asks again later.
func (p *Producer) runChecker(msg *message.MessageExt) (state LocalTransactionState) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("transaction checker panicked", "msgId", msg.UniqKey(), "panic", r)
			state = Unknown
		}
	}()
	return p.cfg.Checker(msg)
}
