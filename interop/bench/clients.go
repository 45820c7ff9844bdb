package main

import (
	"context"
	"fmt"
	"os"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	aproducer "github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"

	coreclient "github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
)

// Every client sends the same message: the body, tag "TagA" and key "order-1", as the C
// program does, with each library's defaults otherwise (retries, timeouts, queue choice).
const (
	benchTag = "TagA"
	benchKey = "order-1"
)

// apacheClient is rocketmq-client-go v2.1.2.
type apacheClient struct {
	p     rocketmq.Producer
	topic string
	body  []byte
}

func newApache(namesrv, topic, instance string, body []byte) (client, error) {
	// Its default level logs at info on every heartbeat; the interop tests keep it at
	// error too. The C library logs at ERROR in the C program, and the Go core discards.
	if os.Getenv("ROCKETMQ_GO_LOG_LEVEL") == "" {
		rlog.SetLogLevel("error")
	}
	p, err := rocketmq.NewProducer(
		aproducer.WithNameServer([]string{namesrv}),
		aproducer.WithGroupName("BenchApache_"+instance),
		aproducer.WithInstanceName(instance),
	)
	if err != nil {
		return nil, fmt.Errorf("apache NewProducer: %w", err)
	}
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("apache producer Start: %w", err)
	}
	return &apacheClient{p: p, topic: topic, body: body}, nil
}

// msg builds a message per send because Apache's client writes the message's UNIQ_KEY
// into it and keeps an id it finds there: a reused message would send every copy under
// one id, and an async send would race with the answer of the previous one.
func (a *apacheClient) msg() *primitive.Message {
	return primitive.NewMessage(a.topic, a.body).WithTag(benchTag).WithKeys([]string{benchKey})
}

func (a *apacheClient) syncSender() func() error {
	ctx := context.Background()
	return func() error {
		r, err := a.p.SendSync(ctx, a.msg())
		if err != nil {
			return err
		}
		if r.Status != primitive.SendOK {
			return fmt.Errorf("send status %d: %v", r.Status, r)
		}
		return nil
	}
}

func (a *apacheClient) asyncSender(done func(error)) func() error {
	ctx := context.Background()
	cb := func(_ context.Context, r *primitive.SendResult, err error) {
		if err == nil && r.Status != primitive.SendOK {
			err = fmt.Errorf("send status %d: %v", r.Status, r)
		}
		done(err)
	}
	return func() error { return a.p.SendAsync(ctx, cb, a.msg()) }
}

func (a *apacheClient) close() { _ = a.p.Shutdown() }

// coreClient is our Go core, the producer under the C API.
type coreClient struct {
	p   *producer.Producer
	msg *message.Message
}

func newCore(namesrv, topic, instance string, body []byte) (client, error) {
	p, err := producer.New(producer.Config{
		Group:  "BenchCore_" + instance,
		Client: coreclient.Config{NameServerAddrs: []string{namesrv}, InstanceName: instance},
	})
	if err != nil {
		return nil, fmt.Errorf("core producer.New: %w", err)
	}
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("core producer Start: %w", err)
	}
	m := &message.Message{Topic: topic, Body: body}
	m.SetTags(benchTag)
	m.SetKeys(benchKey)
	return &coreClient{p: p, msg: m}, nil
}

// The core never writes to the message it is given (ids and other per-send properties
// are encoded beside it), so one message serves every send, concurrent ones included, as
// the C API's copy of a CMessage does.
func (c *coreClient) syncSender() func() error {
	ctx := context.Background()
	return func() error {
		r, err := c.p.SendSync(ctx, c.msg)
		if err != nil {
			return err
		}
		if r.Status != producer.SendOK {
			return fmt.Errorf("send status %v: %v", r.Status, r)
		}
		return nil
	}
}

func (c *coreClient) asyncSender(done func(error)) func() error {
	ctx := context.Background()
	cb := func(r *producer.SendResult, err error) {
		if err == nil && r.Status != producer.SendOK {
			err = fmt.Errorf("send status %v: %v", r.Status, r)
		}
		done(err)
	}
	return func() error { return c.p.SendAsync(ctx, c.msg, cb) }
}

func (c *coreClient) close() {
	done := make(chan struct{})
	go func() { _ = c.p.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		fmt.Fprintln(os.Stderr, "bench core: Shutdown took over 10 s")
	}
}
