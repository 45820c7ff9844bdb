package producer_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// callbacks records async outcomes and fails the test on a second callback for one send.
type callbacks struct {
	t    *testing.T
	mu   sync.Mutex
	got  map[int]outcome
	each chan int
}

type outcome struct {
	res *producer.SendResult
	err error
}

func newCallbacks(t *testing.T) *callbacks {
	return &callbacks{t: t, got: map[int]outcome{}, each: make(chan int, 1024)}
}

func (c *callbacks) fn(i int) func(*producer.SendResult, error) {
	return func(res *producer.SendResult, err error) {
		c.mu.Lock()
		_, dup := c.got[i]
		c.got[i] = outcome{res, err}
		c.mu.Unlock()
		if dup {
			c.t.Errorf("second callback for send %d", i)
		}
		c.each <- i
	}
}

// await waits for n callbacks.
func (c *callbacks) await(n int) map[int]outcome {
	for range n {
		recv(c.t, c.each)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]outcome, len(c.got))
	for k, v := range c.got {
		out[k] = v
	}
	return out
}

func TestAsyncStallingBrokerRetriedOnTheOther(t *testing.T) {
	a, b := twoBrokers(t, "T")
	var bad counter
	b.SetHook(remoting.SendMessageV2, stall(&bad))
	p := newProducer(t, a.NameServerAddr(), func(c *producer.Config) { c.SendTimeout = time.Second })
	cbs := newCallbacks(t)
	const n = 10
	for i := range n {
		require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), cbs.fn(i)))
	}
	got := cbs.await(n)
	for i := range n {
		require.NoError(t, got[i].err, "send %d", i)
		assert.Equal(t, "broker-a", got[i].res.Queue.BrokerName)
	}
	// All ten were in flight together, so several met broker-b before it timed out once;
	// from then on it rests.
	before := bad.count()
	assert.Positive(t, before)
	for i := n; i < 2*n; i++ {
		require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), cbs.fn(i)))
	}
	got = cbs.await(n)
	for i := n; i < 2*n; i++ {
		require.NoError(t, got[i].err, "send %d", i)
	}
	assert.Equal(t, before, bad.count(), "broker-b is avoided")
	require.NoError(t, p.Shutdown())
	assert.Len(t, newPuller(t).all(a.BrokerAddr(), "T", 2), 2*n)
}

func TestAsyncTimeoutCallsBackOnceWithTheError(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, stall(&seen))
	const timeout = 600 * time.Millisecond
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.SendTimeout = timeout })
	cbs := newCallbacks(t)
	start := time.Now()
	require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), cbs.fn(0)))
	got := cbs.await(1)[0]
	elapsed := time.Since(start)
	require.Error(t, got.err)
	assert.Nil(t, got.res)
	assert.ErrorIs(t, got.err, producer.ErrSendFailed)
	assert.ErrorIs(t, got.err, remoting.ErrTimeout)
	assert.Less(t, elapsed, timeout+300*time.Millisecond)
	assert.Equal(t, 2, seen.count(), "one retry (RetryTimesAsync 1), same UNIQ_KEY")
	ids := seen.seen()
	assert.Equal(t, ids[0], ids[1])
	require.NoError(t, p.Shutdown())
	assert.Len(t, cbs.await(0), 1)
}

func TestAsyncBrokerErrorNotRetried(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, refuse(&seen, remoting.MessageIllegal))
	p := newProducer(t, b.NameServerAddr(), nil)
	cbs := newCallbacks(t)
	require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), cbs.fn(0)))
	got := cbs.await(1)[0]
	var be *remoting.Error
	require.True(t, errors.As(got.err, &be), "%v", got.err)
	assert.Equal(t, remoting.MessageIllegal, be.Code)
	assert.Equal(t, 1, seen.count())
}

func TestShutdownDeliversPendingCallbacks(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, stall(&seen))
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.SendTimeout = time.Second })
	cbs := newCallbacks(t)
	for i := range 5 {
		require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), cbs.fn(i)))
	}
	start := time.Now()
	require.NoError(t, p.Shutdown())
	assert.Less(t, time.Since(start), time.Second+500*time.Millisecond)
	got := cbs.await(5)
	for i := range 5 {
		assert.Error(t, got[i].err, "send %d", i)
	}
	assert.Equal(t, 5, seen.count(), "no retry once shutting down")
	assert.ErrorIs(t, p.SendAsync(context.Background(), newMessage("T", "m"), cbs.fn(9)), producer.ErrShutdown)
}

func TestImmediateAsyncFailureIsNotOnTheCallersGoroutine(t *testing.T) {
	b := startBroker(t, "broker-a")
	// A broker the name server lists but nobody serves: connecting fails at once.
	registerBroker(t, b.NameServerAddr(), "broker-dead", "127.0.0.1:1", "Dead", 1)
	p := newProducer(t, b.NameServerAddr(), nil)

	returned := make(chan struct{})
	outcomes := make(chan error, 2)
	sent := make(chan error, 1)
	go func() {
		sent <- p.SendAsync(context.Background(), newMessage("Dead", "m"), func(_ *producer.SendResult, err error) {
			<-returned // on the caller's goroutine this would never return
			outcomes <- err
		})
	}()
	require.NoError(t, recv(t, sent), "SendAsync accepted the send")
	close(returned)
	err := recv(t, outcomes)
	assert.ErrorIs(t, err, producer.ErrSendFailed)
	assert.Contains(t, err.Error(), "2 attempt(s)")
	require.NoError(t, p.Shutdown())
	assert.Empty(t, outcomes, "one callback only")
}

func TestAsyncCallbacksUseABoundedPool(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	p := newProducer(t, b.NameServerAddr(), nil)
	// Warm up: connection and route.
	_, err := p.SendSync(context.Background(), newMessage("T", "warm"))
	require.NoError(t, err)
	base := runtime.NumGoroutine()

	block := make(chan struct{})
	entered := make(chan struct{}, 1000)
	var wg sync.WaitGroup
	const n = 300
	wg.Add(n)
	for range n {
		require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), func(_ *producer.SendResult, err error) {
			defer wg.Done()
			assert.NoError(t, err)
			entered <- struct{}{}
			<-block
		}))
	}
	// Some callbacks run (and block); the rest wait in the queue, not on goroutines.
	recv(t, entered)
	grown := runtime.NumGoroutine() - base
	close(block)
	wg.Wait()
	assert.Less(t, grown, 64, "goroutines grew by %d for %d blocked callbacks", grown, n)
}

func TestAsyncNilCallback(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	assert.ErrorIs(t, p.SendAsync(context.Background(), newMessage("T", "m"), nil), producer.ErrNilArgument)
	assert.ErrorIs(t, p.SendOrderlyAsync(context.Background(), newMessage("T", "m"), nil, func(*producer.SendResult, error) {}),
		producer.ErrNilArgument)
	_, err := p.SendOrderly(context.Background(), newMessage("T", "m"), nil, 0)
	assert.ErrorIs(t, err, producer.ErrNilArgument)
	_, err = p.SendTransaction(context.Background(), newMessage("T", "m"), nil)
	assert.ErrorIs(t, err, producer.ErrNilArgument)
}

func TestAsyncCallbackPanicDoesNotBreakThePool(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	for range 50 {
		require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), func(*producer.SendResult, error) { panic("boom") }))
	}
	done := make(chan error, 1)
	require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "m"), func(_ *producer.SendResult, err error) { done <- err }))
	assert.NoError(t, recv(t, done))
	require.NoError(t, p.Shutdown())
}

func TestOrderlyAsyncRetriesOnTheSameQueue(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	var seen counter
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		seen.see(req)
		if seen.count() == 1 {
			return remoting.NewResponse(remoting.SystemError, "once"), true
		}
		return nil, false
	})
	p := newProducer(t, b.NameServerAddr(), nil)
	cbs := newCallbacks(t)
	require.NoError(t, p.SendOrderlyAsync(context.Background(), newMessage("T", "m"),
		func(n int, _ *message.Message) int { return 3 }, cbs.fn(0)))
	got := cbs.await(1)[0]
	require.NoError(t, got.err)
	assert.Equal(t, 3, got.res.Queue.QueueID)
	assert.Equal(t, 2, seen.count())
}
