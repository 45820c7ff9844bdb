// Package bench holds side-by-side benchmarks; this file measures the dev broker's store
// through the wire: batched sends and pulls over loopback with core/remoting.
package bench

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

const (
	benchTopic  = "BenchTopic"
	benchQueues = 8
	batchLen    = 64 // messages per SEND_BATCH_MESSAGE
	senders     = 8  // concurrent connections sending
	pullBatch   = 32 // Java's pullBatchSize and the broker's per-pull cap
)

func BenchmarkDevBrokerStore100B(b *testing.B) { benchStore(b, 100) }
func BenchmarkDevBrokerStore1KiB(b *testing.B) { benchStore(b, 1024) }
func BenchmarkDevBrokerPull100B(b *testing.B)  { benchPull(b, 100) }
func BenchmarkDevBrokerPull1KiB(b *testing.B)  { benchPull(b, 1024) }

func startBroker(b *testing.B) *devbroker.Broker {
	b.Helper()
	br, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	if err := br.CreateTopic(benchTopic, benchQueues); err != nil {
		b.Fatal(err)
	}
	return br
}

// batchBody is one SEND_BATCH_MESSAGE body of batchLen messages as a producer sends them:
// body, TAGS, KEYS and a UNIQ_KEY each.
func batchBody(size int) []byte {
	ids := message.NewUniqIDGenerator(netip.MustParseAddr("127.0.0.1"), 1)
	msgs := make([]*message.Message, batchLen)
	for i := range msgs {
		m := &message.Message{Body: make([]byte, size)}
		m.SetTags("TagA")
		m.SetKeys(fmt.Sprintf("key-%d", i))
		m.SetProperty(message.PropertyUniqClientMessageIDKeyIndex, ids.Next())
		msgs[i] = m
	}
	return message.AppendBatch(nil, msgs)
}

func batchHeader(queueID int) map[string]string {
	return map[string]string{
		"a": "BenchProducer", "b": benchTopic, "c": message.DefaultTopic, "d": "4",
		"e": strconv.Itoa(queueID), "f": "0", "g": strconv.FormatInt(time.Now().UnixMilli(), 10),
		"h": "0", "i": "WAIT\x01true", "j": "0", "k": "false", "m": "true",
	}
}

func newClients(b *testing.B, n int) []*remoting.Client {
	out := make([]*remoting.Client, n)
	for i := range out {
		out[i] = remoting.NewClient(remoting.ClientOptions{})
		b.Cleanup(func() { out[i].Close() })
	}
	return out
}

func sendBatch(c *remoting.Client, addr string, header map[string]string, body []byte) error {
	resp, err := c.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.SendBatchMessage, header, body), 10*time.Second)
	if err != nil {
		return err
	}
	if resp.Code != remoting.Success {
		return resp.AsError()
	}
	return nil
}

// runSenders sends batches total batches from senders connections in parallel.
func runSenders(b *testing.B, br *devbroker.Broker, clients []*remoting.Client, body []byte, batches int64) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for i, c := range clients {
		header := batchHeader(i % benchQueues) // read-only from here on, so shared by requests
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= batches {
				if err := sendBatch(c, br.BrokerAddr(), header, body); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

func benchStore(b *testing.B, size int) {
	br := startBroker(b)
	clients := newClients(b, senders)
	body := batchBody(size)
	runSenders(b, br, clients, body, int64(len(clients))) // dial every connection first

	batches := int64((b.N + batchLen - 1) / batchLen)
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	runSenders(b, br, clients, body, batches)
	elapsed := time.Since(start)
	b.ReportMetric(float64(batches*batchLen)/elapsed.Seconds(), "msgs/s")
}

func benchPull(b *testing.B, size int) {
	br := startBroker(b)
	clients := newClients(b, benchQueues)
	// 8192 messages per queue; pullers wrap around, so b.N may exceed what is stored.
	perQueue := int64(8192)
	prefill(b, br, clients, batchBody(size), perQueue/batchLen)

	var pulled atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchQueues)
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	for q, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offset := int64(0)
			for pulled.Load() < int64(b.N) {
				n, next, err := pull(c, br.BrokerAddr(), q, offset)
				if err != nil {
					errs <- err
					return
				}
				pulled.Add(n)
				offset = next
				if offset >= perQueue {
					offset = 0
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(pulled.Load())/elapsed.Seconds(), "msgs/s")
}

// prefill sends batches batches to each queue, client i to queue i.
func prefill(b *testing.B, br *devbroker.Broker, clients []*remoting.Client, body []byte, batches int64) {
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for q, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			header := batchHeader(q)
			for range batches {
				if err := sendBatch(c, br.BrokerAddr(), header, body); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// pull fetches up to pullBatch messages and reports how many came and where to go next.
func pull(c *remoting.Client, addr string, queueID int, offset int64) (n, next int64, err error) {
	ext := map[string]string{
		"consumerGroup": "BenchConsumer", "topic": benchTopic, "queueId": strconv.Itoa(queueID),
		"queueOffset": strconv.FormatInt(offset, 10), "maxMsgNums": strconv.Itoa(pullBatch),
		"sysFlag": "4", "commitOffset": "0", "suspendTimeoutMillis": "0",
		"subscription": "*", "subVersion": "0", "expressionType": "TAG",
	}
	resp, err := c.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.PullMessage, ext, nil), 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	if resp.Code != remoting.Success {
		return 0, 0, resp.AsError()
	}
	next, err = strconv.ParseInt(resp.Ext("nextBeginOffset"), 10, 64)
	if err != nil {
		return 0, 0, err
	}
	if len(resp.Body) == 0 {
		return 0, 0, fmt.Errorf("pull at %d of queue %d: empty body", offset, queueID)
	}
	return next - offset, next, nil
}
