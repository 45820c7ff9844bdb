package producer

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

// Lifecycle states.
const (
	stateCreated int32 = iota
	stateRunning
	stateShutdown
)

// shutdownGrace is how long Shutdown waits, beyond SendTimeout, for callbacks and
// transaction checks to return.
const shutdownGrace = 2 * time.Second

// shutdownSettle is the least Shutdown waits, after closing its client, for work the close
// ended.
const shutdownSettle = 200 * time.Millisecond

// Producer sends messages to the brokers of one producer group. Its methods are safe for
// concurrent use.
type Producer struct {
	cfg Config
	log *slog.Logger
	ids *message.UniqIDGenerator

	lifecycle sync.Mutex
	state     atomic.Int32
	client    *client.Client // set by Start, before state becomes running

	pubs   sync.Map // topic → *publishInfo
	faults faultTable
	beaten sync.Map // broker address → struct{}: sent a heartbeat naming this group

	inflight tracker
	pool     *callbackPool
	tracer   *trace.Dispatcher // nil unless Config.Trace
	checks   chan checkRequest
	kick     chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// New validates cfg and returns a producer that is not started.
func New(cfg Config) (*Producer, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	return &Producer{
		cfg: cfg,
		log: cfg.Logger.With("producerGroup", cfg.Group),
		ids: message.DefaultUniqIDGenerator(),
	}, nil
}

// Group is the producer group.
func (p *Producer) Group() string { return p.cfg.Group }

// Start connects the producer: it starts its client (route refreshes, heartbeats) and
// registers the group. A second Start is a no-op; Start after Shutdown fails with
// ErrShutdown. A failed Start may be retried.
func (p *Producer) Start() error {
	p.lifecycle.Lock()
	defer p.lifecycle.Unlock()
	switch p.state.Load() {
	case stateRunning:
		return nil
	case stateShutdown:
		return ErrShutdown
	}
	// The check queue exists before the client can deliver a check into it.
	p.checks = make(chan checkRequest, checkQueueLen)
	p.kick = make(chan struct{}, 1)
	// A client cannot be restarted, so each attempt gets a fresh one.
	c := client.New(p.cfg.Client)
	if err := c.Start(); err != nil {
		c.Shutdown()
		return fmt.Errorf("rocketmq: start producer %s: %w", p.cfg.Group, err)
	}
	err := c.RegisterProducer(p.cfg.Group, checkHandler{p})
	if err != nil {
		c.Shutdown()
		return fmt.Errorf("rocketmq: start producer %s: %w", p.cfg.Group, err)
	}
	p.client = c
	if p.cfg.Trace {
		// Tracing is best effort: a producer whose tracer cannot start still sends.
		if p.tracer, err = NewTraceDispatcher(p.cfg.Group, "PRODUCE", p.cfg.Client, p.log); err != nil {
			p.log.Warn("message trace not started", "err", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.pool = newCallbackPool(min(max(runtime.GOMAXPROCS(0), 4), 32), p.log)
	p.wg.Add(2)
	go p.heartbeatLoop(ctx)
	go p.checkLoop(ctx)
	p.state.Store(stateRunning)
	p.log.Info("producer started", "client", c.ID())
	return nil
}

// Shutdown stops a started producer. New sends fail with ErrShutdown at once; sends already
// under way get up to SendTimeout to finish, and every accepted async send still gets its
// callback (with an error if its broker did not answer in time). It is idempotent. It
// returns ErrShutdownTimeout if callbacks or transaction checks still ran when its wait
// (SendTimeout plus two seconds) ended.
func (p *Producer) Shutdown() error {
	p.lifecycle.Lock()
	defer p.lifecycle.Unlock()
	if p.state.Load() != stateRunning {
		// Before Start this is a no-op that leaves the producer startable, as upstream's
		// shutdown in CREATE_JUST is.
		return nil
	}
	p.state.Store(stateShutdown)
	deadline := time.Now().Add(p.cfg.SendTimeout + shutdownGrace)
	drained := p.inflight.wait(deadline)
	p.cancel()
	// A transaction check under way finishes before the connections close: its
	// END_TRANSACTION would be lost otherwise, leaving the broker's message undecided.
	loops := waitGroupUntil(&p.wg, deadline)
	// Closing the client fails whatever is still pending with remoting.ErrClosed, which
	// the async path turns into callbacks (no retry once shut down).
	p.client.Shutdown()
	// Unregistering from a broker that does not answer takes the client's RequestTimeout,
	// which may outlast the wait: then callbacks and loops that ended meanwhile still get a
	// moment to be seen as ended, rather than reported as hanging.
	if settle := time.Now().Add(shutdownSettle); settle.After(deadline) {
		deadline = settle
	}
	drained = p.inflight.wait(deadline) && drained
	drained = p.pool.close(deadline) && drained
	drained = (loops || waitGroupUntil(&p.wg, deadline)) && drained
	if p.tracer != nil {
		p.tracer.Shutdown() // after the callbacks, which record their sends
	}
	p.log.Info("producer shut down", "drained", drained)
	if !drained {
		return ErrShutdownTimeout
	}
	return nil
}

// begin admits a send: it counts it in flight (so Shutdown waits for it) and checks the
// state after counting, so a send either is counted before Shutdown waits or sees it.
func (p *Producer) begin() error {
	p.inflight.add()
	switch p.state.Load() {
	case stateRunning:
		return nil
	case stateCreated:
		p.inflight.done()
		return ErrNotStarted
	default:
		p.inflight.done()
		return ErrShutdown
	}
}

func (p *Producer) end() { p.inflight.done() }

// noteBrokers asks for a heartbeat when a route brings brokers that have not heard of
// this group: the broker only sends transaction checks to producers it knows, and the
// client's own heartbeats come every 30 s.
func (p *Producer) noteBrokers(addrs []string) {
	for _, a := range addrs {
		if _, ok := p.beaten.Load(a); !ok {
			select {
			case p.kick <- struct{}{}:
			default:
			}
			return
		}
	}
}

func (p *Producer) heartbeatLoop(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
			p.heartbeat(ctx)
		}
	}
}

// heartbeat sends one now and marks every broker of the cached routes as told.
func (p *Producer) heartbeat(ctx context.Context) {
	known := p.knownAddrs()
	ctx, cancel := context.WithTimeout(ctx, p.client.RequestTimeout())
	defer cancel()
	if err := p.client.SendHeartbeat(ctx); err != nil {
		p.log.Warn("heartbeat failed", "err", err)
		return
	}
	for _, a := range known {
		p.beaten.Store(a, struct{}{})
	}
}

func (p *Producer) knownAddrs() []string {
	var out []string
	p.pubs.Range(func(_, v any) bool {
		out = append(out, v.(*publishInfo).addrs...)
		return true
	})
	return out
}

// tracker counts sends in flight; Shutdown waits for it to reach zero. The hot path is
// two atomic adds; the mutex is taken only while someone waits.
type tracker struct {
	n        atomic.Int64
	draining atomic.Bool
	mu       sync.Mutex
	idle     chan struct{}
}

func (t *tracker) add() { t.n.Add(1) }

func (t *tracker) done() {
	if t.n.Add(-1) == 0 && t.draining.Load() {
		t.mu.Lock()
		if t.idle != nil {
			close(t.idle)
			t.idle = nil
		}
		t.mu.Unlock()
	}
}

// wait blocks until nothing is in flight or deadline passes, and reports which.
func (t *tracker) wait(deadline time.Time) bool {
	t.draining.Store(true)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		t.mu.Lock()
		if t.n.Load() == 0 {
			t.mu.Unlock()
			return true
		}
		if t.idle == nil {
			t.idle = make(chan struct{})
		}
		idle := t.idle
		t.mu.Unlock()
		select {
		case <-idle:
		case <-timer.C:
			return t.n.Load() == 0
		}
	}
}

func waitGroupUntil(wg *sync.WaitGroup, deadline time.Time) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}
