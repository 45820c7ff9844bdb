package trace

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// Defaults of DispatcherConfig.
const (
	DefaultQueueSize     = 2048
	DefaultFlushInterval = 100 * time.Millisecond
	DefaultSendTimeout   = 3 * time.Second
	DefaultFlushTimeout  = 3 * time.Second
)

// Sender sends one trace message, synchronously. It is called from the dispatcher's one
// goroutine only.
type Sender func(ctx context.Context, msg *message.Message) error

// DispatcherConfig configures a Dispatcher. Zero values take the defaults.
type DispatcherConfig struct {
	// Topic receives the trace messages (default Topic).
	Topic string
	// Send sends a trace message; required.
	Send Sender
	// Close, when set, runs once at the end of Shutdown, after the last send (it shuts
	// the internal producer down, say).
	Close func()
	// QueueSize bounds the contexts waiting to be sent (default 2048); more are dropped.
	QueueSize int
	// FlushInterval is the longest a context waits for its batch to fill (default 100ms).
	FlushInterval time.Duration
	// SendTimeout bounds one send (default 3s).
	SendTimeout time.Duration
	// FlushTimeout bounds what Shutdown spends sending what is left (default 3s).
	FlushTimeout time.Duration
	Logger       *slog.Logger // default: discard
}

// Dispatcher batches trace contexts and sends them on a goroutine of its own. Append
// never blocks; Shutdown sends what is queued, within FlushTimeout, and stops the
// goroutine.
type Dispatcher struct {
	cfg   DispatcherConfig
	queue chan *Context
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	closed  atomic.Bool
	dropped atomic.Uint64
	sent    atomic.Uint64 // contexts in trace messages the broker took
	failed  atomic.Uint64 // contexts in trace messages that could not be sent
}

// NewDispatcher starts a dispatcher.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	if cfg.Topic == "" {
		cfg.Topic = Topic
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.FlushTimeout <= 0 {
		cfg.FlushTimeout = DefaultFlushTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{
		cfg:   cfg,
		queue: make(chan *Context, cfg.QueueSize),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go d.run()
	return d
}

// Append queues c for sending, unless the queue is full or the dispatcher shut down; it
// reports whether c was queued. c must not be modified afterwards.
func (d *Dispatcher) Append(c *Context) bool {
	if c == nil || len(c.Beans) == 0 {
		return false
	}
	if !d.closed.Load() {
		select {
		case d.queue <- c:
			return true
		default:
		}
	}
	if n := d.dropped.Add(1); n == 1 || n%1000 == 0 {
		d.cfg.Logger.Warn("trace context dropped: queue full or dispatcher shut down", "dropped", n)
	}
	return false
}

// Dropped is the number of contexts Append refused.
func (d *Dispatcher) Dropped() uint64 { return d.dropped.Load() }

// Sent is the number of contexts in trace messages that were sent.
func (d *Dispatcher) Sent() uint64 { return d.sent.Load() }

// Failed is the number of contexts in trace messages that could not be sent.
func (d *Dispatcher) Failed() uint64 { return d.failed.Load() }

// Shutdown stops accepting contexts, sends those queued within FlushTimeout (dropping the
// rest), stops the dispatcher's goroutine and runs Close. It is idempotent and returns
// when all of that is done: within SendTimeout (a send already under way) plus
// FlushTimeout, plus what Close takes.
func (d *Dispatcher) Shutdown() {
	d.once.Do(func() {
		d.closed.Store(true)
		close(d.stop)
		<-d.done
		if d.cfg.Close != nil {
			d.cfg.Close()
		}
	})
}

// batch is the trace message being filled.
type batch struct {
	body []byte
	keys []string
	seen map[string]struct{}
	n    int
}

func (b *batch) add(c *Context) {
	b.body = Append(b.body, c)
	if b.seen == nil {
		b.seen = make(map[string]struct{})
	}
	for _, k := range c.Keys() {
		if _, ok := b.seen[k]; !ok {
			b.seen[k] = struct{}{}
			b.keys = append(b.keys, k)
		}
	}
	b.n++
}

func (b *batch) full() bool { return b.n >= MaxBatchContexts || len(b.body) >= MaxBatchBytes }

func (d *Dispatcher) run() {
	defer close(d.done)
	var b batch
	ticker := time.NewTicker(d.cfg.FlushInterval)
	defer ticker.Stop()
	for {
		select {
		case c := <-d.queue:
			b.add(c)
			if b.full() {
				d.flush(context.Background(), &b)
			}
		case <-ticker.C:
			d.flush(context.Background(), &b)
		case <-d.stop:
			ctx, cancel := context.WithTimeout(context.Background(), d.cfg.FlushTimeout)
			d.drain(ctx, &b)
			cancel()
			return
		}
	}
}

// drain sends what is queued until ctx ends; what is left then is counted as dropped.
func (d *Dispatcher) drain(ctx context.Context, b *batch) {
	for {
		select {
		case c := <-d.queue:
			if ctx.Err() != nil {
				d.dropped.Add(1)
				continue
			}
			b.add(c)
			if b.full() {
				d.flush(ctx, b)
			}
		default:
			d.flush(ctx, b)
			return
		}
	}
}

func (d *Dispatcher) flush(ctx context.Context, b *batch) {
	if b.n == 0 {
		return
	}
	n := b.n
	msg := &message.Message{Topic: d.cfg.Topic, Body: b.body}
	if len(b.keys) > 0 {
		msg.SetProperty(message.PropertyKeys, strings.Join(b.keys, message.KeySeparator))
	}
	*b = batch{}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	err := d.send(ctx, msg)
	cancel()
	if err != nil {
		d.failed.Add(uint64(n))
		d.cfg.Logger.Warn("sending trace message failed", "contexts", n, "err", err)
		return
	}
	d.sent.Add(uint64(n))
}

// send calls the Sender, turning a panic into an error: tracing must not take the
// process down.
func (d *Dispatcher) send(ctx context.Context, msg *message.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanic{r}
		}
	}()
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.cfg.Send(ctx, msg)
}

type errPanic struct{ v any }

func (e errPanic) Error() string { return "trace: sender panicked" }
