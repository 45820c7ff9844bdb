package producer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// SendAsync sends msg without waiting; cb receives the result or the error exactly once,
// on one of the producer's callback goroutines, never on the caller's, even when the send
// fails before a request goes out. It returns an error, and cb is never called, only when
// the send is not accepted: nil cb, an illegal message, or the producer not running.
//
// Failed attempts are retried up to RetryTimesAsync times on another broker, within
// SendTimeout, by the rules of SendSync, but without its pause before going back to a
// broker that answered SYSTEM_BUSY (a retry is never delayed, as in Java's async sends,
// so no pool goroutine waits); as there, a non-nil result given together with an
// error means the message was stored without SEND_OK. ctx bounds what SendAsync itself
// does (route lookup, connecting) and the send's deadline; retries are not cancelled by
// it. msg (its Body included) must not be modified until cb has run.
func (p *Producer) SendAsync(ctx context.Context, msg *message.Message, cb func(*SendResult, error)) error {
	return p.sendAsync(ctx, msg, cb, nil)
}

func (p *Producer) sendAsync(ctx context.Context, msg *message.Message, cb func(*SendResult, error), ord *orderly) error {
	if cb == nil {
		return fmt.Errorf("%w: async send callback", ErrNilArgument)
	}
	if err := p.begin(); err != nil {
		return err
	}
	if p.tracer != nil {
		user, start := cb, time.Now()
		cb = func(res *SendResult, err error) {
			p.tracePub(start, []*message.Message{msg}, res, false)
			user(res, err)
		}
	}
	o, err := p.prepare(msg, sendMode{})
	if err != nil {
		p.end()
		return err
	}
	now := time.Now()
	s := asyncPool.Get().(*asyncSend)
	s.p, s.o, s.cb, s.ord, s.start, s.deadline = p, o, cb, ord, now, p.deadline(ctx, now)
	s.attempts = 1 + p.cfg.RetryTimesAsync
	s.advance(ctx, false)
	return nil
}

// asyncSends are pooled. Remoting calls HandleResponse exactly once per accepted
// InvokeAsyncHandler, and the goroutine that called InvokeAsyncHandler touches the send no
// more once it is accepted, so the send is free again when the user's callback has
// returned.
var asyncPool = sync.Pool{New: func() any { return new(asyncSend) }}

func (s *asyncSend) release() {
	*s = asyncSend{}
	asyncPool.Put(s)
}

// asyncSend is one accepted async send, from its first attempt to its callback.
type asyncSend struct {
	p        *Producer
	o        outgoing
	cb       func(*SendResult, error)
	ord      *orderly
	start    time.Time
	deadline time.Time
	attempts int

	attempt    int
	mq         route.MessageQueue
	addr       string
	sentAt     time.Time
	lastBroker string
	lastErr    error
	stored     *SendResult

	// The attempt's request; remoting is done with it once it has accepted the attempt or
	// called HandleResponse.
	cmd remoting.Command

	// Handed from the remoting callback to the pool.
	res   *SendResult
	err   error
	final bool // err ends the send
}

// HandleResponse runs on a remoting callback goroutine. It reads the result out of the
// response, which is only valid until it returns; the rest of the work, and the user's
// callback, go to the producer's pool so a slow callback holds up neither the connection's
// other responses nor the broker requests the remoting goroutines also serve.
func (s *asyncSend) HandleResponse(resp *remoting.Response, err error) {
	if err == nil {
		s.res, err = parseSendResponse(resp, s.o.topic, s.mq.BrokerName, s.o.msgID)
	}
	s.err = err
	s.p.pool.submit(s)
}

// run handles a response (or a final failure) on a pool goroutine.
func (s *asyncSend) run() {
	if s.final {
		s.finish(s.stored, s.err)
		return
	}
	res, err := s.res, s.err
	s.res, s.err = nil, nil
	latency := time.Since(s.sentAt)
	if err == nil {
		s.p.recordFault(s.mq.BrokerName, latency, false)
		if res.Status == SendOK {
			s.finish(res, nil)
			return
		}
		s.stored = res
		err = fmt.Errorf("%w: %s from %s", ErrNotStoredOK, res.Status, s.mq)
	} else {
		retry, isolate := classify(err)
		if isolate {
			s.p.recordFault(s.mq.BrokerName, latency, true)
		}
		err = fmt.Errorf("%s (%s): %w", s.mq, s.addr, err)
		if !retry {
			s.finish(s.stored, s.failure(err))
			return
		}
	}
	s.lastErr = err
	if s.p.state.Load() != stateRunning {
		s.finish(s.stored, s.failure(fmt.Errorf("%w (no retry): %w", ErrShutdown, err)))
		return
	}
	s.advance(context.Background(), true)
}

// advance starts attempts until one is in flight. When none can be, the send ends: right
// here on a pool goroutine, or through the pool when called on the caller's goroutine.
func (s *asyncSend) advance(ctx context.Context, onPool bool) {
	for {
		retry, err := s.try(ctx)
		if err == nil {
			return
		}
		if retry {
			s.lastErr = err
			continue
		}
		err = s.failure(err)
		if onPool {
			s.finish(s.stored, err)
			return
		}
		s.final, s.err = true, err
		s.p.pool.submit(s)
		return
	}
}

// errAttemptsUsed ends the loop in try; the send's error is then the last attempt's.
var errAttemptsUsed = fmt.Errorf("%w: attempts or SendTimeout used up", remoting.ErrTimeout)

// try starts one attempt. It returns nil once the request is on its way; an error with
// retry=true when this attempt failed at once and another may follow.
func (s *asyncSend) try(ctx context.Context) (retry bool, err error) {
	remaining := time.Until(s.deadline)
	if s.attempt >= s.attempts || remaining <= 0 {
		if s.lastErr != nil {
			return false, s.lastErr
		}
		return false, errAttemptsUsed
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	p := s.p
	pi, err := p.publishInfo(ctx, s.o.topic)
	if err != nil {
		return false, err
	}
	i, err := p.choose(pi, s.ord, s.attempt, s.lastBroker)
	if err != nil {
		return false, err
	}
	s.mq, s.addr = pi.queues[i], pi.addrs[i]
	s.lastBroker = s.mq.BrokerName
	budget := attemptBudget(remaining, s.attempt, s.attempts)
	s.attempt++
	if s.addr == "" {
		return true, fmt.Errorf("rocketmq: the broker[%s] has no master address", s.mq.BrokerName)
	}
	r := getRequest()
	r.fill(p.cfg.Group, &s.o, s.mq.BrokerName, s.mq.QueueID)
	s.sentAt = time.Now()
	s.cmd = remoting.Command{Code: sendCode(&s.o), Language: remoting.Go, Version: remoting.Version, ExtFields: r.ext, Body: s.o.body}
	err = p.client.Remote().InvokeAsyncHandler(ctx, s.addr, &s.cmd, budget, s)
	putRequest(r)
	if err == nil {
		return false, nil
	}
	retry, isolate := classify(err)
	if isolate {
		p.recordFault(s.mq.BrokerName, time.Since(s.sentAt), true)
	}
	return retry, fmt.Errorf("%s (%s): %w", s.mq, s.addr, err)
}

func (s *asyncSend) failure(err error) error {
	return fmt.Errorf("%w: topic %s, msgId %s, %d attempt(s) in %v: %w",
		ErrSendFailed, s.o.topic, s.o.msgID, s.attempt, time.Since(s.start).Round(time.Millisecond), err)
}

// finish runs the user's callback, once. A panic in it is logged rather than allowed to
// take the pool goroutine (and the process) down, as a C callback cannot panic anyway.
func (s *asyncSend) finish(res *SendResult, err error) {
	p := s.p
	defer p.end()
	defer s.release()
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("async send callback panicked", "msgId", s.o.msgID, "panic", r)
		}
	}()
	s.cb(res, err)
}

// callbackPool runs async sends' response handling and callbacks on a fixed set of
// goroutines: no goroutine per message, and a blocking callback holds up one worker only.
type callbackPool struct {
	mu     sync.RWMutex
	closed bool
	tasks  chan *asyncSend
	wg     sync.WaitGroup
	log    *slog.Logger
}

func newCallbackPool(workers int, log *slog.Logger) *callbackPool {
	cp := &callbackPool{tasks: make(chan *asyncSend, 1024), log: log}
	cp.wg.Add(workers)
	for range workers {
		go cp.work()
	}
	return cp
}

func (cp *callbackPool) work() {
	defer cp.wg.Done()
	for s := range cp.tasks {
		s.run()
	}
}

// submit queues s, blocking while the queue is full: that pushes back on the connections'
// read loops instead of dropping callbacks. After close, s runs on a goroutine of its own,
// so a straggler still gets its callback.
func (cp *callbackPool) submit(s *asyncSend) {
	cp.mu.RLock()
	if cp.closed {
		cp.mu.RUnlock()
		go s.run()
		return
	}
	cp.tasks <- s
	cp.mu.RUnlock()
}

// close stops the workers once the queue is empty, waiting until deadline at most.
func (cp *callbackPool) close(deadline time.Time) bool {
	// A submitter blocked on a full queue holds the read lock; with workers stuck in user
	// callbacks it may never let go, so the lock is tried rather than awaited.
	for !cp.mu.TryLock() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	cp.closed = true
	close(cp.tasks)
	cp.mu.Unlock()
	return waitGroupUntil(&cp.wg, deadline)
}
