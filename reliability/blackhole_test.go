package reliability_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// TestStalledConnection: the connection to the broker is blackholed (everything sent is
// swallowed, nothing answered, nothing closed), as with a hung broker or a network that
// drops packets silently. Tolerated: the stall. Proven: a sync send fails by its timeout,
// an async send gets its error callback by its timeout, producer and consumer shut down
// within a bound, no goroutine of theirs is left blocked, and what was acknowledged before
// the stall was consumed.
func TestStalledConnection(t *testing.T) {
	const topic = "Stall"
	proxy := reserveProxy(t)
	b := startBroker(t, func(c *devbroker.Config) { c.BrokerAdvertiseAddr = proxy.Addr() })
	proxy.SetTarget(b.BrokerListenAddr())
	require.NoError(t, b.CreateTopic(topic, 2))
	ns := b.NameServerAddr()
	base := runtime.NumGoroutine()

	// requestTimeout bounds housekeeping calls: heartbeats, offset commits, unregistering.
	const requestTimeout = time.Second
	cc, pc := clientConfig(ns, "c", time.Second), clientConfig(ns, "p", time.Second)
	cc.RequestTimeout, pc.RequestTimeout = requestTimeout, requestTimeout
	l := newLedger()
	c := startConsumer(t, consumer.PushConfig{Group: "StallGroup", Client: cc, ShutdownTimeout: 5 * time.Second}, topic, l)
	const sendTimeout = time.Second
	p := startProducer(t, producer.Config{Group: "StallProducers", Client: pc, SendTimeout: sendTimeout})
	ld := startLoad(l, topic, []*producer.Producer{p}, nil)
	ackedMore(t, l, 100)
	ld.end()
	l.waitConsumed(t)

	proxy.Blackhole()
	// Bound: the timeout plus what a loaded machine may add; the send never waits for the
	// stalled broker beyond its own deadline.
	const bound = sendTimeout + 2*time.Second
	t0 := time.Now()
	_, err := p.SendSync(context.Background(), &message.Message{Topic: topic, Body: []byte("stalled sync")})
	syncTook := time.Since(t0)
	require.Error(t, err)
	assert.Less(t, syncTook, bound, "sync send failed by its timeout")

	t0 = time.Now()
	done := make(chan error, 1)
	require.NoError(t, p.SendAsync(context.Background(), &message.Message{Topic: topic, Body: []byte("stalled async")},
		func(_ *producer.SendResult, err error) { done <- err }))
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(wait):
		t.Fatal("the async send's callback never came")
	}
	asyncTook := time.Since(t0)
	assert.Less(t, asyncTook, bound, "async send failed by its timeout")

	t0 = time.Now()
	require.NoError(t, shutdown(t, "producer", p.Shutdown), "nothing left running")
	producerTook := time.Since(t0)
	// Unregistering from the stalled broker takes one request timeout.
	assert.Less(t, producerTook, requestTimeout+2*time.Second)
	t0 = time.Now()
	err = shutdown(t, "consumer", c.Shutdown)
	consumerTook := time.Since(t0)
	assert.Error(t, err, "the offsets could not be committed to the stalled broker")
	// Offset commits get two request timeouts, unregistering one; no listener was running.
	assert.Less(t, consumerTook, 3*requestTimeout+2*time.Second)

	// What the clients left behind (pending calls, timers, pull loops) is gone; their
	// stalled connections were closed by them, which also ends the proxy's goroutines.
	waitFor(t, fmt.Sprintf("the goroutine count to fall back to %d", base), func() bool {
		return runtime.NumGoroutine() <= base
	})
	l.report(t, "stalled connection", fmt.Sprintf("syncSendFailedAfter=%v asyncSendFailedAfter=%v producerShutdown=%v consumerShutdown=%v",
		syncTook.Round(time.Millisecond), asyncTook.Round(time.Millisecond), producerTook.Round(time.Millisecond), consumerTook.Round(time.Millisecond)))
}

// shutdown runs a Shutdown that must return within wait and returns what it reported.
func shutdown(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		t.Fatalf("%s shutdown hung", what)
		return nil
	}
}
