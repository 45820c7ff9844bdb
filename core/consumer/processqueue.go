package consumer

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// ProcessQueue holds the messages pulled from one queue that are not consumed yet. Its
// counts drive flow control (pulls pause, nothing is dropped), and its lowest unfinished
// offset is the only offset that may be committed: a message still being consumed, or
// waiting, must be delivered again if the consumer dies, so the commit never passes it.
type ProcessQueue struct {
	mu      sync.Mutex
	live    map[int64]*message.MessageExt // pulled, not finished, by queue offset
	order   []int64                       // offsets in the order added (ascending), some finished
	head    int                           // order[:head] are all finished
	bytes   int64
	highest int64 // highest offset ever added; -1 when none
	pulled  int64 // every offset below was pulled: added, or dropped by a filter; -1 when none

	// orderly consumption takes messages out in order and puts them back on failure
	taken []*message.MessageExt

	dropped   atomic.Bool
	lastPull  atomic.Int64 // unix ms
	lockUntil atomic.Int64 // unix ms; orderly consumers' broker lock lease
}

// NewProcessQueue returns an empty process queue.
func NewProcessQueue() *ProcessQueue {
	return &ProcessQueue{live: make(map[int64]*message.MessageExt), highest: -1, pulled: -1}
}

// Add stores pulled messages, ignoring offsets it already holds or has passed, and returns
// how many were new. Pulls return ascending offsets, so order stays sorted by appending.
func (pq *ProcessQueue) Add(msgs []*message.MessageExt) int {
	return len(pq.AddFresh(msgs))
}

// AddFresh is Add returning the messages that were new, the ones to hand to a listener. It
// reuses msgs' backing array.
func (pq *ProcessQueue) AddFresh(msgs []*message.MessageExt) []*message.MessageExt {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	fresh := msgs[:0]
	for _, m := range msgs {
		if m.QueueOffset <= pq.highest {
			continue
		}
		pq.live[m.QueueOffset] = m
		pq.order = append(pq.order, m.QueueOffset)
		pq.bytes += int64(len(m.Body))
		pq.highest = m.QueueOffset
		fresh = append(fresh, m)
	}
	pq.lastPull.Store(time.Now().UnixMilli())
	return fresh
}

// Advance records that a pull covered every offset below next: those it did not add were
// filtered out and need no consuming. It returns the offset that may be committed now.
// Called after the pull's messages were added, so whichever of them finishes last commits
// past a filtered tail too, rather than waiting for the next pull to come back.
func (pq *ProcessQueue) Advance(next int64) int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	pq.pulled = max(pq.pulled, next)
	return pq.commitOffsetLocked()
}

// Remove marks messages finished and returns the offset that may now be committed: the
// lowest unfinished offset or, when none is left, the end of what was pulled. It returns
// -1 when nothing was pulled yet.
func (pq *ProcessQueue) Remove(msgs []*message.MessageExt) int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	for _, m := range msgs {
		if old, ok := pq.live[m.QueueOffset]; ok {
			pq.bytes -= int64(len(old.Body))
			delete(pq.live, m.QueueOffset)
		}
	}
	return pq.commitOffsetLocked()
}

func (pq *ProcessQueue) commitOffsetLocked() int64 {
	for pq.head < len(pq.order) {
		if _, ok := pq.live[pq.order[pq.head]]; ok {
			break
		}
		pq.head++
	}
	if pq.head > 1024 && pq.head > len(pq.order)/2 {
		pq.order = append(pq.order[:0], pq.order[pq.head:]...)
		pq.head = 0
	}
	if pq.head < len(pq.order) {
		return pq.order[pq.head]
	}
	if next := max(pq.highest+1, pq.pulled); next > 0 {
		return next
	}
	return -1
}

// CommitOffset is the offset that may be committed now (see Remove).
func (pq *ProcessQueue) CommitOffset() int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return pq.commitOffsetLocked()
}

// Count is the number of unfinished messages.
func (pq *ProcessQueue) Count() int {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return len(pq.live)
}

// Bytes is the body size of the unfinished messages.
func (pq *ProcessQueue) Bytes() int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return pq.bytes
}

// CachedRange is the lowest and highest unfinished offsets, or (0, 0) when none is left.
func (pq *ProcessQueue) CachedRange() (lo, hi int64) {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	if len(pq.live) == 0 {
		return 0, 0
	}
	return pq.commitOffsetLocked(), pq.highest
}

// Span is the distance between the lowest and highest unfinished offsets; a large span
// means one slow message is holding back the commit of many finished ones.
func (pq *ProcessQueue) Span() int64 {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	lo := pq.commitOffsetLocked()
	if len(pq.live) == 0 || lo < 0 {
		return 0
	}
	return pq.highest - lo
}

// TakeNext hands out up to n unfinished messages in offset order that are not already
// taken, for orderly consumption: one batch at a time per queue.
func (pq *ProcessQueue) TakeNext(n int) []*message.MessageExt {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	if len(pq.taken) > 0 {
		return nil
	}
	pq.commitOffsetLocked()
	for i := pq.head; i < len(pq.order) && len(pq.taken) < n; i++ {
		if m, ok := pq.live[pq.order[i]]; ok {
			pq.taken = append(pq.taken, m)
		}
	}
	return append([]*message.MessageExt(nil), pq.taken...)
}

// CommitTaken finishes the taken batch and returns the offset that may be committed.
func (pq *ProcessQueue) CommitTaken() int64 {
	pq.mu.Lock()
	taken := pq.taken
	pq.taken = nil
	pq.mu.Unlock()
	return pq.Remove(taken)
}

// ReturnTaken puts the taken batch back, to be handed out again first (orderly retry).
func (pq *ProcessQueue) ReturnTaken() {
	pq.mu.Lock()
	pq.taken = nil
	pq.mu.Unlock()
}

// Drop marks the queue as no longer ours (rebalanced away, offset reset); consumers check
// it before committing so a queue's new owner is never overwritten by the old one.
func (pq *ProcessQueue) Drop() { pq.dropped.Store(true) }

// Dropped reports whether Drop was called.
func (pq *ProcessQueue) Dropped() bool { return pq.dropped.Load() }

// SetLocked records an orderly consumer's broker lock lease.
func (pq *ProcessQueue) SetLocked(until time.Time) { pq.lockUntil.Store(until.UnixMilli()) }

// Locked reports whether the broker lock lease is still valid.
func (pq *ProcessQueue) Locked() bool { return time.Now().UnixMilli() < pq.lockUntil.Load() }

// LockedUntil is when the broker lock lease runs out (the zero time if never locked).
func (pq *ProcessQueue) LockedUntil() time.Time {
	if ms := pq.lockUntil.Load(); ms > 0 {
		return time.UnixMilli(ms)
	}
	return time.Time{}
}

// LastPull is when messages were last added.
func (pq *ProcessQueue) LastPull() time.Time { return time.UnixMilli(pq.lastPull.Load()) }
