package devbroker

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func offsetReq(code int32, group, topic, queueID string, extra ...string) *remoting.Command {
	ext := map[string]string{"consumerGroup": group, "topic": topic, "queueId": queueID}
	for i := 0; i+1 < len(extra); i += 2 {
		ext[extra[i]] = extra[i+1]
	}
	return remoting.NewRequest(code, ext, nil)
}

func TestConsumerOffsets(t *testing.T) {
	b := mgmtBroker(t, Config{})
	require.NoError(t, b.CreateTopic("T", 4))
	c := mgmtClient(t)
	addr := b.BrokerAddr()

	// A group with no offset starts at 0 while the queue still holds its first message.
	resp := mgmtCall(t, c, addr, offsetReq(remoting.QueryConsumerOffset, "CG", "T", "1"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, "0", resp.Ext("offset"))
	assert.Equal(t, int64(-1), b.offsets.get("CG", "T", 1), "answering 0 stores nothing")

	resp = mgmtCall(t, c, addr, offsetReq(remoting.UpdateConsumerOffset, "CG", "T", "1", "commitOffset", "42"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	resp = mgmtCall(t, c, addr, offsetReq(remoting.QueryConsumerOffset, "CG", "T", "1"))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, "42", resp.Ext("offset"))
	assert.Equal(t, int64(42), b.offsets.get("CG", "T", 1))
	assert.Equal(t, int64(-1), b.offsets.get("CG", "T", 2))
	assert.Equal(t, int64(-1), b.offsets.get("CG2", "T", 1))

	// Java clients commit oneway; the broker must not answer, and the next request on the
	// connection (processed in order) sees the new offset.
	conn, err := c.Conn(context.Background(), addr)
	require.NoError(t, err)
	require.NoError(t, conn.InvokeOneway(offsetReq(remoting.UpdateConsumerOffset, "CG", "T", "1", "commitOffset", "43"), time.Second))
	resp = mgmtCall(t, c, addr, offsetReq(remoting.QueryConsumerOffset, "CG", "T", "1"))
	assert.Equal(t, "43", resp.Ext("offset"))

	b.offsets.commit("CG", "T", 3, 7)
	resp = mgmtCall(t, c, addr, offsetReq(remoting.QueryConsumerOffset, "CG", "T", "3"))
	assert.Equal(t, "7", resp.Ext("offset"))

	for _, req := range []*remoting.Command{
		remoting.NewRequest(remoting.QueryConsumerOffset, map[string]string{"consumerGroup": "CG", "topic": "T"}, nil),
		offsetReq(remoting.QueryConsumerOffset, "CG", "T", "x"),
		offsetReq(remoting.UpdateConsumerOffset, "CG", "T", "1"),
		offsetReq(remoting.UpdateConsumerOffset, "CG", "T", "1", "commitOffset", "1.5"),
	} {
		resp := mgmtCall(t, c, addr, req)
		assert.Equal(t, remoting.SystemError, resp.Code, "%v", req.ExtFields)
	}
}

// Once the oldest messages of a queue are gone, a group without an offset is told so: the
// client then applies its consume-from-where.
func TestConsumerOffsetNotFoundAfterEviction(t *testing.T) {
	b := mgmtBroker(t, Config{MaxMessageSize: 16 << 10, MaxStoreBytes: 256 << 10})
	require.NoError(t, b.CreateTopic("T", 1))
	c := mgmtClient(t)
	body := []byte(strings.Repeat("x", 1000))
	for range 600 {
		resp := mgmtCall(t, c, b.BrokerAddr(), remoting.NewRequest(remoting.SendMessage, map[string]string{
			"producerGroup": "PG", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4", "queueId": "0",
			"sysFlag": "0", "bornTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10), "flag": "0", "properties": "",
			"reconsumeTimes": "0", "unitMode": "false", "maxReconsumeTimes": "0", "batch": "false",
		}, body))
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	if b.store.minOffset("T", 0) == 0 {
		t.Skip("the store dropped nothing")
	}
	resp := mgmtCall(t, c, b.BrokerAddr(), offsetReq(remoting.QueryConsumerOffset, "CG", "T", "0"))
	assert.Equal(t, remoting.QueryNotFound, resp.Code)
	assert.Equal(t, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first", resp.Remark)

	b.offsets.commit("CG", "T", 0, 5)
	resp = mgmtCall(t, c, b.BrokerAddr(), offsetReq(remoting.QueryConsumerOffset, "CG", "T", "0"))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, "5", resp.Ext("offset"), "a stored offset wins, even below the minimum")
}
