package devbroker

// Long polling: pulls that found nothing and asked to be suspended wait here.
//
// Behaviour:
//   - A held pull is answered exactly once: when a message whose tags code its filter
//     accepts lands on its queue, or when its suspend time runs out. Either way the pull is
//     run again (never held again) and its answer sent with Conn.Reply.
//   - As Java re-checks held pulls every 5 s, a hold whose queue grew only by messages it
//     filters out is answered within 5 s, normally PULL_RETRY_IMMEDIATELY.
//   - A message stored between the pull's read and its registration here is caught by a
//     check right after registering, so no arrival is missed.
//   - Answers are sent from goroutines of their own, never from the sender's connection.
//   - A hold is dropped, unanswered, when its connection closes; close() drops every hold
//     and waits for answers in progress.

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// holdRecheck is Java's PullRequestHoldService period.
const holdRecheck = 5 * time.Second

type pullHold struct {
	conn     *remoting.Conn
	req      *remoting.Command
	p        pullParams
	key      cqKey
	timer    *time.Timer
	deadline time.Time
}

type pullHolds struct {
	b *Broker
	n atomic.Int64 // holds registered, read without the lock by every store append

	mu      sync.Mutex
	recheck time.Duration // holdRecheck; tests shorten it
	closed  bool
	byQueue map[cqKey]map[*pullHold]struct{}
	byConn  map[*remoting.Conn]map[*pullHold]struct{}
	wg      sync.WaitGroup // answers in progress
}

func newPullHolds(b *Broker) *pullHolds {
	return &pullHolds{
		b:       b,
		recheck: holdRecheck,
		byQueue: make(map[cqKey]map[*pullHold]struct{}),
		byConn:  make(map[*remoting.Conn]map[*pullHold]struct{}),
	}
}

// waiting reports whether any pull is held, so appends skip notify when none is.
func (h *pullHolds) waiting() bool { return h.n.Load() > 0 }

// count is the number of held pulls.
func (h *pullHolds) count() int { return int(h.n.Load()) }

// hold registers a pull to answer later; false means it cannot be held (broker closing or
// connection gone) and the caller answers now.
func (h *pullHolds) hold(conn *remoting.Conn, req *remoting.Command, p *pullParams) bool {
	ph := &pullHold{conn: conn, req: req, p: *p, key: cqKey{p.topic, p.queueID}, deadline: time.Now().Add(p.suspend)}
	h.mu.Lock()
	// Checked under the lock: a connection closes before connectionClosed takes it, so
	// either this sees it closed or connectionClosed will see this hold.
	if h.closed || conn.Closed() {
		h.mu.Unlock()
		return false
	}
	addHold(h.byQueue, ph.key, ph)
	addHold(h.byConn, conn, ph)
	h.n.Add(1)
	ph.timer = time.AfterFunc(p.suspend, func() { h.expire(ph) })
	h.mu.Unlock()

	if h.b.store.maxOffset(p.topic, p.queueID) > p.offset {
		h.mu.Lock()
		if h.remove(ph) {
			h.answerAsync(ph)
		}
		h.mu.Unlock()
	}
	return true
}

func addHold[K comparable](m map[K]map[*pullHold]struct{}, k K, ph *pullHold) {
	set := m[k]
	if set == nil {
		set = make(map[*pullHold]struct{})
		m[k] = set
	}
	set[ph] = struct{}{}
}

func dropHold[K comparable](m map[K]map[*pullHold]struct{}, k K, ph *pullHold) {
	if set := m[k]; set != nil {
		delete(set, ph)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}

// remove unregisters ph if it is still held; whoever removes a hold answers or drops it.
// The caller holds h.mu.
func (h *pullHolds) remove(ph *pullHold) bool {
	set := h.byQueue[ph.key]
	if _, ok := set[ph]; !ok {
		return false
	}
	dropHold(h.byQueue, ph.key, ph)
	dropHold(h.byConn, ph.conn, ph)
	h.n.Add(-1)
	ph.timer.Stop()
	return true
}

// answerAsync runs the pull again and replies, off the caller's goroutine. The caller
// holds h.mu and has just removed ph.
func (h *pullHolds) answerAsync(ph *pullHold) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.answer(ph)
	}()
}

func (h *pullHolds) answer(ph *pullHold) {
	_ = ph.conn.Reply(ph.req, h.b.pullAnswer(&ph.p))
}

func (h *pullHolds) expire(ph *pullHold) {
	h.mu.Lock()
	if h.closed || !h.remove(ph) {
		h.mu.Unlock()
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	h.answer(ph)
}

// notify tells the holds of a queue that messages with these tags codes arrived.
func (h *pullHolds) notify(topic string, queueID int32, tags []int32) {
	if !h.waiting() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ph := range h.byQueue[cqKey{topic, queueID}] {
		if matchesAny(&ph.p.filter, tags) {
			h.remove(ph)
			h.answerAsync(ph)
		} else if time.Until(ph.deadline) > h.recheck {
			ph.deadline = time.Now().Add(h.recheck)
			ph.timer.Reset(h.recheck)
		}
	}
}

func matchesAny(f *tagFilter, tags []int32) bool {
	for _, t := range tags {
		if f.match(t) {
			return true
		}
	}
	return false
}

// connectionClosed drops the holds of a closed connection: nobody is left to answer.
func (h *pullHolds) connectionClosed(conn *remoting.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ph := range h.byConn[conn] {
		h.remove(ph)
	}
}

// close drops every hold and returns once no answer is being sent.
func (h *pullHolds) close() {
	h.mu.Lock()
	h.closed = true
	for _, set := range h.byQueue {
		for ph := range set {
			h.remove(ph)
		}
	}
	h.mu.Unlock()
	h.wg.Wait()
}
