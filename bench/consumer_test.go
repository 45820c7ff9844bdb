package bench

// Consume throughput of core/consumer's push consumer: messages stored in the dev broker
// beforehand are pulled and handed to a listener that only counts them, one message per
// call as through the C API. The allocs/msg figure includes the in-process dev broker's
// work for the pulls (BenchmarkDevBrokerPull* shows that part alone).

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

func BenchmarkPushConsume100B(b *testing.B) { benchPushConsume(b, 100) }
func BenchmarkPushConsume1KiB(b *testing.B) { benchPushConsume(b, 1024) }

func benchPushConsume(b *testing.B, size int) {
	br, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0",
		MaxStoreBytes: 16 << 30}) // every message stays, however large b.N gets
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	if err := br.CreateTopic(benchTopic, benchQueues); err != nil {
		b.Fatal(err)
	}
	perQueueBatches := int64((b.N + benchQueues*batchLen - 1) / (benchQueues * batchLen))
	total := perQueueBatches * benchQueues * batchLen
	prefill(b, br, newClients(b, benchQueues), batchBody(size), perQueueBatches)

	cfg := consumer.DefaultPushConfig("BenchPushConsumer")
	cfg.Client = client.Config{NameServerAddrs: []string{br.NameServerAddr()}}
	c, err := consumer.NewPush(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var consumed atomic.Int64
	done := make(chan struct{})
	if err := c.Subscribe(benchTopic, "*"); err != nil {
		b.Fatal(err)
	}
	if err := c.RegisterListener(func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		if consumed.Add(int64(len(msgs))) == total {
			close(done)
		}
		return consumer.ConsumeSuccess
	}); err != nil {
		b.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	if err := c.Start(); err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("consumed %d of %d", consumed.Load(), total)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if err := c.Shutdown(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(total), "allocs/msg")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(total), "B/msg")
}
