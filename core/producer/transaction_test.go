package producer_test

import (
	"context"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// fakeBroker stores nothing: it answers sends, captures END_TRANSACTION requests and can
// send CHECK_TRANSACTION_STATE to its clients, which the dev broker cannot do yet.
type fakeBroker struct {
	t     testing.TB
	srv   *remoting.Server
	addr  string
	host  netip.AddrPort
	sends chan *remoting.Command
	ends  chan *remoting.Command
	next  atomic.Int64
}

func startFakeBroker(t testing.TB, nameServer, name, topic string) *fakeBroker {
	t.Helper()
	fb := &fakeBroker{t: t, srv: remoting.NewServer(remoting.ServerOptions{}),
		sends: make(chan *remoting.Command, 64), ends: make(chan *remoting.Command, 64)}
	la, err := fb.srv.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { fb.srv.Close() })
	fb.addr = la.String()
	fb.host = netip.MustParseAddrPort(fb.addr)
	success := func(*remoting.Conn, *remoting.Command) *remoting.Command {
		return remoting.NewResponse(remoting.Success, "")
	}
	fb.srv.RegisterProcessor(remoting.HeartBeat, success)
	fb.srv.RegisterProcessor(remoting.UnregisterClient, success)
	fb.srv.RegisterProcessor(remoting.SendMessageV2, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		fb.sends <- req
		off := fb.next.Add(1) - 1
		resp := remoting.NewResponse(remoting.Success, "")
		resp.SetExt("msgId", message.OffsetMsgID(fb.host, 1000+off*100))
		resp.SetExt("queueId", req.Ext("e"))
		resp.SetExt("queueOffset", strconv.FormatInt(off, 10))
		return resp
	})
	fb.srv.RegisterProcessor(remoting.EndTransaction, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		fb.ends <- req
		return nil
	})
	registerBroker(t, nameServer, name, fb.addr, topic, 1)
	return fb
}

// check asks every connected client about a half message.
func (fb *fakeBroker) check(id, txID string, tranOffset, commitLogOffset int64, group string) {
	fb.t.Helper()
	half := &message.MessageExt{
		Message: message.Message{Topic: "TT", Body: []byte("half"), Properties: map[string]string{
			message.PropertyProducerGroup: group, message.PropertyUniqClientMessageIDKeyIndex: id,
			message.PropertyTransactionPrepared: "true",
		}},
		QueueOffset: tranOffset, CommitLogOffset: commitLogOffset, SysFlag: message.SysFlagTransactionPrepared,
		BornHost: fb.host, StoreHost: fb.host,
	}
	conns := fb.srv.Conns()
	require.NotEmpty(fb.t, conns)
	for _, c := range conns {
		req := remoting.NewRequest(remoting.CheckTransactionState, map[string]string{
			"tranStateTableOffset": strconv.FormatInt(tranOffset, 10),
			"commitLogOffset":      strconv.FormatInt(commitLogOffset, 10),
			"msgId":                id, "transactionId": txID,
			"offsetMsgId": message.OffsetMsgID(fb.host, commitLogOffset),
		}, message.AppendStored(nil, half))
		require.NoError(fb.t, c.InvokeOneway(req, wait))
	}
}

func TestTransactionOutcomeGoesToTheStoringBroker(t *testing.T) {
	ns := startBroker(t, "broker-ns")
	fb := startFakeBroker(t, ns.NameServerAddr(), "broker-tx", "TT")
	p := newProducer(t, ns.NameServerAddr(), func(c *producer.Config) { c.Group = "TG" })

	for state, want := range map[producer.LocalTransactionState]string{
		producer.CommitMessage: "8", producer.RollbackMessage: "12", producer.Unknown: "0", producer.LocalTransactionState(7): "0",
	} {
		msg := newMessage("TT", "body")
		msg.SetDelayTimeLevel(3)
		var seen *message.Message
		res, err := p.SendTransaction(context.Background(), msg, func(half *message.Message) producer.LocalTransactionState {
			seen = half
			return state
		})
		require.NoError(t, err)
		assert.Equal(t, producer.SendOK, res.Status)
		assert.Equal(t, res.MsgID, res.TransactionID)

		sent := recv(t, fb.sends)
		props := message.ParseProperties([]byte(sent.Ext("i")))
		assert.Equal(t, "4", sent.Ext("f"), "sysFlag TRANSACTION_PREPARED")
		assert.Equal(t, "true", props[message.PropertyTransactionPrepared])
		assert.Equal(t, "TG", props[message.PropertyProducerGroup])
		assert.NotContains(t, props, message.PropertyDelayTimeLevel, "half messages are not delayed")
		assert.Equal(t, res.MsgID, props[message.PropertyUniqClientMessageIDKeyIndex])

		require.NotNil(t, seen)
		assert.Equal(t, "true", seen.Property(message.PropertyTransactionPrepared))
		assert.Equal(t, res.MsgID, seen.UniqKey())
		assert.Equal(t, res.MsgID, seen.TransactionID)
		assert.Empty(t, msg.Property(message.PropertyTransactionPrepared), "the caller's message is not modified")

		end := recv(t, fb.ends)
		assert.True(t, end.IsOneway())
		_, commitLogOffset, err := message.ParseOffsetMsgID(res.OffsetMsgID)
		require.NoError(t, err)
		assert.Equal(t, map[string]string{
			"producerGroup": "TG", "tranStateTableOffset": strconv.FormatInt(res.QueueOffset, 10),
			"commitLogOffset": strconv.FormatInt(commitLogOffset, 10), "commitOrRollback": want,
			"fromTransactionCheck": "false", "msgId": res.MsgID, "transactionId": res.MsgID, "bname": "broker-tx",
		}, end.ExtFields, "state %v", state)
	}
}

func TestTransactionExecutorPanicEndsUnknown(t *testing.T) {
	ns := startBroker(t, "broker-ns")
	fb := startFakeBroker(t, ns.NameServerAddr(), "broker-tx", "TT")
	p := newProducer(t, ns.NameServerAddr(), func(c *producer.Config) { c.Group = "TG" })
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = p.SendTransaction(context.Background(), newMessage("TT", "b"), func(*message.Message) producer.LocalTransactionState {
			panic("boom")
		})
	})
	end := recv(t, fb.ends)
	assert.Equal(t, "0", end.Ext("commitOrRollback"))
	assert.Contains(t, end.Remark, "boom")
}

func TestTransactionHalfMessageFailureSkipsTheExecutor(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, refuse(&seen, remoting.SystemBusy))
	p := newProducer(t, b.NameServerAddr(), nil)
	_, err := p.SendTransaction(context.Background(), newMessage("T", "b"), func(*message.Message) producer.LocalTransactionState {
		t.Error("executor ran for a half message that was not stored")
		return producer.CommitMessage
	})
	assert.ErrorIs(t, err, producer.ErrSendFailed)
}

func TestBrokerChecksAreAnsweredOneAtATime(t *testing.T) {
	ns := startBroker(t, "broker-ns")
	fb := startFakeBroker(t, ns.NameServerAddr(), "broker-tx", "TT")
	var running, most atomic.Int32
	release := make(chan struct{})
	checked := make(chan *message.MessageExt, 8)
	answers := map[string]producer.LocalTransactionState{"tx-commit": producer.CommitMessage,
		"tx-rollback": producer.RollbackMessage, "tx-unknown": producer.Unknown}
	p := newProducer(t, ns.NameServerAddr(), func(c *producer.Config) {
		c.Group = "TG"
		c.Checker = func(m *message.MessageExt) producer.LocalTransactionState {
			n := running.Add(1)
			defer running.Add(-1)
			if n > most.Load() {
				most.Store(n)
			}
			checked <- m
			<-release
			if m.TransactionID == "tx-panic" {
				panic("checker failed")
			}
			return answers[m.TransactionID]
		}
	})
	// A first transaction connects the producer to the broker.
	_, err := p.SendTransaction(context.Background(), newMessage("TT", "b"), func(*message.Message) producer.LocalTransactionState {
		return producer.Unknown
	})
	require.NoError(t, err)
	recv(t, fb.sends)
	recv(t, fb.ends)

	txs := []string{"tx-commit", "tx-rollback", "tx-unknown", "tx-panic"}
	for i, tx := range txs {
		fb.check("ID"+strconv.Itoa(i), tx, int64(10+i), int64(5000+i), "TG")
	}
	first := recv(t, checked)
	assert.Equal(t, "half", string(first.Body))
	assert.Equal(t, "TG", first.Property(message.PropertyProducerGroup))
	close(release)
	want := map[string]string{"tx-commit": "8", "tx-rollback": "12", "tx-unknown": "0", "tx-panic": "0"}
	for range txs {
		end := recv(t, fb.ends)
		tx := end.Ext("transactionId")
		i := indexOf(txs, tx)
		require.GreaterOrEqual(t, i, 0, "unexpected %v", end)
		assert.Equal(t, map[string]string{
			"producerGroup": "TG", "tranStateTableOffset": strconv.Itoa(10 + i), "commitLogOffset": strconv.Itoa(5000 + i),
			"commitOrRollback": want[tx], "fromTransactionCheck": "true", "msgId": "ID" + strconv.Itoa(i), "transactionId": tx,
		}, end.ExtFields)
	}
	assert.Equal(t, int32(1), most.Load(), "checks are serialised")
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
