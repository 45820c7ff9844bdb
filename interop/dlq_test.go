package interop

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// TestMaxReconsumeTimesEndsInDLQ: a consumer with WithMaxReconsumeTimes(2) that always
// answers ConsumeRetryLater gets each message three times — reconsume times 0, 1 and 2,
// the retries after delay levels 3 and 4 (3 + reconsume times, the broker's choice for the
// client's level 0) — and then its third CONSUMER_SEND_MSG_BACK puts the message in
// %DLQ%<group>, which Apache's pull consumer reads back with reconsume times 3 and the
// original topic in RETRY_TOPIC.
func TestMaxReconsumeTimesEndsInDLQ(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	group := e.consumerGroup()
	dlq := "%DLQ%" + group
	p := e.newProducer()

	var (
		mu   sync.Mutex
		seen = map[string][]int32{} // id → reconsume times of each delivery
	)
	fail := func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			id := m.GetProperty(idProp)
			seen[id] = append(seen[id], m.ReconsumeTimes)
		}
		return consumer.ConsumeRetryLater, nil
	}
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, fail,
		consumer.WithMaxReconsumeTimes(2), consumer.WithConsumeMessageBatchMaxSize(1))

	want := ids("dead", 0, 2)
	sent := sendSync(t, p, topic, want, 1)

	// The dead-letter topic appears once the first message lands in it.
	waitFor(t, 10*time.Second+2*(e.delay(3)+e.delay(4)), func() bool {
		_, err := e.route(dlq)
		if err != nil {
			return false
		}
		n, err := e.maxOffset(e.brokerAddrOf(topic), dlq, 0)
		return err == nil && n == int64(len(want))
	}, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%s never held both messages; deliveries (reconsume times) so far: %v", dlq, seen)
	})
	r, err := e.route(dlq)
	require.NoError(t, err)
	require.Len(t, r.QueueDatas, 1)
	require.Equal(t, 1, r.QueueDatas[0].ReadQueueNums, "the DLQ has one queue")

	mu.Lock()
	for _, id := range want {
		require.Equal(t, []int32{0, 1, 2}, seen[id], "%s: deliveries before the DLQ", id)
	}
	mu.Unlock()

	pc, err := rocketmq.NewPullConsumer(
		consumer.WithNameServer([]string{e.nsAddr}),
		consumer.WithGroupName(e.name("dlqreader")),
		consumer.WithInstance(e.instance("dlq")),
	)
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(dlq, consumer.MessageSelector{}))
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := pc.PullFrom(ctx, &primitive.MessageQueue{Topic: dlq, BrokerName: r.QueueDatas[0].BrokerName, QueueId: 0}, 0, 32)
	require.NoError(t, err)
	require.Equal(t, primitive.PullFound, res.Status, "pull %s: %s", dlq, res)
	got := map[string]*primitive.MessageExt{}
	for _, m := range res.GetMessageExts() {
		got[m.GetProperty(idProp)] = m
	}
	require.Len(t, got, len(want))
	for _, id := range want {
		m := got[id]
		require.NotNil(t, m, "%s not in %s", id, dlq)
		require.Equal(t, dlq, m.Topic)
		require.Equal(t, int32(3), m.ReconsumeTimes, "%s: reconsume times in the DLQ", id)
		require.Equal(t, topic, m.GetProperty(primitive.PropertyRetryTopic), "%s: original topic", id)
		require.Equal(t, sent[id].MsgID, m.MsgId, "%s: the client's message id stays", id)
		require.Equal(t, sent[id].OffsetMsgID, m.GetProperty("ORIGIN_MESSAGE_ID"), "%s: the first stored copy", id)
		require.Equal(t, "body of "+id, string(m.Body))
	}
}
