//go:build !race

// The race detector allocates on its own, so these guards run only without it (scripts/test.sh
// runs them in a step of their own).

package producer_test

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/internal/cannedbroker"
)

// maxAllocsPerSend is issue #4's target, plus half an allocation for whatever the runtime
// and the producer's background work (heartbeats, route refreshes, pools refilled after a
// GC) add over a run; a new allocation per send still fails.
const maxAllocsPerSend = 2.5

// allocsPerSend counts the allocations of the whole process over n sends, per send.
func allocsPerSend(n int, send func()) float64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		send()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(n)
}

// allocProducer starts a producer whose topic lives on a canned broker: a real loopback
// connection whose far end allocates nothing, so what is counted is the producer's.
func allocProducer(t *testing.T) (*producer.Producer, *message.Message) {
	const topic = "AllocGuard"
	cb, err := cannedbroker.Start(startBroker(t, "broker-a").NameServerAddr(), topic, 4)
	require.NoError(t, err)
	t.Cleanup(cb.Close)
	p := newProducer(t, cb.NameServer(), nil)
	msg := &message.Message{Topic: topic, Body: bytes.Repeat([]byte{'x'}, 100)}
	msg.SetTags("TagA")
	msg.SetKeys("order-1")
	return p, msg
}

func TestAllocsPerSyncSend(t *testing.T) {
	p, msg := allocProducer(t)
	ctx := context.Background()
	send := func() {
		if _, err := p.SendSync(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	allocsPerSend(2000, send) // route, connection, pools
	got := allocsPerSend(5000, send)
	t.Logf("%.2f allocations per sync send", got)
	require.LessOrEqual(t, got, maxAllocsPerSend, "allocations per steady-state sync send")
}

func TestAllocsPerAsyncSend(t *testing.T) {
	p, msg := allocProducer(t)
	ctx := context.Background()
	window := make(chan struct{}, 256)
	var wg sync.WaitGroup
	var failed error
	var once sync.Once
	cb := func(_ *producer.SendResult, err error) {
		if err != nil {
			once.Do(func() { failed = err })
		}
		<-window
		wg.Done()
	}
	send := func() {
		window <- struct{}{}
		wg.Add(1)
		if err := p.SendAsync(ctx, msg, cb); err != nil {
			t.Fatal(err)
		}
	}
	allocsPerSend(4000, send)
	wg.Wait()
	got := allocsPerSend(10000, send)
	wg.Wait()
	require.NoError(t, failed)
	t.Logf("%.2f allocations per async send", got)
	require.LessOrEqual(t, got, maxAllocsPerSend, "allocations per steady-state async send")
}
