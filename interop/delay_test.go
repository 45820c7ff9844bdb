package interop

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// TestDelayedMessageArrivesAfterItsLevel: a message sent with WithDelayTimeLevel(3) (10 s on
// a real broker, 300 ms on the test's dev broker) reaches the consumer no sooner than that
// after it was sent, in the topic and queue it was sent to and with the id the send
// answered, while a message sent right after it without a delay arrives at once.
func TestDelayedMessageArrivesAfterItsLevel(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	p := e.newProducer()
	const level = 3
	delay := e.delay(level)

	var (
		mu      sync.Mutex
		arrived = map[string]time.Time{}
		got     = map[string]*primitive.MessageExt{}
	)
	e.newPushConsumer(e.name("cg"), topic, consumer.MessageSelector{},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				id := m.GetProperty(idProp)
				if _, dup := arrived[id]; !dup {
					arrived[id], got[id] = now, m
				}
			}
			return consumer.ConsumeSuccess, nil
		})

	send := func(id string, level int) (*primitive.SendResult, time.Time) {
		t.Helper()
		m := newMsg(topic, id)
		if level > 0 {
			m.WithDelayTimeLevel(level)
		}
		at := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := p.SendSync(ctx, m)
		require.NoError(t, err, "send %s", id)
		require.Equal(t, primitive.SendOK, res.Status)
		return res, at
	}
	// Once a first message is through, the consumer is pulling every queue.
	send("warm-up", 0)
	waitFor(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(arrived) == 1
	}, func() string { return "the warm-up message never arrived" })

	late, lateSent := send("late", level)
	now, _ := send("now", 0)

	waitFor(t, 10*time.Second+2*delay, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(arrived) == 3
	}, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("arrived so far: %v", arrived)
	})
	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, arrived["late"].UnixMilli()-lateSent.UnixMilli(), delay.Milliseconds(),
		"the delayed message arrived before its level's delay")
	require.True(t, arrived["now"].Before(arrived["late"]), "the undelayed message, sent later, arrives first")

	m := got["late"]
	require.Equal(t, topic, m.Topic)
	require.Equal(t, late.MessageQueue.QueueId, m.Queue.QueueId, "delivered to the queue it was sent to")
	require.Equal(t, late.MsgID, m.MsgId, "the client's message id")
	require.NotEqual(t, late.OffsetMsgID, m.OffsetMsgId, "the send answered the waiting copy; this is the delivered one")
	require.Equal(t, "body of late", string(m.Body))
	require.GreaterOrEqual(t, m.StoreTimestamp-m.BornTimestamp, delay.Milliseconds(), "stored in its topic after the delay")
	require.Equal(t, now.MsgID, got["now"].MsgId)
}
