package reliability_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestBrokerBusy: the broker refuses every third send with SYSTEM_BUSY (its answer when its
// page cache or send queue is congested) and every fifth pull with SYSTEM_BUSY or
// FLOW_CONTROL. Tolerated: the refusals. Proven: producers back off and retry until stored
// (no send fails), consumers pause and pull again, and everything acknowledged is consumed.
func TestBrokerBusy(t *testing.T) {
	const topic = "Busy"
	b := startBroker(t, nil)
	ns := b.NameServerAddr()
	var sends, busySends, pulls, busyPulls atomic.Int64
	b.SetHook(remoting.SendMessageV2, func(*remoting.Command) (*remoting.Command, bool) {
		if sends.Add(1)%3 == 0 {
			busySends.Add(1)
			return remoting.NewResponse(remoting.SystemBusy, "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while"), true
		}
		return nil, false
	})
	b.SetHook(remoting.PullMessage, func(*remoting.Command) (*remoting.Command, bool) {
		switch n := pulls.Add(1); {
		case n%10 == 0:
			busyPulls.Add(1)
			return remoting.NewResponse(remoting.FlowControl, "flow control"), true
		case n%5 == 0:
			busyPulls.Add(1)
			return remoting.NewResponse(remoting.SystemBusy, "[REJECTREQUEST]system busy, start flow control for a while"), true
		}
		return nil, false
	})
	if err := b.CreateTopic(topic, 4); err != nil {
		t.Fatal(err)
	}

	l := newLedger()
	var cs []*consumer.PushConsumer
	for i := range 2 {
		cs = append(cs, startConsumer(t, consumer.PushConfig{Group: "BusyGroup", Client: clientConfig(ns, fmt.Sprint("c", i), time.Second)}, topic, l))
	}
	waitBalanced(t, topic, 4, cs...)
	var producers []*producer.Producer
	for i := range 2 {
		producers = append(producers, startProducer(t, producer.Config{Group: "BusyProducers", Client: clientConfig(ns, fmt.Sprint("p", i), time.Second)}))
	}
	start := time.Now()
	ld := startLoad(l, topic, producers, nil)
	ackedMore(t, l, 300)
	ld.end()
	l.waitConsumed(t)
	assert.Zero(t, l.failed.Load(), "every send stored despite the refusals")
	assert.Positive(t, busySends.Load())
	assert.Positive(t, busyPulls.Load())
	l.report(t, "broker busy", fmt.Sprintf("busySendAnswers=%d sendRequests=%d busyPullAnswers=%d elapsed=%v",
		busySends.Load(), sends.Load(), busyPulls.Load(), time.Since(start).Round(time.Millisecond)))
}
