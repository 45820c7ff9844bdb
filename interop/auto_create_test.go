package interop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// TestProducerAutoCreatesTopic sends to a topic nobody created: the client falls back to
// the TBW102 route, the broker creates the topic on the first send, the name server then
// routes the topic to the broker, and a consumer reads what was sent.
func TestProducerAutoCreatesTopic(t *testing.T) {
	e := newEnv(t)
	topic := e.name("auto")

	_, err := e.route(topic)
	require.Error(t, err, "route of a topic nobody created")
	require.Contains(t, err.Error(), "code 17", "GET_ROUTE_INFO_BY_TOPIC of an unknown topic should answer TOPIC_NOT_EXIST (17)")

	tbw, err := e.route("TBW102")
	require.NoError(t, err, "the client's fallback route TBW102")
	require.NotEmpty(t, tbw.QueueDatas, "TBW102 route has no queue data")
	require.NotEmpty(t, tbw.BrokerDatas, "TBW102 route has no broker data")

	p := e.newProducer()
	var sent []string
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("auto-%d", i)
		res, err := p.SendSync(context.Background(), newMsg(topic, id))
		require.NoError(t, err, "send %s to a topic that did not exist", id)
		require.Equal(t, primitive.SendOK, res.Status)
		sent = append(sent, id)
	}

	var r *routeData
	waitFor(t, 10*time.Second, func() bool {
		r, err = e.route(topic)
		return err == nil
	}, func() string { return fmt.Sprintf("the auto-created topic never got a route: %v", err) })
	t.Logf("route of the auto-created topic: %+v", *r)
	require.NotEmpty(t, r.BrokerDatas, "route lists no broker")
	require.NotEmpty(t, r.QueueDatas, "route lists no queues")
	require.Equal(t, 4, r.QueueDatas[0].WriteQueueNums, "auto-created with the producer's defaultTopicQueueNums (4)")
	require.Equal(t, 4, r.QueueDatas[0].ReadQueueNums)
	require.Equal(t, 6, r.QueueDatas[0].Perm&6, "auto-created topic should be readable and writable")
	if e.internal() {
		require.Equal(t, e.broker.BrokerName(), r.BrokerDatas[0].BrokerName)
		require.Equal(t, e.broker.BrokerAddr(), r.BrokerDatas[0].BrokerAddrs["0"])
		require.Equal(t, e.broker.BrokerName(), r.QueueDatas[0].BrokerName)
	}

	col := newCollector()
	e.newPushConsumer(e.name("cg"), topic, consumer.MessageSelector{}, col.handler("c"))
	more := ids("auto-more", 0, 20)
	sendSync(t, p, topic, more, 2)
	all := append(sent, more...)
	col.waitAll(t, all, 30*time.Second)
	settle(t, col, 300*time.Millisecond)
	col.requireExactlyOnce(t, all)
}
