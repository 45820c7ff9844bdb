package devbroker

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func mqs(topic string, ids ...int32) []messageQueueJSON {
	out := make([]messageQueueJSON, len(ids))
	for i, id := range ids {
		out[i] = messageQueueJSON{BrokerName: "broker-a", QueueID: id, Topic: topic}
	}
	return out
}

func lockReq(code int32, group, clientID string, set []messageQueueJSON) *remoting.Command {
	body, _ := json.Marshal(lockBatchJSON{ConsumerGroup: group, ClientID: clientID, MQSet: set})
	return remoting.NewRequest(code, nil, body)
}

// lockQueues sends LOCK_BATCH_MQ and returns the queue ids granted.
func lockQueues(t *testing.T, c *remoting.Client, b *Broker, group, clientID string, ids ...int32) []int32 {
	t.Helper()
	resp := mgmtCall(t, c, b.BrokerAddr(), lockReq(remoting.LockBatchMQ, group, clientID, mqs("T", ids...)))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var body struct {
		LockOKMQSet []messageQueueJSON `json:"lockOKMQSet"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &body))
	got := []int32{}
	for _, mq := range body.LockOKMQSet {
		got = append(got, mq.QueueID)
	}
	return got
}

func TestLockBatch(t *testing.T) {
	b := mgmtBroker(t, Config{})
	a, c := mgmtClient(t), mgmtClient(t)

	resp := mgmtCall(t, a, b.BrokerAddr(), lockReq(remoting.LockBatchMQ, "CG", "A", mqs("T", 0)))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, `{"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"T"}]}`, string(resp.Body))

	assert.Equal(t, []int32{0, 1}, lockQueues(t, a, b, "CG", "A", 0, 1), "re-locking renews")
	assert.Equal(t, []int32{2}, lockQueues(t, c, b, "CG", "C", 1, 2), "a queue held by another client is refused")
	assert.Equal(t, []int32{1}, lockQueues(t, c, b, "OtherGroup", "C", 1), "locks are per group")
	assert.Equal(t, []int32{3}, lockQueues(t, c, b, "CG", "C", 3, 3), "duplicates are answered once")

	// UNLOCK frees only the caller's own queues.
	resp = mgmtCall(t, c, b.BrokerAddr(), lockReq(remoting.UnlockBatchMQ, "CG", "C", mqs("T", 0, 2)))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, []int32{}, lockQueues(t, c, b, "CG", "C", 0))
	resp = mgmtCall(t, a, b.BrokerAddr(), lockReq(remoting.UnlockBatchMQ, "CG", "A", mqs("T", 0)))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, []int32{0, 2}, lockQueues(t, c, b, "CG", "C", 0, 2))

	resp = mgmtCall(t, c, b.BrokerAddr(), remoting.NewRequest(remoting.LockBatchMQ, nil, []byte("nope")))
	assert.Equal(t, remoting.SystemError, resp.Code)
}

func TestLockExpiry(t *testing.T) {
	b := mgmtBroker(t, Config{LockExpiry: time.Minute})
	now := time.Now()
	assert.Len(t, b.locks.tryLock("CG", "A", nil, mqs("T", 0, 1), now), 2)
	assert.Empty(t, b.locks.tryLock("CG", "B", nil, mqs("T", 0), now.Add(time.Minute)), "alive for exactly LockExpiry")

	// A renewal restarts the clock; an expired lock goes to whoever asks.
	assert.Len(t, b.locks.tryLock("CG", "A", nil, mqs("T", 1), now.Add(30*time.Second)), 1)
	later := now.Add(time.Minute + time.Millisecond)
	assert.Equal(t, mqs("T", 0), b.locks.tryLock("CG", "B", nil, mqs("T", 0, 1), later))
	assert.Equal(t, mqs("T", 1), b.locks.tryLock("CG", "A", nil, mqs("T", 0, 1), later))

	b.locks.expire(now.Add(time.Hour))
	b.locks.mu.Lock()
	assert.Empty(t, b.locks.locks, "expire forgets expired locks")
	b.locks.mu.Unlock()
}

func TestLockReleasedWhenHolderGoes(t *testing.T) {
	b := mgmtBroker(t, Config{})
	a, c := mgmtClient(t), mgmtClient(t)
	assert.Equal(t, []int32{0}, lockQueues(t, a, b, "CG", "A", 0))
	assert.Equal(t, []int32{1}, lockQueues(t, a, b, "CG2", "A", 1))

	b.locks.releaseClient("CG", "A")
	assert.Equal(t, []int32{0}, lockQueues(t, c, b, "CG", "C", 0), "freed when A leaves CG")
	assert.Equal(t, []int32{}, lockQueues(t, c, b, "CG2", "C", 1), "but not in the groups A is still in")

	b.locks.connectionClosed(mgmtServerConn(t, b, a))
	assert.Equal(t, []int32{1}, lockQueues(t, c, b, "CG2", "C", 1), "freed when A's connection closes")
}

// mgmtServerConn finds the broker's end of a client's connection.
func mgmtServerConn(t *testing.T, b *Broker, c *remoting.Client) *remoting.Conn {
	t.Helper()
	cc, err := c.Conn(context.Background(), b.BrokerAddr())
	require.NoError(t, err)
	for _, sc := range b.brokerServer.Conns() {
		if sc.RemoteAddr().String() == cc.LocalAddr().String() {
			return sc
		}
	}
	t.Fatal("no server connection for the client")
	return nil
}
