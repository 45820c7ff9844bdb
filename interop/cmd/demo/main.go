// Command demo produces n messages with Apache's Go client (rocketmq-client-go v2) and
// consumes them with a push consumer, printing each one. It exits 0 once all n have been
// received and 1 on any error or after the timeout: a quick check that Apache's client
// works against a name server and broker, such as rocketmq-devbroker.
//
//	go run ./cmd/demo -namesrv 127.0.0.1:9876 -n 10
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

func main() {
	namesrv := flag.String("namesrv", "127.0.0.1:9876", "name server address host:port")
	topic := flag.String("topic", "", "topic (default: a fresh DemoTopic_<time>, auto-created by the first send)")
	n := flag.Int("n", 10, "number of messages")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	logLevel := flag.String("loglevel", "error", "Apache client log level (debug, info, warn, error)")
	flag.Parse()
	if os.Getenv("ROCKETMQ_GO_LOG_LEVEL") == "" {
		rlog.SetLogLevel(*logLevel)
	}
	if *topic == "" {
		*topic = fmt.Sprintf("DemoTopic_%d", time.Now().UnixNano())
	}
	if *n <= 0 {
		fail("-n must be positive")
	}
	if err := run(*namesrv, *topic, *n, *timeout); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "demo: FAIL:", msg)
	os.Exit(1)
}

func run(namesrv, topic string, n int, timeout time.Duration) error {
	deadline := time.After(timeout)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	fmt.Printf("demo: name server %s, topic %s, %d messages\n", namesrv, topic, n)

	p, err := rocketmq.NewProducer(
		producer.WithNameServer([]string{namesrv}),
		producer.WithGroupName("demo_producer_"+run),
		producer.WithInstanceName("demo-producer-"+run),
		producer.WithRetry(2),
	)
	if err != nil {
		return fmt.Errorf("new producer: %w", err)
	}
	if err := p.Start(); err != nil {
		return fmt.Errorf("start producer: %w", err)
	}
	defer p.Shutdown()

	// Send first: this creates the topic when it does not exist yet, so the consumer
	// finds a route when it starts.
	want := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", run, i)
		msg := primitive.NewMessage(topic, []byte(fmt.Sprintf("demo message %d of %d", i+1, n)))
		msg.WithKeys([]string{id})
		msg.WithTag("demo")
		msg.WithProperty("demoId", id)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := p.SendSync(ctx, msg)
		cancel()
		if err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		want[id] = true
		fmt.Printf("sent     %s queue=%d offset=%d msgId=%s\n", id, res.MessageQueue.QueueId, res.QueueOffset, res.MsgID)
	}

	var mu sync.Mutex
	got := make(map[string]bool, n)
	all := make(chan struct{})
	c, err := rocketmq.NewPushConsumer(
		consumer.WithNameServer([]string{namesrv}),
		consumer.WithGroupName("demo_consumer_"+run),
		consumer.WithInstance("demo-consumer-"+run),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	)
	if err != nil {
		return fmt.Errorf("new consumer: %w", err)
	}
	err = c.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "demo"},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				id := m.GetProperty("demoId")
				if !want[id] || got[id] {
					continue
				}
				got[id] = true
				fmt.Printf("received %s queue=%d offset=%d msgId=%s body=%q\n", id, m.Queue.QueueId, m.QueueOffset, m.MsgId, m.Body)
				if len(got) == n {
					close(all)
				}
			}
			return consumer.ConsumeSuccess, nil
		})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("start consumer: %w", err)
	}
	defer c.Shutdown()

	select {
	case <-all:
		fmt.Printf("demo: OK: all %d messages received\n", n)
		return nil
	case <-deadline:
		mu.Lock()
		defer mu.Unlock()
		return fmt.Errorf("timed out after %v: received %d of %d messages", timeout, len(got), n)
	}
}
