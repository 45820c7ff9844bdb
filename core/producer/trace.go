package producer

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

var traceProducers atomic.Int64

// NewTraceDispatcher starts the internal producer that sends a traced client's records to
// trace.Topic, and a dispatcher that feeds it; the dispatcher's Shutdown shuts the
// producer down. The producer's group is _INNER_TRACE_PRODUCER-<group>-<kind>-<n>, as
// upstream names it (kind PRODUCE or CONSUME); it uses cc with its own instance name.
func NewTraceDispatcher(group, kind string, cc client.Config, log *slog.Logger) (*trace.Dispatcher, error) {
	n := traceProducers.Add(1)
	if cc.InstanceName == "" {
		cc.InstanceName = "DEFAULT"
	}
	cc.InstanceName = fmt.Sprintf("%s#trace-%d", cc.InstanceName, n)
	cc.Logger = nil
	inner, err := New(Config{
		Group:  fmt.Sprintf("%s-%s-%s-%d", trace.GroupPrefix, group, kind, n),
		Client: cc,
		// A trace message is worth one attempt per broker at most; the dispatcher's send
		// timeout bounds it anyway.
		RetryTimes:   2,
		CompressOver: trace.MaxBatchBytes * 4,
		// A batch may pass MaxBatchBytes by its last context.
		MaxMessageSize: 4 << 20,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	if err := inner.Start(); err != nil {
		return nil, err
	}
	return trace.NewDispatcher(trace.DispatcherConfig{
		Send: func(ctx context.Context, msg *message.Message) error {
			_, err := inner.SendSync(ctx, msg)
			return err
		},
		Close:  func() { _ = inner.Shutdown() },
		Logger: log,
	}), nil
}

// msgType is how a Pub record classes msg.
func traceMsgType(msg *message.Message, half bool) trace.MsgType {
	switch {
	case half:
		return trace.TransMsgHalf
	case msg.DelayTimeLevel() > 0:
		return trace.DelayMsg
	}
	return trace.NormalMsg
}

// tracePub records a send that got a result, as upstream's SendMessageTraceHookImpl does:
// sends without a result, or whose broker turned tracing off, leave no record.
func (p *Producer) tracePub(start time.Time, msgs []*message.Message, res *SendResult, half bool) {
	if p.tracer == nil || res == nil || !res.TraceOn || len(msgs) == 0 || msgs[0].Topic == trace.Topic {
		return
	}
	ids := []string{res.MsgID}
	offs := []string{res.OffsetMsgID}
	if len(msgs) > 1 {
		ids, offs = strings.Split(res.MsgID, ","), strings.Split(res.OffsetMsgID, ",")
	}
	store := p.client.BrokerAddr(res.Queue.BrokerName)
	cost := time.Since(start).Milliseconds() / int64(len(msgs))
	for i, m := range msgs {
		b := trace.Bean{Topic: m.Topic, Tags: m.Tags(), Keys: m.Properties[message.PropertyKeys],
			StoreHost: store, BodyLength: len(m.Body), MsgType: traceMsgType(m, half)}
		if i < len(ids) {
			b.MsgID = ids[i]
		}
		if i < len(offs) {
			b.OffsetMsgID = offs[i]
		}
		p.tracer.Append(&trace.Context{Type: trace.Pub, TimeStamp: start.UnixMilli(), RegionID: res.RegionID,
			Group: p.cfg.Group, CostTime: cost, Success: res.Status == SendOK, Beans: []trace.Bean{b}})
	}
}

// traceEnd records a transaction's end, as upstream's EndTransactionTraceHookImpl does.
func (p *Producer) traceEnd(msg *message.Message, res *SendResult, state LocalTransactionState, fromCheck bool) {
	if p.tracer == nil || msg == nil {
		return
	}
	b := trace.Bean{Topic: msg.Topic, Tags: msg.Tags(), Keys: msg.Properties[message.PropertyKeys],
		MsgType: trace.TransMsgCommit, TransactionState: state.String(), FromTransactionCheck: fromCheck,
		TransactionID: msg.TransactionID, MsgID: msg.UniqKey()}
	region := defaultRegion
	if res != nil {
		b.MsgID, b.StoreHost, region = res.MsgID, p.client.BrokerAddr(res.Queue.BrokerName), res.RegionID
		if res.TransactionID != "" {
			b.TransactionID = res.TransactionID
		}
	}
	if b.TransactionID == "" {
		b.TransactionID = b.MsgID
	}
	p.tracer.Append(&trace.Context{Type: trace.EndTransaction, TimeStamp: time.Now().UnixMilli(),
		RegionID: region, Group: p.cfg.Group, Success: true, Beans: []trace.Bean{b}})
}
