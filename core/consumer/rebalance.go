package consumer

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/rocketmq-go/librocketmq/core/route"
)

// rebalanceLoop reassigns queues every RebalanceInterval and whenever a broker reports a
// membership change. One goroutine does it all, so two rebalances never interleave.
func (c *PushConsumer) rebalanceLoop() {
	defer c.loops.Done()
	tick := time.NewTicker(c.cfg.RebalanceInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		case <-c.rebalanceNow:
		}
		c.rebalance(c.ctx)
	}
}

// rebalance computes this member's queues of every subscribed topic and starts or stops
// their pull loops. A topic whose route or member list cannot be read keeps its queues
// until a later pass can: giving them up on a transient error would only move them around.
func (c *PushConsumer) rebalance(ctx context.Context) {
	c.tableMu.Lock()
	defer c.tableMu.Unlock()
	if ctx.Err() != nil {
		return
	}
	c.heartbeatNewBrokers(ctx)
	for _, topic := range c.topics {
		mine, err := c.allocate(ctx, topic)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("rebalance: keeping the current queues", "topic", topic, "err", err)
			}
			continue
		}
		c.assign(ctx, topic, mine)
	}
}

// heartbeatNewBrokers makes sure every broker we may pull from has had a heartbeat with our
// subscriptions: without one it refuses pulls (SUBSCRIPTION_NOT_EXIST).
func (c *PushConsumer) heartbeatNewBrokers(ctx context.Context) {
	fresh := false
	var addrs []string
	for _, topic := range c.topics {
		r, err := c.client.Route(ctx, topic)
		if err != nil {
			continue
		}
		for _, a := range r.BrokerAddrs() {
			addrs = append(addrs, a)
			if !c.heartbeats[a] {
				fresh = true
			}
		}
	}
	if !fresh {
		return
	}
	if err := c.client.SendHeartbeat(ctx); err != nil {
		c.log.Warn("heartbeat to new brokers", "err", err)
		return
	}
	for _, a := range addrs {
		c.heartbeats[a] = true
	}
}

func (c *PushConsumer) allocate(ctx context.Context, topic string) ([]route.MessageQueue, error) {
	r, err := c.client.Route(ctx, topic)
	if err != nil {
		return nil, err
	}
	all := r.SubscribeQueues(topic)
	if c.cfg.Model == Broadcasting {
		return all, nil
	}
	ids, err := consumerIDs(ctx, c.client, r, c.cfg.Group)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ids, c.client.ID()) {
		// The others do not count us either, so taking no queue is what keeps the group
		// consistent; a heartbeat puts us back on the list and brings a rebalance.
		c.log.Warn("rebalance: this client is not among the group's members", "topic", topic, "members", ids)
		if err := c.client.SendHeartbeat(ctx); err != nil {
			c.log.Warn("heartbeat", "err", err)
		}
	}
	return AllocateAveragely(c.client.ID(), all, ids), nil
}

// assign makes the topic's owned queues exactly mine.
func (c *PushConsumer) assign(ctx context.Context, topic string, mine []route.MessageQueue) {
	want := make(map[route.MessageQueue]bool, len(mine))
	for _, mq := range mine {
		want[mq] = true
	}
	var gone []*queueTask
	c.qmu.RLock()
	for mq, t := range c.queues {
		if mq.Topic == topic && !want[mq] {
			gone = append(gone, t)
		}
	}
	c.qmu.RUnlock()
	for _, t := range gone {
		c.release(t, -1)
	}
	for _, mq := range mine {
		if c.task(mq) == nil {
			c.own(ctx, mq)
		}
	}
}

// own starts pulling a queue. Where it starts is settled here when it can be, so that
// once Start returns, a FromLastOffset consumer misses nothing sent afterwards; an orderly
// queue whose lock another member still holds, or an offset that cannot be read now, is
// left to the pull loop to retry.
func (c *PushConsumer) own(ctx context.Context, mq route.MessageQueue) {
	if c.cfg.Model == Clustering {
		// What we remember from an earlier ownership is stale: read the broker's.
		c.offsets.Remove(mq)
	}
	t := newQueueTask(mq, c.subs[mq.Topic], c.stats[mq.Topic])
	next := int64(-1)
	if !c.needLock() || c.lockForPull(ctx, t) {
		o, err := c.startOffset(ctx, mq)
		if err == nil {
			next = o
		} else if ctx.Err() == nil {
			c.log.Warn("cannot find where to start consuming; the pull loop will retry", "mq", mq, "err", err)
		}
	}
	loopCtx, cancel := context.WithCancel(c.ctx)
	t.cancel = cancel
	c.qmu.Lock()
	c.queues[mq] = t
	c.qmu.Unlock()
	c.log.Info("queue assigned", "mq", mq, "client", c.client.ID(), "offset", next)
	c.loops.Add(1)
	go c.pullLoop(loopCtx, t, next)
}

// release gives a queue up: its pull loop stops, nothing of it is committed any more, its
// offset is persisted (reset, when >= 0, replaces the offset first) and its lock is freed.
func (c *PushConsumer) release(t *queueTask, reset int64) {
	t.cancel()
	<-t.done
	t.drop()
	held := false
	if c.needLock() {
		// Unlocking while a listener call is still running would let the next owner
		// consume the following message before this one is finished.
		timer := time.NewTimer(unlockWait)
		select {
		case t.consuming <- struct{}{}:
			held = true
		case <-timer.C:
			c.log.Warn("an orderly listener call outlived the queue's release; leaving its lock to expire", "mq", t.mq)
		}
		timer.Stop()
	}
	if reset >= 0 {
		c.offsets.Update(t.mq, reset, false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.client.RequestTimeout())
	defer cancel()
	if err := c.offsets.Persist(ctx, []route.MessageQueue{t.mq}); err != nil {
		c.log.Warn("persisting a released queue's offset", "mq", t.mq, "err", err)
	}
	if c.cfg.Model == Clustering {
		c.offsets.Remove(t.mq)
	}
	if held {
		if err := c.unlock(ctx, []route.MessageQueue{t.mq}); err != nil {
			c.log.Warn("unlocking a released queue", "mq", t.mq, "err", err)
		}
		<-t.consuming
	}
	c.qmu.Lock()
	if c.queues[t.mq] == t {
		delete(c.queues, t.mq)
	}
	c.qmu.Unlock()
	c.log.Info("queue released", "mq", t.mq, "client", c.client.ID())
}

// unlock frees queues of one or more brokers.
func (c *PushConsumer) unlock(ctx context.Context, mqs []route.MessageQueue) error {
	var errs []error
	for broker, group := range byBroker(mqs) {
		addr, err := masterAddr(ctx, c.client, group[0])
		if err == nil {
			err = unlockQueues(ctx, c.client, c.cfg.Group, addr, group)
		}
		if err != nil {
			errs = append(errs, errors.New(broker+": "+err.Error()))
		}
	}
	return errors.Join(errs...)
}

func byBroker(mqs []route.MessageQueue) map[string][]route.MessageQueue {
	out := make(map[string][]route.MessageQueue)
	for _, mq := range mqs {
		out[mq.BrokerName] = append(out[mq.BrokerName], mq)
	}
	return out
}
