package producer_test

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

// traceRecords pulls the trace topic until want records are there, and returns them with
// the keys of the trace messages that carried them.
func traceRecords(t *testing.T, addr string, want int) ([][]string, []string) {
	t.Helper()
	pl := newPuller(t)
	deadline := time.Now().Add(wait)
	for {
		var recs [][]string
		var keys []string
		for _, m := range pl.all(addr, trace.Topic, 8) {
			recs = append(recs, trace.Split(m.Body)...)
			keys = append(keys, m.Keys()...)
		}
		if len(recs) >= want || time.Now().After(deadline) {
			require.GreaterOrEqual(t, len(recs), want, "trace records")
			return recs, keys
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTracePubRecords(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.Group = "TracedPG"; c.Trace = true })
	sent := map[string]*producer.SendResult{}
	for i := range 3 {
		m := newMessage("T", "body-"+string(rune('a'+i)))
		m.SetTags("TagA")
		m.SetKeys("key1", "key2")
		res, err := p.SendSync(context.Background(), m)
		require.NoError(t, err)
		sent[res.MsgID] = res
	}
	async := make(chan *producer.SendResult, 1)
	require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "async"), func(r *producer.SendResult, err error) {
		assert.NoError(t, err)
		async <- r
	}))
	ar := recv(t, async)
	sent[ar.MsgID] = ar

	recs, keys := traceRecords(t, b.BrokerAddr(), len(sent))
	require.Len(t, recs, len(sent))
	for _, r := range recs {
		require.Len(t, r, 14, "%q", r)
		require.Equal(t, "Pub", r[0])
		res := sent[r[5]]
		require.NotNil(t, res, "unknown msgId %s", r[5])
		assert.Equal(t, "DefaultRegion", r[2])
		assert.Equal(t, "TracedPG", r[3])
		assert.Equal(t, "T", r[4])
		assert.Equal(t, b.BrokerAddr(), r[8])
		assert.Equal(t, "0", r[11]) // Normal_Msg
		assert.Equal(t, res.OffsetMsgID, r[12])
		assert.Equal(t, "true", r[13])
		if r[5] == ar.MsgID {
			assert.Equal(t, "", r[6])
			assert.Equal(t, "", r[7])
			assert.Equal(t, "5", r[9])
		} else {
			assert.Equal(t, "TagA", r[6])
			assert.Equal(t, "key1 key2", r[7])
			assert.Equal(t, "6", r[9])
		}
		assert.Contains(t, keys, r[5])
	}
	assert.Contains(t, keys, "key1")
	assert.Contains(t, keys, "key2")
}

func TestTraceTransactionRecords(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.Trace = true })
	m := newMessage("TxT", "tx")
	m.SetKeys("order-1")
	res, err := p.SendTransaction(context.Background(), m, func(*message.Message) producer.LocalTransactionState {
		return producer.CommitMessage
	})
	require.NoError(t, err)
	recs, _ := traceRecords(t, b.BrokerAddr(), 2)
	byType := map[string][]string{}
	for _, r := range recs {
		byType[r[0]] = r
	}
	require.Contains(t, byType, "Pub")
	require.Contains(t, byType, "EndTransaction")
	assert.Equal(t, "1", byType["Pub"][11]) // Trans_Msg_Half
	end := byType["EndTransaction"]
	require.Len(t, end, 13)
	assert.Equal(t, res.MsgID, end[5])
	assert.Equal(t, "order-1", end[7])
	assert.Equal(t, "2", end[9])
	assert.Equal(t, "COMMIT_MESSAGE", end[11])
	assert.Equal(t, "false", end[12])
}

func TestTraceFailureNeverFailsASend(t *testing.T) {
	b := startBroker(t, "broker-a")
	var refused atomic.Int64
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		if req.ExtFields["b"] == trace.Topic {
			refused.Add(1)
			return remoting.NewResponse(remoting.MessageIllegal, "trace refused by the test"), true
		}
		return nil, false
	})
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.Trace = true })
	for range 5 {
		_, err := p.SendSync(context.Background(), newMessage("T", "m"))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return refused.Load() > 0 }, wait, 10*time.Millisecond)
	_, err := p.SendSync(context.Background(), newMessage("T", "m"))
	require.NoError(t, err)
	require.NoError(t, p.Shutdown())
}

func TestTraceShutdownLeavesNoGoroutine(t *testing.T) {
	b := startBroker(t, "broker-a")
	// Warm up the process-wide goroutines (test broker, puller pools) first.
	before := runtime.NumGoroutine()
	p, err := producer.New(producer.Config{Client: clientConfig(b.NameServerAddr()), Trace: true})
	require.NoError(t, err)
	require.NoError(t, p.Start())
	for range 3 {
		_, err := p.SendSync(context.Background(), newMessage("T", "m"))
		require.NoError(t, err)
	}
	require.NoError(t, p.Shutdown())
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines before, %d after Shutdown:\n%s", before, runtime.NumGoroutine(),
				strings.TrimSpace(string(buf[:n])))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The records of those sends were flushed by Shutdown.
	recs, _ := traceRecords(t, b.BrokerAddr(), 3)
	assert.Len(t, recs, 3)
}
