package consumer

import (
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// consumeTask is one piece of work for the pool: a batch of a queue's messages for a
// concurrent listener, or (msgs nil) a turn at an orderly queue.
type consumeTask struct {
	t    *queueTask
	msgs []*message.MessageExt
}

func (c *PushConsumer) runTask(task consumeTask) {
	if c.orderly {
		c.consumeOrderly(task.t)
	} else {
		c.consumeConcurrently(task.t, task.msgs)
	}
}

// dispatchConcurrent queues freshly pulled messages for the listener in batches of up to
// BatchMaxSize.
func (c *PushConsumer) dispatchConcurrent(t *queueTask, msgs []*message.MessageExt) {
	for len(msgs) > 0 {
		k := min(c.cfg.BatchMaxSize, len(msgs))
		c.work.submit(consumeTask{t, msgs[:k:k]})
		msgs = msgs[k:]
	}
}

// consumeConcurrently runs the listener on one batch. Only messages that were consumed, or
// safely handed back to the broker for a retry, are finished; the queue's committable
// offset never passes the others.
func (c *PushConsumer) consumeConcurrently(t *queueTask, msgs []*message.MessageExt) {
	// A queue given up is consumed by its next owner from the committed offset on; running
	// its messages here too would only duplicate them.
	if t.pq.Dropped() || c.closing.Load() {
		return
	}
	t.inflight.Add(1)
	defer t.inflight.Add(-1)
	start := time.Now()
	status := c.callListener(msgs)
	t.stats.consumed(time.Since(start), len(msgs), status == ConsumeSuccess)
	t.lastConsume.Store(time.Now().UnixMilli())
	finished := msgs
	if status != ConsumeSuccess {
		finished = c.retry(t, msgs)
	}
	c.commit(t, t.pq.Remove(finished))
	t.signal()
}

// callListener runs the listener, turning a panic into ReconsumeLater.
func (c *PushConsumer) callListener(msgs []*message.MessageExt) (status ConsumeStatus) {
	panicked := false
	if c.tracer != nil {
		tc := c.traceBefore(msgs)
		defer func() { c.traceAfter(tc, status, panicked) }()
	}
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("message listener panicked; the messages will be consumed again", "panic", r)
			status, panicked = ReconsumeLater, true
		}
	}()
	if c.listener(msgs) == ConsumeSuccess {
		return ConsumeSuccess
	}
	return ReconsumeLater
}
