package consumer

import (
	"context"
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// retry handles messages a concurrent listener asked to reconsume and returns those that
// are finished here. In a clustering group each goes back to the broker, which redelivers
// it through the group's retry topic after a delay growing with its reconsume count, or
// moves it to the dead-letter queue after MaxReconsumeTimes. A message the broker would not
// take is consumed here again after a pause and stays unfinished until then, so a failing
// broker can delay it but never lose it. Broadcasting groups have no retry topic; as
// upstream, their failed messages are dropped.
func (c *PushConsumer) retry(t *queueTask, msgs []*message.MessageExt) []*message.MessageExt {
	if c.cfg.Model == Broadcasting {
		for _, m := range msgs {
			c.log.Warn("broadcast message not consumed; broadcasting has no retry", "mq", t.mq, "offset", m.QueueOffset, "msgId", m.MsgID)
		}
		return msgs
	}
	finished := make([]*message.MessageExt, 0, len(msgs))
	var failed []*message.MessageExt
	for _, m := range msgs {
		if err := c.sendBack(t, m, 0); err != nil {
			c.log.Warn("send-back failed; consuming the message here again later", "mq", t.mq, "offset", m.QueueOffset, "err", err)
			failed = append(failed, m)
			continue
		}
		finished = append(finished, m)
	}
	if len(failed) > 0 {
		for _, m := range failed {
			m.ReconsumeTimes++
		}
		c.later(localRetryDelay, func() {
			c.work.submit(consumeTask{t, failed})
		})
	}
	return finished
}

// sendBack is CONSUMER_SEND_MSG_BACK to the broker the message was pulled from. delayLevel
// 0 lets the broker choose the delay from the reconsume count; -1 sends the message to the
// dead-letter queue at once.
func (c *PushConsumer) sendBack(t *queueTask, m *message.MessageExt, delayLevel int) error {
	// Not the consumer's context: a listener finishing during shutdown must still be able
	// to hand its message back.
	ctx, cancel := context.WithTimeout(context.Background(), sendBackTimeout)
	defer cancel()
	addr := c.client.BrokerAddr(t.mq.BrokerName)
	if addr == "" {
		addr = m.StoreHost.String()
	}
	origin := m.UniqKey()
	if origin == "" {
		origin = m.MsgID
	}
	ext := map[string]string{
		"offset":            strconv.FormatInt(m.CommitLogOffset, 10),
		"group":             c.cfg.Group,
		"delayLevel":        strconv.Itoa(delayLevel),
		"originMsgId":       origin,
		"originTopic":       m.Topic,
		"unitMode":          "false",
		"maxReconsumeTimes": strconv.Itoa(c.cfg.MaxReconsumeTimes),
		"bname":             t.mq.BrokerName,
	}
	_, err := invoke(ctx, c.client, addr, remoting.NewRequest(remoting.ConsumerSendMsgBack, ext, nil), sendBackTimeout)
	return err
}
