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

// TestConsumeRetryLaterRedelivers: a push consumer that answers ConsumeRetryLater gets the
// message again. Apache's client sends it back with CONSUMER_SEND_MSG_BACK (36, here with
// delay level 1: 1 s on a real broker, 100 ms on the test's dev broker) and counts ANY
// answer as success — it then moves its offset past the message — so a broker that does
// not store the message in %RETRY%<group> (after the delay) and deliver it from there
// loses it.
func TestConsumeRetryLaterRedelivers(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	p := e.newProducer()
	group := e.consumerGroup()

	var (
		mu         sync.Mutex
		deliveries = map[string][]*primitive.MessageExt{}
	)
	handler := func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		retry := false
		for _, m := range msgs {
			id := m.GetProperty(idProp)
			deliveries[id] = append(deliveries[id], m)
			if len(deliveries[id]) == 1 {
				retry = true
			}
		}
		if retry {
			if cc, ok := primitive.GetConcurrentlyCtx(ctx); ok {
				cc.DelayLevelWhenNextConsume = 1 // 1 s instead of the default 10 s
			}
			return consumer.ConsumeRetryLater, nil
		}
		return consumer.ConsumeSuccess, nil
	}
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, handler, consumer.WithConsumeMessageBatchMaxSize(1))

	want := ids("retry", 0, 3)
	sendSync(t, p, topic, want, 1)
	waitFor(t, 25*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range want {
			if len(deliveries[id]) < 2 {
				return false
			}
		}
		return true
	}, func() string {
		mu.Lock()
		defer mu.Unlock()
		counts := map[string]int{}
		for _, id := range want {
			counts[id] = len(deliveries[id])
		}
		return fmt.Sprintf("messages answered ConsumeRetryLater were not delivered again (deliveries per message %v): "+
			"the consumer sent CONSUMER_SEND_MSG_BACK (36) and moved on; the broker must store the message in %%RETRY%%%s "+
			"after the delay level's time and serve it there", counts, group)
	})
	mu.Lock()
	defer mu.Unlock()
	for _, id := range want {
		first, again := deliveries[id][0], deliveries[id][1]
		require.Equal(t, topic, again.Topic, "%s: redelivery's topic (the client restores it from RETRY_TOPIC)", id)
		require.Equal(t, first.MsgId, again.MsgId, "%s: redelivery keeps the message id (UNIQ_KEY)", id)
		require.Equal(t, string(first.Body), string(again.Body), "%s: body", id)
		require.Equal(t, int32(1), again.ReconsumeTimes, "%s: reconsume times of the redelivery", id)
	}
}
