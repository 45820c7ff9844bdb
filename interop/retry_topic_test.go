package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/stretchr/testify/require"
)

// TestRetryTopicCreatedByHeartbeat: a clustering push consumer subscribes its group's
// %RETRY%<group> topic too. A broker creates that topic (1 queue, read-write) when the
// group's first heartbeat arrives and registers it with the name server, so the client
// finds a route for it.
func TestRetryTopicCreatedByHeartbeat(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	group := e.name("cg")
	retry := "%RETRY%" + group
	_, err := e.route(retry)
	require.Error(t, err, "route of %s before any consumer of the group exists", retry)

	col := newCollector()
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("c"))
	var r *routeData
	waitFor(t, 10*time.Second, func() bool {
		r, err = e.route(retry)
		return err == nil
	}, func() string { return fmt.Sprintf("no route for %s after the group's heartbeat: %v", retry, err) })
	require.Len(t, r.QueueDatas, 1)
	require.Equal(t, 1, r.QueueDatas[0].ReadQueueNums, "%s read queues", retry)
	require.Equal(t, 1, r.QueueDatas[0].WriteQueueNums, "%s write queues", retry)
	require.Equal(t, 6, r.QueueDatas[0].Perm&6, "%s should be readable and writable", retry)
	require.NotEmpty(t, r.BrokerDatas)
}
