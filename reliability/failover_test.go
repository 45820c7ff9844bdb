package reliability_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// TestOneOfTwoBrokersDown: broker-b becomes unreachable for clients (connections reset,
// new ones refused) while the name server still lists it, as it does for up to two minutes
// after a real broker dies. Tolerated: the outage itself. Proven: every send during it
// succeeds on broker-a within the send timeout (fault avoidance), the consumers keep
// consuming broker-a's queues meanwhile, and once broker-b is back everything acknowledged
// on either broker is consumed.
// outageSpan is how long a broker stays unreachable.
const outageSpan = 4 * time.Second

func TestOneOfTwoBrokersDown(t *testing.T) {
	const topic = "Failover"
	a := startBroker(t, nil)
	proxyB := reserveProxy(t)
	b := startBroker(t, func(c *devbroker.Config) {
		c.BrokerName = "broker-b"
		c.RegisterTo = []string{a.NameServerAddr()}
		c.BrokerAdvertiseAddr = proxyB.Addr()
	})
	proxyB.SetTarget(b.BrokerListenAddr())
	require.NoError(t, a.CreateTopic(topic, 4))
	require.NoError(t, b.CreateTopic(topic, 4))
	ns := a.NameServerAddr()

	l := newLedger()
	var cs []*consumer.PushConsumer
	for i := range 2 {
		cs = append(cs, startConsumer(t, consumer.PushConfig{Group: "FailoverGroup", Client: clientConfig(ns, fmt.Sprint("c", i), time.Second)}, topic, l))
	}
	waitBalanced(t, topic, 8, cs...)
	const sendTimeout = 3 * time.Second
	var producers []*producer.Producer
	for i := range 2 {
		producers = append(producers, startProducer(t, producer.Config{Group: "FailoverProducers",
			Client: clientConfig(ns, fmt.Sprint("p", i), time.Second), SendTimeout: sendTimeout}))
	}
	var (
		mu        sync.Mutex
		perBroker = map[string]int{}
		down      bool
		downSends int
	)
	ld := startLoad(l, topic, producers, func(res *producer.SendResult, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			perBroker[res.Queue.BrokerName]++
			if down {
				downSends++
			}
		}
	})
	ackedMore(t, l, 200)
	waitFor(t, "both brokers to store messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return perBroker["broker-a"] > 0 && perBroker["broker-b"] > 0
	})

	failedBefore := l.failed.Load()
	mu.Lock()
	down = true
	mu.Unlock()
	proxyB.Drop()
	outage := time.Now()
	consumedAtOutage, ackedAtOutage := l.consumedN.Load(), l.ackedN.Load()
	// The outage spans several route refreshes, heartbeats and pull retries (3 s backoff).
	waitFor(t, "sends and consumption on broker-a during the outage", func() bool {
		return time.Since(outage) >= outageSpan && l.ackedN.Load() >= ackedAtOutage+300 &&
			l.consumedN.Load() >= consumedAtOutage+300
	})
	consumedDuring := l.consumedN.Load() - consumedAtOutage
	assert.Equal(t, failedBefore, l.failed.Load(), "every send during the outage succeeded on broker-a")
	mu.Lock()
	during := downSends
	mu.Unlock()

	proxyB.Heal()
	ackedMore(t, l, 100)
	ld.end()
	l.waitConsumed(t)
	assert.LessOrEqual(t, time.Duration(ld.slowest.Load()), sendTimeout+time.Second, "no send took longer than its timeout")
	mu.Lock()
	a1, b1 := perBroker["broker-a"], perBroker["broker-b"]
	mu.Unlock()
	l.report(t, "one of two brokers down", fmt.Sprintf("outage=%v sentDuringOutage=%d consumedDuringOutage=%d storedOnA=%d storedOnB=%d slowestSend=%v",
		outageSpan, during, consumedDuring, a1, b1, time.Duration(ld.slowest.Load()).Round(time.Millisecond)))
}
