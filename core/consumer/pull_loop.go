package consumer

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// queueTask is one owned queue: its process queue, its pull loop and its consumption state.
type queueTask struct {
	mq    route.MessageQueue
	sub   *subscription
	stats *topicStats
	pq    *ProcessQueue

	cancel context.CancelFunc
	done   chan struct{} // closed when the pull loop has returned

	// commitMu orders offset commits against drop: once drop returns, no commit of this
	// owner can land in the offset store over the next owner's progress.
	commitMu sync.Mutex
	// wake cuts a flow-control pause short when consumption frees room.
	wake chan struct{}
	// inflight counts running concurrent listener calls.
	inflight atomic.Int32
	// consuming is held while an orderly listener call runs on this queue.
	consuming chan struct{}
	// orderly scheduling: at most one worker per queue, none while suspended.
	omu       sync.Mutex
	scheduled bool
	suspended bool

	lastConsume atomic.Int64 // unix ms
}

func newQueueTask(mq route.MessageQueue, sub *subscription, stats *topicStats) *queueTask {
	return &queueTask{
		mq: mq, sub: sub, stats: stats, pq: NewProcessQueue(),
		done:      make(chan struct{}),
		wake:      make(chan struct{}, 1),
		consuming: make(chan struct{}, 1),
	}
}

func (t *queueTask) drop() {
	t.commitMu.Lock()
	t.pq.Drop()
	t.commitMu.Unlock()
}

func (t *queueTask) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// pause waits d, or less if ctx ends or wake fires (a nil wake never does).
func pause(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-wake:
	}
}

// pullLoop pulls one queue until it is given up or the consumer shuts down. Being the
// queue's only puller, it owns the next offset to pull; -1 means it is not known yet.
func (c *PushConsumer) pullLoop(ctx context.Context, t *queueTask, next int64) {
	defer c.loops.Done()
	defer close(t.done)
	for ctx.Err() == nil && !t.pq.Dropped() {
		// The lock comes first: an orderly queue whose lock lapsed consumes nothing, so
		// waiting for room before locking again would wait forever.
		if c.needLock() && !t.pq.Locked() && !c.lockForPull(ctx, t) {
			pause(ctx, lockRetryDelay, nil)
			continue
		}
		room := c.room(t)
		if room <= 0 {
			pause(ctx, flowControlDelay, t.wake)
			continue
		}
		if next < 0 {
			// For an orderly queue only once it is locked: what the previous owner
			// committed before letting go is then what we read.
			o, err := c.startOffset(ctx, t.mq)
			if err != nil {
				if ctx.Err() == nil {
					c.log.Warn("cannot find where to start consuming", "mq", t.mq, "err", err)
					pause(ctx, pullBackoff, nil)
				}
				continue
			}
			next = o
		}
		var ok bool
		if next, ok = c.pullOnce(ctx, t, next, room); !ok {
			return
		}
	}
}

// room is how many more messages the queue may hold before its pulls pause.
func (c *PushConsumer) room(t *queueTask) int {
	if t.pq.Bytes() >= int64(c.cfg.MaxCachedMiBPerQueue)<<20 {
		return 0
	}
	return c.cfg.MaxCachedMessagesPerQueue - t.pq.Count()
}

// startOffset is where a newly owned queue starts: the stored offset, or else where
// FromWhere says.
func (c *PushConsumer) startOffset(ctx context.Context, mq route.MessageQueue) (int64, error) {
	o, err := c.offsets.Read(ctx, mq, true)
	if err != nil {
		return -1, err
	}
	if o >= 0 {
		return o, nil
	}
	retry := message.IsRetryTopic(mq.Topic)
	switch {
	case c.cfg.FromWhere == FromFirstOffset, c.cfg.FromWhere == FromLastOffset && retry:
		o = 0
	case c.cfg.FromWhere == FromLastOffset, retry:
		o, err = maxOffset(ctx, c.client, mq)
	default:
		ts := c.cfg.ConsumeTimestamp
		if ts.IsZero() {
			ts = c.startedAt.Add(-30 * time.Minute)
		}
		o, err = searchOffset(ctx, c.client, mq, ts)
	}
	if err != nil {
		return -1, err
	}
	c.offsets.Update(mq, o, false)
	return o, nil
}

// pullOnce makes one pull and hands what it finds to consumption. It returns the next
// offset to pull, and false when the loop must end.
func (c *PushConsumer) pullOnce(ctx context.Context, t *queueTask, next int64, room int) (int64, bool) {
	addr, err := masterAddr(ctx, c.client, t.mq)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("no broker to pull from", "mq", t.mq, "err", err)
			pause(ctx, pullBackoff, nil)
		}
		return next, true
	}
	args := pullArgs{
		group: c.cfg.Group, mq: t.mq, sub: t.sub, offset: next,
		maxNums: min(c.cfg.PullBatchSize, room), sysFlag: pullFlagSuspend, suspend: pullSuspend,
	}
	if c.cfg.Model == Clustering {
		// The broker commits our progress with the pull, which saves an offset update.
		if o, ok := memoryOffset(c.offsets, t.mq); ok && o > 0 {
			args.sysFlag |= pullFlagCommitOffset
			args.commitOffset = o
		}
	}
	start := time.Now()
	resp, err := c.client.Remote().InvokeSyncResponse(ctx, addr, args.command(), pullTimeout)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("pull failed", "mq", t.mq, "err", err)
			pause(ctx, pullBackoff, nil)
		}
		return next, true
	}
	r := parsePullReply(resp, c.cfg.Group, t.sub)
	resp.Release()
	switch r.code {
	case remoting.Success:
		if r.decodeErr != nil {
			c.log.Error("undecodable message in pull", "mq", t.mq, "offset", next, "err", r.decodeErr)
			if r.decoded == 0 {
				pause(ctx, pullBackoff, nil)
				return next, true
			}
		}
		fresh := t.pq.AddFresh(r.msgs)
		t.stats.pulled(time.Since(start), len(fresh))
		if committable := t.pq.Advance(r.nextOffset); len(fresh) == 0 {
			c.commit(t, committable)
		} else if c.orderly {
			c.scheduleOrderly(t)
		} else {
			c.dispatchConcurrent(t, fresh)
		}
		return r.nextOffset, true
	case remoting.PullNotFound, remoting.PullRetryImmediately:
		t.stats.pulled(time.Since(start), 0)
		c.commit(t, t.pq.Advance(r.nextOffset))
		return r.nextOffset, true
	case remoting.PullOffsetMoved:
		c.offsetMoved(ctx, t, next, r.nextOffset)
		return r.nextOffset, false
	}
	if ctx.Err() == nil {
		c.log.Warn("pull refused", "mq", t.mq, "code", r.code, "remark", r.refused.Remark)
		switch r.code {
		case remoting.FlowControl, remoting.SystemBusy:
			pause(ctx, flowControlDelay, nil)
			return next, true
		case remoting.SubscriptionNotExist, remoting.SubscriptionNotLatest:
			// The broker lost or never got our subscriptions (restarted, say): tell it
			// now rather than at the next periodic heartbeat.
			c.heartbeatSoon(ctx)
		}
		pause(ctx, pullBackoff, nil)
	}
	return next, true
}

// heartbeatSoon sends a heartbeat unless one was forced less than a second ago: every
// queue of a broker that lost our subscriptions asks at once.
func (c *PushConsumer) heartbeatSoon(ctx context.Context) {
	now := time.Now().UnixMilli()
	last := c.forcedHeartbeat.Load()
	if now-last < 1000 || !c.forcedHeartbeat.CompareAndSwap(last, now) {
		return
	}
	if err := c.client.SendHeartbeat(ctx); err != nil && ctx.Err() == nil {
		c.log.Warn("heartbeat", "err", err)
	}
}

// offsetMoved handles the broker rejecting our offset (messages deleted, queue reset): as
// upstream, the queue is given up, its offset set where the broker says and persisted, and
// the next rebalance takes the queue again from there with an empty process queue.
func (c *PushConsumer) offsetMoved(ctx context.Context, t *queueTask, was, next int64) {
	c.log.Warn("broker rejected the pull offset; moving it", "mq", t.mq, "offset", was, "next", next)
	t.drop()
	deadline := time.Now().Add(offsetMovedSettle)
	for (t.inflight.Load() > 0 || len(t.consuming) > 0) && time.Now().Before(deadline) && ctx.Err() == nil {
		pause(ctx, 10*time.Millisecond, nil)
	}
	if ctx.Err() != nil {
		return
	}
	c.offsets.Update(t.mq, next, false)
	pctx, cancel := context.WithTimeout(context.Background(), c.client.RequestTimeout())
	if err := c.offsets.Persist(pctx, []route.MessageQueue{t.mq}); err != nil {
		c.log.Warn("persisting the moved offset", "mq", t.mq, "err", err)
	}
	cancel()
	c.qmu.Lock()
	if c.queues[t.mq] == t {
		delete(c.queues, t.mq)
	}
	c.qmu.Unlock()
	c.MembershipChanged()
}

// memoryOffset is a store's in-memory offset, without asking the broker.
func memoryOffset(s OffsetStore, mq route.MessageQueue) (int64, bool) {
	if m, ok := s.(interface {
		get(route.MessageQueue) (int64, bool)
	}); ok {
		return m.get(mq)
	}
	return -1, false
}
