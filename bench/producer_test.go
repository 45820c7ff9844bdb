package bench

// Producer benchmarks: core/producer against an in-process dev broker over loopback, and
// against a canned-answer peer that allocates nothing, which isolates the producer's own
// allocations (the dev broker's are counted in allocs/op too, since it runs in-process).

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/devbroker"
	"github.com/rocketmq-go/librocketmq/internal/cannedbroker"
)

const producerTopic = "ProducerBench"

func BenchmarkProducerSync100B(b *testing.B)         { benchSync(b, devBrokerNS(b), 100) }
func BenchmarkProducerSync1KiB(b *testing.B)         { benchSync(b, devBrokerNS(b), 1024) }
func BenchmarkProducerSyncParallel100B(b *testing.B) { benchSyncParallel(b, devBrokerNS(b), 100) }
func BenchmarkProducerSyncParallel1KiB(b *testing.B) { benchSyncParallel(b, devBrokerNS(b), 1024) }
func BenchmarkProducerAsync100B(b *testing.B)        { benchAsync(b, devBrokerNS(b), 100) }
func BenchmarkProducerAsync1KiB(b *testing.B)        { benchAsync(b, devBrokerNS(b), 1024) }

// The same workloads against the canned-answer peer: allocs/op is the client's alone.
func BenchmarkProducerSyncCanned100B(b *testing.B)  { benchSync(b, cannedNS(b), 100) }
func BenchmarkProducerSyncCanned1KiB(b *testing.B)  { benchSync(b, cannedNS(b), 1024) }
func BenchmarkProducerAsyncCanned100B(b *testing.B) { benchAsync(b, cannedNS(b), 100) }

// devBrokerNS starts a dev broker with the benchmark topic and returns its name server.
func devBrokerNS(b *testing.B) string {
	b.Helper()
	br, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	if err := br.CreateTopic(producerTopic, 8); err != nil {
		b.Fatal(err)
	}
	return br.NameServerAddr()
}

func newBenchProducer(b *testing.B, nameServer string) *producer.Producer {
	b.Helper()
	p, err := producer.New(producer.Config{Group: "BenchProducer",
		Client: client.Config{NameServerAddrs: []string{nameServer}, InstanceName: "bench-" + strconv.Itoa(b.N)}})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown() })
	// Route, connection and heartbeat happen outside the timed part.
	if _, err := p.SendSync(context.Background(), benchMessage(100)); err != nil {
		b.Fatal(err)
	}
	return p
}

// benchMessage is what a typical producer sends: body, TAGS, KEYS, WAIT.
func benchMessage(size int) *message.Message {
	m := &message.Message{Topic: producerTopic, Body: bytes.Repeat([]byte{'x'}, size)}
	m.SetProperty(message.PropertyWaitStoreMsgOK, "true")
	m.SetTags("TagA")
	m.SetKeys("order-1")
	return m
}

func reportRate(b *testing.B, n int, elapsed time.Duration) {
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
}

func benchSync(b *testing.B, nameServer string, size int) {
	p := newBenchProducer(b, nameServer)
	msg := benchMessage(size)
	lat := make([]time.Duration, b.N)
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := p.SendSync(ctx, msg); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportRate(b, b.N, elapsed)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// benchSyncParallel runs 16 sending goroutines, whatever GOMAXPROCS is.
func benchSyncParallel(b *testing.B, nameServer string, size int) {
	p := newBenchProducer(b, nameServer)
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((16 + procs - 1) / procs)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		msg := benchMessage(size)
		ctx := context.Background()
		for pb.Next() {
			if _, err := p.SendSync(ctx, msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, b.N, time.Since(start))
}

// benchAsync keeps up to 1024 sends in flight.
func benchAsync(b *testing.B, nameServer string, size int) {
	p := newBenchProducer(b, nameServer)
	msg := benchMessage(size)
	ctx := context.Background()
	window := make(chan struct{}, 1024)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	cb := func(_ *producer.SendResult, err error) {
		if err != nil {
			e := err // only failures escape to the heap
			failed.CompareAndSwap(nil, &e)
		}
		<-window
		wg.Done()
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		window <- struct{}{}
		wg.Add(1)
		if err := p.SendAsync(ctx, msg, cb); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	reportRate(b, b.N, elapsed)
}

// cannedNS starts a dev name server and registers with it, for the benchmark topic, a
// canned broker: one that answers every request with one prepared SUCCESS frame and
// allocates nothing. It returns the name server's address.
func cannedNS(b *testing.B) string {
	b.Helper()
	br, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	cb, err := cannedbroker.Start(br.NameServerAddr(), producerTopic, 8)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cb.Close)
	return br.NameServerAddr()
}
