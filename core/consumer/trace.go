package consumer

import (
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

// traceIDs makes the requestIds that pair a listener call's SubBefore and SubAfter records.
var traceIDs = message.DefaultUniqIDGenerator()

// traceBefore records a listener call about to start (SubBefore), as upstream's
// ConsumeMessageTraceHookImpl does. It returns nil when there is nothing to trace: the
// trace topic's own messages are not traced.
func (c *PushConsumer) traceBefore(msgs []*message.MessageExt) *trace.Context {
	tc := &trace.Context{Type: trace.SubBefore, TimeStamp: time.Now().UnixMilli(), Group: c.cfg.Group,
		RequestID: traceIDs.Next(), Beans: make([]trace.Bean, 0, len(msgs))}
	for _, m := range msgs {
		if m.Topic == trace.Topic {
			continue
		}
		id := m.UniqKey()
		if id == "" {
			id = m.MsgID
		}
		if r := m.Properties[message.PropertyMsgRegion]; r != "" {
			tc.RegionID = r
		}
		b := trace.Bean{Topic: m.Topic, MsgID: id, OffsetMsgID: m.MsgID, Tags: m.Tags(),
			Keys: m.Properties[message.PropertyKeys], BodyLength: len(m.Body), RetryTimes: int(m.ReconsumeTimes)}
		if m.StoreHost.IsValid() {
			b.StoreHost = m.StoreHost.String()
		}
		tc.Beans = append(tc.Beans, b)
	}
	if len(tc.Beans) == 0 {
		return nil
	}
	c.tracer.Append(tc)
	return tc
}

// traceAfter records the end of the listener call before traced (SubAfter).
func (c *PushConsumer) traceAfter(before *trace.Context, status ConsumeStatus, panicked bool) {
	if before == nil {
		return
	}
	now := time.Now().UnixMilli()
	after := &trace.Context{Type: trace.SubAfter, TimeStamp: now, RegionID: before.RegionID, Group: before.Group,
		RequestID: before.RequestID, CostTime: (now - before.TimeStamp) / int64(len(before.Beans)),
		Success: status == ConsumeSuccess, ContextCode: trace.CodeSuccess, Beans: before.Beans}
	switch {
	case panicked:
		after.ContextCode = trace.CodeException
	case status != ConsumeSuccess:
		after.ContextCode = trace.CodeFailed
	}
	c.tracer.Append(after)
}
