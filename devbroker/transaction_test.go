package devbroker

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// txProducer is a wire fixture whose client is a producer of group PG that records the
// CHECK_TRANSACTION_STATE requests it gets.
type txProducer struct {
	*wireFixture
	checks chan *remoting.Command
}

func newTxProducer(t *testing.T, cfg Config) *txProducer {
	w := newWireFixture(t, cfg)
	p := &txProducer{wireFixture: w, checks: make(chan *remoting.Command, 64)}
	w.c.RegisterProcessor(remoting.CheckTransactionState, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		p.checks <- req
		return nil
	})
	require.NoError(t, w.b.CreateTopic("T", 2))
	return p
}

func (p *txProducer) heartbeat(group string) {
	body, _ := json.Marshal(map[string]any{"clientID": "127.0.0.1@tx", "producerDataSet": []any{map[string]string{"groupName": group}},
		"consumerDataSet": []any{}})
	resp := p.call(remoting.HeartBeat, nil, body)
	require.Equal(p.t, remoting.Success, resp.Code, resp.Remark)
}

// sendHalf sends a prepared message to T queue 1 as rocketmq-client-go does and returns
// the answer and the stored half record.
func (p *txProducer) sendHalf(group, uniq string, extra map[string]string) (*remoting.Command, *message.MessageExt) {
	p.t.Helper()
	props := map[string]string{message.PropertyTransactionPrepared: "true", message.PropertyProducerGroup: group,
		message.PropertyUniqClientMessageIDKeyIndex: uniq, message.PropertyKeys: "order-" + uniq}
	for k, v := range extra {
		props[k] = v
	}
	ext := wireSendV1("T", 1, props)
	ext["producerGroup"] = group
	ext["sysFlag"] = strconv.Itoa(int(message.SysFlagTransactionPrepared))
	resp := p.call(remoting.SendMessage, ext, []byte("tx "+uniq))
	return resp, p.sentRecord(resp)
}

func endExt(group string, resp *remoting.Command, half *message.MessageExt, typ int32, fromCheck bool) map[string]string {
	return map[string]string{
		"producerGroup": group, "tranStateTableOffset": resp.Ext("queueOffset"),
		"commitLogOffset": strconv.FormatInt(half.CommitLogOffset, 10), "commitOrRollback": strconv.Itoa(int(typ)),
		"fromTransactionCheck": strconv.FormatBool(fromCheck), "msgId": half.UniqKey(), "transactionId": half.UniqKey(),
	}
}

func (p *txProducer) end(ext map[string]string) *remoting.Command {
	p.t.Helper()
	return p.call(remoting.EndTransaction, ext, nil)
}

func (p *txProducer) nextCheck(within time.Duration) *remoting.Command {
	p.t.Helper()
	select {
	case req := <-p.checks:
		return req
	case <-time.After(within):
		p.t.Fatalf("no CHECK_TRANSACTION_STATE within %v", within)
		return nil
	}
}

func TestHalfMessageInvisibleUntilCommitted(t *testing.T) {
	p := newTxProducer(t, Config{DelayLevels: fastDelays})
	resp, half := p.sendHalf("PG", "U1", nil)
	assert.Equal(t, "1", resp.Ext("queueId"), "the answer names the real queue")
	assert.Equal(t, "0", resp.Ext("queueOffset"), "the half queue's offset")
	assert.Equal(t, message.TransactionHalfTopic, half.Topic)
	assert.Equal(t, int32(0), half.QueueID)
	assert.Equal(t, message.SysFlagTransactionNotType, message.TransactionValue(half.SysFlag))
	assert.Equal(t, "T", half.Property(message.PropertyRealTopic))
	assert.Equal(t, "1", half.Property(message.PropertyRealQueueID))
	assert.Equal(t, int64(0), p.b.store.maxOffset("T", 1), "invisible in the real topic")
	assert.Equal(t, 1, p.b.tx.count())

	ok := p.end(endExt("PG", resp, half, message.SysFlagTransactionCommit, false))
	require.Equal(t, remoting.Success, ok.Code, ok.Remark)
	assert.Equal(t, 0, p.b.tx.count())
	m := p.wireFixture.decode(p.pull("T", 1, 0, 32, "*"))
	require.Len(t, m, 1)
	c := m[0]
	assert.Equal(t, "T", c.Topic)
	assert.Equal(t, int32(1), c.QueueID)
	assert.Equal(t, []byte("tx U1"), c.Body)
	assert.Equal(t, message.SysFlagTransactionCommit, message.TransactionValue(c.SysFlag))
	assert.Equal(t, half.CommitLogOffset, c.PreparedTransactionOffset)
	assert.Equal(t, half.BornTimestamp, c.BornTimestamp)
	assert.Equal(t, "U1", c.UniqKey())
	assert.Equal(t, "true", c.Property(message.PropertyTransactionPrepared), "kept, as Java keeps it")
	assert.Equal(t, "PG", c.Property(message.PropertyProducerGroup))

	again := p.end(endExt("PG", resp, half, message.SysFlagTransactionCommit, true))
	assert.Equal(t, remoting.SystemError, again.Code)
	assert.Equal(t, "Find prepared transaction message failed", again.Remark)
	assert.Equal(t, int64(1), p.b.store.maxOffset("T", 1), "committed once")

	// A DELAY applies on commit, not before.
	resp, half = p.sendHalf("PG", "U2", delayProps(1, nil))
	assert.Equal(t, message.TransactionHalfTopic, half.Topic)
	require.Equal(t, remoting.Success, p.end(endExt("PG", resp, half, message.SysFlagTransactionCommit, false)).Code)
	assert.Equal(t, int64(1), p.b.store.maxOffset(message.ScheduleTopic, 0))
	p.waitFor("delayed commit delivered", func() bool { return p.b.store.maxOffset("T", 1) == 2 })
}

func TestRollbackAndEndTransactionChecks(t *testing.T) {
	p := newTxProducer(t, Config{})
	resp, half := p.sendHalf("PG", "U1", nil)

	ext := endExt("PG", resp, half, message.SysFlagTransactionRollback, false)
	ext["producerGroup"] = "other"
	bad := p.end(ext)
	assert.Equal(t, remoting.SystemError, bad.Code)
	assert.Equal(t, "The producer group wrong", bad.Remark)
	ext = endExt("PG", resp, half, message.SysFlagTransactionRollback, false)
	ext["tranStateTableOffset"] = "7"
	bad = p.end(ext)
	assert.Equal(t, "The transaction state table offset wrong", bad.Remark)
	ext = endExt("PG", resp, half, 5, false)
	assert.Equal(t, "commitOrRollback field wrong", p.end(ext).Remark)
	ext = endExt("PG", resp, half, message.SysFlagTransactionCommit, false)
	delete(ext, "msgId")
	assert.Equal(t, "the custom field <msgId> is null", p.end(ext).Remark)
	assert.Equal(t, 1, p.b.tx.count(), "still pending after bad requests")

	// Unknown gets no answer and changes nothing (Java's client sends it oneway).
	req := remoting.NewRequest(remoting.EndTransaction, endExt("PG", resp, half, message.SysFlagTransactionNotType, false), nil)
	require.NoError(t, p.c.InvokeOneway(context.Background(), p.b.BrokerAddr(), req, time.Second))
	assert.Equal(t, remoting.Success, p.end(endExt("PG", resp, half, message.SysFlagTransactionRollback, false)).Code)
	assert.Equal(t, 0, p.b.tx.count())
	assert.Equal(t, int64(0), p.b.store.maxOffset("T", 1), "rolled back: never visible")
}

func TestCheckTransactionStateAsksTheProducer(t *testing.T) {
	p := newTxProducer(t, Config{TransactionTimeout: 100 * time.Millisecond, TransactionCheckInterval: 100 * time.Millisecond})
	p.heartbeat("PG")
	sent := time.Now()
	resp, half := p.sendHalf("PG", "U1", nil)

	req := p.nextCheck(5 * time.Second)
	assert.GreaterOrEqual(t, time.Since(sent), 99*time.Millisecond, "not before TransactionTimeout")
	assert.True(t, req.IsOneway())
	assert.Equal(t, "0", req.Ext("tranStateTableOffset"))
	assert.Equal(t, strconv.FormatInt(half.CommitLogOffset, 10), req.Ext("commitLogOffset"))
	assert.Equal(t, "U1", req.Ext("msgId"))
	assert.Equal(t, "U1", req.Ext("transactionId"))
	assert.Equal(t, resp.Ext("msgId"), req.Ext("offsetMsgId"))
	msgs, err := message.DecodeStored(req.Body, message.DecodeOptions{VerifyCRC: true})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.Equal(t, "T", m.Topic, "the body is in the real topic")
	assert.Equal(t, int32(1), m.QueueID)
	assert.Equal(t, half.CommitLogOffset, m.CommitLogOffset)
	assert.Equal(t, "PG", m.Property(message.PropertyProducerGroup))
	assert.Equal(t, "1", m.Property(message.PropertyTransactionCheckTimes))
	assert.Equal(t, "0", m.Property(message.PropertyTransactionPreparedQueueOffset))

	// Unknown: checked again.
	unknown := remoting.NewRequest(remoting.EndTransaction, endExt("PG", resp, half, message.SysFlagTransactionNotType, true), nil)
	require.NoError(t, p.c.InvokeOneway(context.Background(), p.b.BrokerAddr(), unknown, time.Second))
	req = p.nextCheck(5 * time.Second)
	assert.Equal(t, "U1", req.Ext("msgId"))
	msgs, err = message.DecodeStored(req.Body, message.DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, "2", msgs[0].Property(message.PropertyTransactionCheckTimes))

	// The producer's answer to a check is applied.
	require.Equal(t, remoting.Success, p.end(endExt("PG", resp, half, message.SysFlagTransactionCommit, true)).Code)
	assert.Equal(t, int64(1), p.b.store.maxOffset("T", 1))
	assert.Equal(t, 0, p.b.tx.count())
}

func TestUnresolvedHalfMessageGivenUpAfterMaxChecks(t *testing.T) {
	p := newTxProducer(t, Config{TransactionTimeout: 50 * time.Millisecond, TransactionCheckInterval: 50 * time.Millisecond,
		TransactionCheckMax: 2})
	p.heartbeat("PG")
	_, half := p.sendHalf("PG", "U1", nil)
	_, _ = p.sendHalf("NOBODY", "U2", nil) // no live producer: its checks count all the same

	for i := 1; i <= 2; i++ {
		req := p.nextCheck(5 * time.Second)
		msgs, err := message.DecodeStored(req.Body, message.DecodeOptions{})
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(i), msgs[0].Property(message.PropertyTransactionCheckTimes))
	}
	p.waitFor("both given up", func() bool { return p.b.tx.count() == 0 })
	select {
	case req := <-p.checks:
		t.Fatalf("a third check: %v", req)
	default:
	}
	msgs := p.wireFixture.decode(p.pull(message.TransactionCheckMaxTimeTopic, 0, 0, 32, "*"))
	require.Len(t, msgs, 2)
	byUniq := map[string]*message.MessageExt{}
	for _, m := range msgs {
		byUniq[m.UniqKey()] = m
	}
	m := byUniq["U1"]
	require.NotNil(t, m)
	assert.Equal(t, half.Body, m.Body)
	assert.Equal(t, "2", m.Property(message.PropertyTransactionCheckTimes))
	assert.Equal(t, "T", m.Property(message.PropertyRealTopic))
	assert.NotNil(t, byUniq["U2"])
	assert.Equal(t, int64(0), p.b.store.maxOffset("T", 1), "never visible")
}
