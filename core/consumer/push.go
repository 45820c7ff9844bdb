package consumer

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

// Listener consumes messages and says whether they are done. It runs on the consumer's
// worker pool; it may call the library (send a message, say) but not Shutdown of its own
// consumer, which would wait for it until ShutdownTimeout. A panic counts as ReconsumeLater.
type Listener func(msgs []*message.MessageExt) ConsumeStatus

type lifecycle int

const (
	created lifecycle = iota
	running
	shutDown
)

// PushConsumer receives a group's messages and hands them to a listener: the C API's
// CPushConsumer. See the package doc for how queues, offsets and retries work.
type PushConsumer struct {
	cfg PushConfig
	log *slog.Logger

	mu       sync.Mutex // lifecycle, and the settings Start reads
	state    lifecycle
	exprs    map[string]string // topic → expression, as subscribed
	listener Listener
	orderly  bool

	// Fixed by Start; read without locks afterwards.
	subs      map[string]*subscription
	topics    []string // sorted keys of subs
	stats     map[string]*topicStats
	client    *client.Client
	offsets   OffsetStore
	work      *workQueue[consumeTask]
	tracer    *trace.Dispatcher // nil unless PushConfig.Trace
	ctx       context.Context
	cancel    context.CancelFunc
	loops     sync.WaitGroup // rebalance, persist and lock loops, and every pull loop
	startedAt time.Time
	// started is set once the fields above are; the admin requests check it without c.mu,
	// which Shutdown holds while it waits for listener calls that may be making them.
	started atomic.Bool
	closing atomic.Bool
	// forcedHeartbeat is when a pull loop last sent a heartbeat of its own (unix ms).
	forcedHeartbeat atomic.Int64

	rebalanceNow chan struct{}
	// tableMu makes rebalancing, offset resets and shutdown take turns: each of them changes
	// which queues are owned.
	tableMu    sync.Mutex
	qmu        sync.RWMutex
	queues     map[route.MessageQueue]*queueTask
	heartbeats map[string]bool // brokers that have had a heartbeat naming our subscriptions

	timersMu sync.Mutex
	timers   map[*time.Timer]struct{}
}

// NewPush returns a push consumer; configure it with Subscribe and a Register*Listener,
// then Start it.
func NewPush(cfg PushConfig) (*PushConsumer, error) {
	if cfg.Group == "" || cfg.Group == message.DefaultConsumerGroup {
		return nil, fmt.Errorf("%w: %q", ErrBadGroup, cfg.Group)
	}
	cfg.applyDefaults()
	if cfg.Client.Logger == nil {
		cfg.Client.Logger = cfg.Logger
	}
	return &PushConsumer{
		cfg:          cfg,
		log:          cfg.Logger.With("group", cfg.Group),
		exprs:        make(map[string]string),
		rebalanceNow: make(chan struct{}, 1),
		queues:       make(map[route.MessageQueue]*queueTask),
		heartbeats:   make(map[string]bool),
		timers:       make(map[*time.Timer]struct{}),
	}, nil
}

// Group is the consumer group.
func (c *PushConsumer) Group() string { return c.cfg.Group }

// Subscribe adds a topic with a tag expression ("*", "TagA || TagB"); subscribing a topic
// again replaces its expression. It takes effect at Start.
func (c *PushConsumer) Subscribe(topic, expression string) error {
	if topic == "" {
		return ErrBadTopic
	}
	if expression == "" {
		expression = message.SubscribeAll
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.configurableLocked(); err != nil {
		return err
	}
	c.exprs[topic] = expression
	return nil
}

// RegisterListener sets a listener for concurrent consumption, replacing any earlier one.
func (c *PushConsumer) RegisterListener(f func(msgs []*message.MessageExt) ConsumeStatus) error {
	return c.register(f, false)
}

// RegisterOrderlyListener sets a listener for orderly consumption, replacing any earlier
// one: each queue's messages are given one at a time, in queue order.
func (c *PushConsumer) RegisterOrderlyListener(f func(msgs []*message.MessageExt) ConsumeStatus) error {
	return c.register(f, true)
}

func (c *PushConsumer) register(f Listener, orderly bool) error {
	if f == nil {
		return fmt.Errorf("%w: nil listener", ErrBadArgument)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.configurableLocked(); err != nil {
		return err
	}
	c.listener, c.orderly = f, orderly
	return nil
}

func (c *PushConsumer) configurableLocked() error {
	switch c.state {
	case running:
		return ErrStarted
	case shutDown:
		return ErrShutdown
	}
	return nil
}

// needLock reports whether queues must be locked on their broker before consuming: orderly
// consumption in a clustering group, where another member might otherwise consume the same
// queue during a rebalance.
func (c *PushConsumer) needLock() bool { return c.orderly && c.cfg.Model == Clustering }

// Start connects, takes the group's share of queues and begins pulling. Calling it on a
// running consumer does nothing; a consumer that was shut down does not start again.
func (c *PushConsumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case running:
		return nil
	case shutDown:
		return ErrShutdown
	}
	if c.listener == nil {
		return ErrNoListener
	}

	subs := make(map[string]*subscription, len(c.exprs)+1)
	for topic, expr := range c.exprs {
		subs[topic] = newSubscription(topic, expr)
	}
	if c.cfg.Model == Clustering {
		// Messages sent back for a retry land in the group's retry topic.
		retry := message.RetryTopic(c.cfg.Group)
		subs[retry] = newSubscription(retry, message.SubscribeAll)
	}
	stats := make(map[string]*topicStats, len(subs))
	for topic := range subs {
		stats[topic] = &topicStats{prevAt: time.Now()}
	}

	cl := client.New(c.cfg.Client)
	var offsets OffsetStore
	if c.cfg.Model == Clustering {
		offsets = NewRemoteOffsetStore(cl, c.cfg.Group)
	} else {
		dir := c.cfg.OffsetDir
		if dir == "" {
			ip, inst := c.cfg.Client.ClientIP, c.cfg.Client.InstanceName
			if ip == "" {
				ip = client.LocalIP()
			}
			if inst == "" {
				inst = "DEFAULT"
			}
			dir = DefaultOffsetDir(ip, inst)
		}
		local, err := NewLocalOffsetStore(dir, c.cfg.Group)
		if err != nil {
			cl.Shutdown()
			return err
		}
		offsets = local
	}
	work, err := newWorkQueue(c.cfg.ThreadCount, c.runTask, c.log)
	if err != nil {
		cl.Shutdown()
		return err
	}
	// ConsumerData reads these from heartbeats, which may start as soon as we register.
	c.subs, c.topics, c.stats = subs, slices.Sorted(maps.Keys(subs)), stats
	if err := cl.RegisterConsumer(c.cfg.Group, c); err != nil {
		work.close(0)
		cl.Shutdown()
		return err
	}
	if err := cl.Start(); err != nil {
		work.close(0)
		cl.Shutdown()
		return err
	}
	c.client, c.offsets, c.work = cl, offsets, work
	if c.cfg.Trace {
		// Tracing is best effort: a consumer whose tracer cannot start still consumes.
		if c.tracer, err = producer.NewTraceDispatcher(c.cfg.Group, "CONSUME", c.cfg.Client, c.log); err != nil {
			c.log.Warn("message trace not started", "err", err)
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.startedAt = time.Now()
	c.state = running
	c.started.Store(true)

	// The first rebalance runs here so that Start returns owning its queues; failures in it
	// are retried by the loop, like any rebalance's.
	c.rebalance(c.ctx)
	c.loops.Add(2)
	go c.rebalanceLoop()
	go c.persistLoop()
	if c.needLock() {
		c.loops.Add(1)
		go c.lockLoop()
	}
	c.log.Info("push consumer started", "client", cl.ID(), "model", c.cfg.Model, "orderly", c.orderly, "topics", c.topics)
	return nil
}

// ConsumerData is this consumer's part of the client's heartbeats.
func (c *PushConsumer) ConsumerData() client.ConsumerData {
	subs := make([]client.SubscriptionData, 0, len(c.topics))
	for _, t := range c.topics {
		subs = append(subs, c.subs[t].data)
	}
	return client.ConsumerData{
		GroupName:           c.cfg.Group,
		ConsumeType:         "CONSUME_PASSIVELY",
		MessageModel:        c.cfg.Model.String(),
		ConsumeFromWhere:    c.cfg.FromWhere.String(),
		SubscriptionDataSet: subs,
	}
}

// MembershipChanged asks for a rebalance now; it never blocks.
func (c *PushConsumer) MembershipChanged() {
	select {
	case c.rebalanceNow <- struct{}{}:
	default:
	}
}

// Shutdown stops pulling, waits up to ShutdownTimeout for running listener calls, persists
// the offsets, releases orderly queue locks and leaves the group. Messages pulled but not
// consumed are not committed, so they are delivered again later. Shutdown is idempotent.
func (c *PushConsumer) Shutdown() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != running {
		c.state = shutDown
		return nil
	}
	c.state = shutDown
	c.closing.Store(true)
	c.cancel()
	c.loops.Wait()
	c.stopTimers()
	if !c.work.close(c.cfg.ShutdownTimeout) {
		c.log.Warn("listener calls still running after the shutdown timeout; their results will not be committed",
			"timeout", c.cfg.ShutdownTimeout)
	}

	c.tableMu.Lock()
	c.qmu.Lock()
	tasks := slices.Collect(maps.Values(c.queues))
	clear(c.queues)
	c.qmu.Unlock()
	mqs := make([]route.MessageQueue, 0, len(tasks))
	for _, t := range tasks {
		t.drop()
		mqs = append(mqs, t.mq)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.client.RequestTimeout())
	err := c.offsets.Persist(ctx, mqs)
	if err != nil {
		c.log.Warn("persisting offsets at shutdown", "err", err)
	}
	if c.needLock() {
		c.unlockAll(ctx, tasks)
	}
	cancel()
	c.tableMu.Unlock()

	c.client.Shutdown()
	if c.tracer != nil {
		c.tracer.Shutdown() // after the listener calls, which record their ends
	}
	c.log.Info("push consumer shut down")
	return err
}

// later runs f after d unless the consumer shuts down first.
func (c *PushConsumer) later(d time.Duration, f func()) {
	c.timersMu.Lock()
	defer c.timersMu.Unlock()
	if c.closing.Load() {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		c.timersMu.Lock()
		_, live := c.timers[t]
		delete(c.timers, t)
		c.timersMu.Unlock()
		if live && !c.closing.Load() {
			f()
		}
	})
	c.timers[t] = struct{}{}
}

func (c *PushConsumer) stopTimers() {
	c.timersMu.Lock()
	defer c.timersMu.Unlock()
	for t := range c.timers {
		t.Stop()
	}
	clear(c.timers)
}

// persistLoop writes the owned queues' offsets every PersistInterval.
func (c *PushConsumer) persistLoop() {
	defer c.loops.Done()
	tick := time.NewTicker(c.cfg.PersistInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case now := <-tick.C:
			if err := c.offsets.Persist(c.ctx, c.ownedQueues()); err != nil && c.ctx.Err() == nil {
				c.log.Warn("persisting offsets", "err", err)
			}
			for _, s := range c.stats {
				s.tick(now)
			}
		}
	}
}

// ownedQueues lists the queues this consumer pulls now. Only those are persisted: a queue
// given up is persisted once, when it goes, and never again over its new owner's progress.
func (c *PushConsumer) ownedQueues() []route.MessageQueue {
	c.qmu.RLock()
	defer c.qmu.RUnlock()
	return slices.Collect(maps.Keys(c.queues))
}

func (c *PushConsumer) task(mq route.MessageQueue) *queueTask {
	c.qmu.RLock()
	defer c.qmu.RUnlock()
	return c.queues[mq]
}

// commit records offset as the queue's progress unless the queue has been given up.
func (c *PushConsumer) commit(t *queueTask, offset int64) {
	if offset < 0 {
		return
	}
	t.commitMu.Lock()
	defer t.commitMu.Unlock()
	if !t.pq.Dropped() {
		c.offsets.Update(t.mq, offset, true)
	}
}
