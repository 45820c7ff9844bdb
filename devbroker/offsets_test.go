package devbroker

import (
	"context"
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
