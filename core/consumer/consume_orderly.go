package consumer

import (
	"context"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// Orderly consumption: each queue is worked by at most one pool worker at a time, which
// takes its messages one by one in offset order. A message the listener wants again is put
// back and retried after SuspendCurrentQueue, so nothing behind it overtakes it; after
// MaxReconsumeTimes failures it goes to the dead-letter queue and the queue moves on. In a
// clustering group a queue is consumed only while this client holds its broker lock.

// scheduleOrderly makes sure a worker will look at the queue, unless one already does or
// the queue is waiting out a suspension.
func (c *PushConsumer) scheduleOrderly(t *queueTask) {
	t.omu.Lock()
	if t.scheduled || t.suspended {
		t.omu.Unlock()
		return
	}
	t.scheduled = true
	t.omu.Unlock()
	if !c.work.submit(consumeTask{t: t}) {
		t.omu.Lock()
		t.scheduled = false
		t.omu.Unlock()
	}
}

// idle ends the queue's turn; messages that arrived meanwhile get it a new one.
func (c *PushConsumer) idle(t *queueTask) {
	t.omu.Lock()
	t.scheduled = false
	t.omu.Unlock()
	if t.pq.Count() > 0 && !t.pq.Dropped() && (!c.needLock() || t.pq.Locked()) {
		c.scheduleOrderly(t)
	}
}

// suspend ends the queue's turn for d.
func (c *PushConsumer) suspend(t *queueTask, d time.Duration) {
	t.omu.Lock()
	t.scheduled, t.suspended = false, true
	t.omu.Unlock()
	c.later(d, func() {
		t.omu.Lock()
		t.suspended = false
		t.omu.Unlock()
		c.scheduleOrderly(t)
	})
}

func (c *PushConsumer) consumeOrderly(t *queueTask) {
	yieldAt := time.Now().Add(orderlyYield)
	for {
		// A lapsed lock stops consumption until the pull loop or the lock loop takes it
		// again and reschedules the queue.
		if c.closing.Load() || t.pq.Dropped() || (c.needLock() && !t.pq.Locked()) {
			t.omu.Lock()
			t.scheduled = false
			t.omu.Unlock()
			return
		}
		if time.Now().After(yieldAt) {
			// Still scheduled: go to the back of the line so other queues get workers too.
			if !c.work.submit(consumeTask{t: t}) {
				t.omu.Lock()
				t.scheduled = false
				t.omu.Unlock()
			}
			return
		}
		t.consuming <- struct{}{}
		if t.pq.Dropped() { // given up while we waited for the queue
			<-t.consuming
			continue
		}
		msgs := t.pq.TakeNext(1)
		if len(msgs) == 0 {
			<-t.consuming
			c.idle(t)
			return
		}
		start := time.Now()
		status := c.callListener(msgs)
		t.stats.consumed(time.Since(start), 1, status == ConsumeSuccess)
		t.lastConsume.Store(time.Now().UnixMilli())
		if status == ConsumeSuccess {
			c.commit(t, t.pq.CommitTaken())
			<-t.consuming
			t.signal()
			continue
		}
		m := msgs[0]
		if int(m.ReconsumeTimes) >= c.cfg.MaxReconsumeTimes {
			if c.giveUp(t, m) {
				c.commit(t, t.pq.CommitTaken())
				<-t.consuming
				t.signal()
				continue
			}
		}
		m.ReconsumeTimes++
		t.pq.ReturnTaken()
		<-t.consuming
		c.suspend(t, c.cfg.SuspendCurrentQueue)
		return
	}
}

// giveUp disposes of a message that failed MaxReconsumeTimes times: to the dead-letter
// queue in a clustering group, dropped (and logged) when broadcasting, which has none. It
// reports false if the message must stay, to be retried again.
func (c *PushConsumer) giveUp(t *queueTask, m *message.MessageExt) bool {
	if c.cfg.Model == Broadcasting {
		c.log.Warn("orderly broadcast message failed too often; dropping it", "mq", t.mq, "offset", m.QueueOffset, "msgId", m.MsgID)
		return true
	}
	if err := c.sendBack(t, m, -1); err != nil {
		c.log.Warn("cannot move a message to the dead-letter queue; retrying it", "mq", t.mq, "offset", m.QueueOffset, "err", err)
		return false
	}
	c.log.Warn("message moved to the dead-letter queue", "mq", t.mq, "offset", m.QueueOffset, "msgId", m.MsgID, "reconsumeTimes", m.ReconsumeTimes)
	return true
}

// lockForPull takes the broker lock of a queue the pull loop is about to pull.
func (c *PushConsumer) lockForPull(ctx context.Context, t *queueTask) bool {
	addr, err := masterAddr(ctx, c.client, t.mq)
	if err != nil {
		return false
	}
	got, err := lockQueues(ctx, c.client, c.cfg.Group, addr, []route.MessageQueue{t.mq})
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("locking a queue", "mq", t.mq, "err", err)
		}
		return false
	}
	for _, mq := range got {
		if mq == t.mq {
			c.setLocked(t, time.Now())
			return true
		}
	}
	return false
}

// setLocked records a granted lock and resumes the queue's consumption if it had stopped
// for want of one.
func (c *PushConsumer) setLocked(t *queueTask, grantedAt time.Time) {
	was := t.pq.Locked()
	t.pq.SetLocked(grantedAt.Add(lockLease))
	if !was {
		c.scheduleOrderly(t)
	}
}

// lockLoop renews the locks of every owned queue before their leases run out.
func (c *PushConsumer) lockLoop() {
	defer c.loops.Done()
	tick := time.NewTicker(lockRenewInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
			c.lockAll(c.ctx)
		}
	}
}

func (c *PushConsumer) lockAll(ctx context.Context) {
	c.qmu.RLock()
	tasks := make(map[route.MessageQueue]*queueTask, len(c.queues))
	var mqs []route.MessageQueue
	for mq, t := range c.queues {
		if !t.pq.Dropped() {
			tasks[mq] = t
			mqs = append(mqs, mq)
		}
	}
	c.qmu.RUnlock()
	for _, group := range byBroker(mqs) {
		asked := time.Now()
		addr, err := masterAddr(ctx, c.client, group[0])
		if err != nil {
			continue
		}
		got, err := lockQueues(ctx, c.client, c.cfg.Group, addr, group)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("renewing queue locks", "broker", group[0].BrokerName, "err", err)
			}
			continue // the leases run on; a later renewal may still make it
		}
		held := make(map[route.MessageQueue]bool, len(got))
		for _, mq := range got {
			held[mq] = true
			if t := tasks[mq]; t != nil {
				c.setLocked(t, asked)
			}
		}
		for _, mq := range group {
			if !held[mq] {
				c.log.Warn("lost the lock of a queue", "mq", mq)
				tasks[mq].pq.SetLocked(time.Time{})
			}
		}
	}
}

// unlockAll frees the locks of queues given up at shutdown.
func (c *PushConsumer) unlockAll(ctx context.Context, tasks []*queueTask) {
	mqs := make([]route.MessageQueue, 0, len(tasks))
	for _, t := range tasks {
		mqs = append(mqs, t.mq)
	}
	if err := c.unlock(ctx, mqs); err != nil {
		c.log.Warn("unlocking queues at shutdown", "err", err)
	}
}
