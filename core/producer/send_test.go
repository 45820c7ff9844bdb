package producer_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

func TestSendSyncResultMatchesStoredMessage(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	p := newProducer(t, b.NameServerAddr(), nil)

	msg := newMessage("T", "hello")
	msg.SetTags("TagA")
	msg.SetKeys("k1", "k2")
	msg.SetProperty("color", "blue")
	before := len(msg.Properties)
	res, err := p.SendSync(context.Background(), msg)
	require.NoError(t, err)

	assert.Equal(t, producer.SendOK, res.Status)
	assert.Len(t, res.MsgID, message.OffsetMsgIDLenV4, "an IPv4 UNIQ_KEY is 32 hex characters")
	assert.Equal(t, "T", res.Queue.Topic)
	assert.Equal(t, "broker-a", res.Queue.BrokerName)
	assert.Equal(t, int64(0), res.QueueOffset)
	assert.Equal(t, "DefaultRegion", res.RegionID)
	assert.True(t, res.TraceOn)
	assert.Len(t, msg.Properties, before, "the caller's message is not modified")
	assert.Empty(t, msg.UniqKey())

	stored := byID(newPuller(t).all(b.BrokerAddr(), "T", 4), res.MsgID)
	require.NotNil(t, stored, "the message is stored under its UNIQ_KEY")
	assert.Equal(t, "hello", string(stored.Body))
	assert.Equal(t, "TagA", stored.Tags())
	assert.Equal(t, "k1 k2", stored.Property(message.PropertyKeys))
	assert.Equal(t, "blue", stored.Property("color"))
	assert.Equal(t, res.Queue.QueueID, int(stored.QueueID))
	assert.Equal(t, res.QueueOffset, stored.QueueOffset)
	assert.Equal(t, res.OffsetMsgID, stored.MsgID)
	host, offset, err := message.ParseOffsetMsgID(res.OffsetMsgID)
	require.NoError(t, err)
	assert.Equal(t, b.BrokerAddr(), host.String())
	assert.Equal(t, stored.CommitLogOffset, offset)
}

func TestSendKeepsACallerSetUniqKey(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	msg := newMessage("T", "x")
	msg.SetProperty(message.PropertyUniqClientMessageIDKeyIndex, "0A0000010000000000000000000000AB")
	res, err := p.SendSync(context.Background(), msg)
	require.NoError(t, err)
	assert.Equal(t, "0A0000010000000000000000000000AB", res.MsgID)

	// A reused message without one gets a new id each time.
	m2 := newMessage("T", "y")
	r1, err := p.SendSync(context.Background(), m2)
	require.NoError(t, err)
	r2, err := p.SendSync(context.Background(), m2)
	require.NoError(t, err)
	assert.NotEqual(t, r1.MsgID, r2.MsgID)
}

func TestNewTopicIsCreatedThroughTBW102(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	seen := map[int]bool{}
	for i := 0; i < 8; i++ {
		res, err := p.SendSync(context.Background(), newMessage("Fresh", "x"))
		require.NoError(t, err)
		seen[res.Queue.QueueID] = true
		assert.Less(t, res.Queue.QueueID, 4, "only defaultTopicQueueNums queues of TBW102's 8 are used")
	}
	assert.Len(t, seen, 4, "round-robin over the four queues")
	assert.Len(t, newPuller(t).all(b.BrokerAddr(), "Fresh", 4), 8)
}

func TestEverySendModeStores(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	p := newProducer(t, b.NameServerAddr(), nil)
	ctx := context.Background()
	first := func(n int, _ *message.Message) int { return 0 }
	ids := map[string]string{} // body → UNIQ_KEY

	res, err := p.SendSync(ctx, newMessage("T", "sync"))
	require.NoError(t, err)
	ids["sync"] = res.MsgID

	done := make(chan *producer.SendResult, 2)
	require.NoError(t, p.SendAsync(ctx, newMessage("T", "async"), func(r *producer.SendResult, err error) {
		assert.NoError(t, err)
		done <- r
	}))
	require.NoError(t, p.SendOrderlyAsync(ctx, newMessage("T", "orderly-async"), first, func(r *producer.SendResult, err error) {
		assert.NoError(t, err)
		done <- r
	}))

	res, err = p.SendOrderly(ctx, newMessage("T", "orderly"), first, 0)
	require.NoError(t, err)
	assert.Equal(t, 0, res.Queue.QueueID)
	ids["orderly"] = res.MsgID

	res, err = p.SendOrderlyByShardingKey(ctx, newMessage("T", "sharding"), "key-1")
	require.NoError(t, err)
	ids["sharding"] = res.MsgID

	res, err = p.SendBatch(ctx, []*message.Message{newMessage("T", "batch-1"), newMessage("T", "batch-2")})
	require.NoError(t, err)
	batchIDs := strings.Split(res.MsgID, ",")
	require.Len(t, batchIDs, 2)
	ids["batch-1"], ids["batch-2"] = batchIDs[0], batchIDs[1]

	require.NoError(t, p.SendOneway(ctx, newMessage("T", "oneway")))
	require.NoError(t, p.SendOnewayOrderly(ctx, newMessage("T", "oneway-orderly"), first))

	asyncIDs := map[string]bool{}
	for range 2 {
		asyncIDs[recv(t, done).MsgID] = true
	}

	pl := newPuller(t)
	var stored []*message.MessageExt
	eventually(t, "all nine messages stored", func() bool {
		stored = pl.all(b.BrokerAddr(), "T", 4)
		return len(stored) == 9
	})
	bodies := map[string]*message.MessageExt{}
	for _, m := range stored {
		bodies[string(m.Body)] = m
	}
	for _, body := range []string{"sync", "async", "orderly-async", "orderly", "sharding", "batch-1", "batch-2", "oneway", "oneway-orderly"} {
		require.Contains(t, bodies, body)
		assert.Len(t, bodies[body].UniqKey(), 32, body)
	}
	for mode, id := range map[string]string{"sync": ids["sync"], "orderly": ids["orderly"], "sharding": ids["sharding"],
		"batch-1": ids["batch-1"], "batch-2": ids["batch-2"]} {
		assert.Equal(t, id, bodies[mode].UniqKey(), mode)
	}
	assert.True(t, asyncIDs[bodies["async"].UniqKey()])
	assert.True(t, asyncIDs[bodies["orderly-async"].UniqKey()])
	assert.Equal(t, int32(0), bodies["orderly-async"].QueueID)
	assert.Equal(t, int32(0), bodies["oneway-orderly"].QueueID)
	assert.Equal(t, "key-1", bodies["sharding"].Property("__SHARDINGKEY"))
}

func TestCompressionLeavesTheCallersMessageAlone(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 1))
	p := newProducer(t, b.NameServerAddr(), nil)

	body := bytes.Repeat([]byte("compressible "), 400) // 5200 bytes
	orig := append([]byte(nil), body...)
	msg := &message.Message{Topic: "T", Body: body}
	res, err := p.SendSync(context.Background(), msg)
	require.NoError(t, err)
	assert.Equal(t, orig, msg.Body, "the caller's body is untouched")
	assert.Nil(t, msg.Properties)

	stored := newPuller(t).queue(b.BrokerAddr(), "T", 0)
	require.Len(t, stored, 1)
	m := stored[0]
	assert.Equal(t, res.MsgID, m.UniqKey())
	assert.NotZero(t, m.SysFlag&message.SysFlagCompressed, "stored compressed")
	assert.Less(t, len(m.Body), len(body))
	inflated, err := message.Decompress(m.Body, m.SysFlag, 0)
	require.NoError(t, err)
	assert.Equal(t, orig, inflated)

	// Just under the threshold: stored as is.
	_, err = p.SendSync(context.Background(), &message.Message{Topic: "T", Body: body[:4095]})
	require.NoError(t, err)
	stored = newPuller(t).queue(b.BrokerAddr(), "T", 0)
	require.Len(t, stored, 2)
	assert.Zero(t, stored[1].SysFlag&message.SysFlagCompressed)
	assert.Equal(t, body[:4095], stored[1].Body)
}

func TestSizeLimits(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.MaxMessageSize = 1000 })
	ctx := context.Background()
	_, err := p.SendSync(ctx, &message.Message{Topic: "T", Body: make([]byte, 1000)})
	assert.NoError(t, err, "exactly MaxMessageSize is accepted")
	_, err = p.SendSync(ctx, &message.Message{Topic: "T", Body: make([]byte, 1001)})
	assert.ErrorIs(t, err, producer.ErrMessageIllegal)
	assert.ErrorContains(t, err, "MAX: 1000")

	def := newProducer(t, b.NameServerAddr(), nil)
	_, err = def.SendSync(ctx, &message.Message{Topic: "T", Body: make([]byte, 128<<10)})
	assert.NoError(t, err, "128 KiB is the default limit")
	_, err = def.SendSync(ctx, &message.Message{Topic: "T", Body: make([]byte, 128<<10+1)})
	assert.ErrorIs(t, err, producer.ErrMessageIllegal)
}

func TestIllegalMessagesFailBeforeAnyNetworkIO(t *testing.T) {
	b := startBroker(t, "broker-a")
	var routeQueries, sends counter
	b.SetHook(remoting.GetRouteInfoByTopic, func(req *remoting.Command) (*remoting.Command, bool) {
		routeQueries.see(req)
		return nil, false
	})
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		sends.see(req)
		return nil, false
	})
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.MaxMessageSize = 100 })
	long := &message.Message{Topic: "T", Body: []byte("x")}
	long.SetProperty("big", strings.Repeat("v", 33000))
	cases := map[string]*message.Message{
		"nil message":        nil,
		"blank topic":        {Topic: "", Body: []byte("x")},
		"space in topic":     {Topic: "a b", Body: []byte("x")},
		"dot in topic":       {Topic: "a.b", Body: []byte("x")},
		"128-byte topic":     {Topic: strings.Repeat("t", 128), Body: []byte("x")},
		"TBW102":             {Topic: "TBW102", Body: []byte("x")},
		"schedule topic":     {Topic: "SCHEDULE_TOPIC_XXXX", Body: []byte("x")},
		"half topic":         {Topic: "RMQ_SYS_TRANS_HALF_TOPIC", Body: []byte("x")},
		"empty body":         {Topic: "T"},
		"body over max":      {Topic: "T", Body: make([]byte, 101)},
		"properties too big": long,
	}
	ctx := context.Background()
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := p.SendSync(ctx, msg)
			assert.ErrorIs(t, err, producer.ErrMessageIllegal)
			assert.ErrorIs(t, p.SendOneway(ctx, msg), producer.ErrMessageIllegal)
			assert.ErrorIs(t, p.SendAsync(ctx, msg, func(*producer.SendResult, error) { t.Error("callback for a refused send") }),
				producer.ErrMessageIllegal)
			_, err = p.SendOrderly(ctx, msg, func(int, *message.Message) int { return 0 }, 0)
			assert.ErrorIs(t, err, producer.ErrMessageIllegal)
			_, err = p.SendBatch(ctx, []*message.Message{msg})
			assert.ErrorIs(t, err, producer.ErrMessageIllegal)
			_, err = p.SendTransaction(ctx, msg, func(*message.Message) producer.LocalTransactionState { return producer.CommitMessage })
			assert.ErrorIs(t, err, producer.ErrMessageIllegal)
		})
	}
	_, err := p.SendSync(ctx, &message.Message{Topic: "a.b", Body: []byte("x")})
	assert.ErrorContains(t, err, "illegal characters")
	_, err = p.SendSync(ctx, &message.Message{Topic: "T"})
	assert.ErrorContains(t, err, "the message body is empty")
	assert.Zero(t, routeQueries.count(), "no route lookup for an illegal message")
	assert.Zero(t, sends.count())
}

func TestLegalTopicCharacters(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	for _, topic := range []string{"A-b_c", "%x|y", strings.Repeat("t", 127)} {
		_, err := p.SendSync(context.Background(), newMessage(topic, "x"))
		assert.NoError(t, err, topic)
	}
}

func TestBatch(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 1))
	p := newProducer(t, b.NameServerAddr(), nil)
	ctx := context.Background()
	msgs := []*message.Message{newMessage("T", "one"), newMessage("T", "two"), newMessage("T", strings.Repeat("z", 5000))}
	msgs[1].SetTags("TagB")
	msgs[1].SetProperty(message.PropertyUniqClientMessageIDKeyIndex, "0A000001000000000000000000000001")
	res, err := p.SendBatch(ctx, msgs)
	require.NoError(t, err)
	ids := strings.Split(res.MsgID, ",")
	require.Len(t, ids, 3)
	assert.Equal(t, "0A000001000000000000000000000001", ids[1])
	assert.Len(t, strings.Split(res.OffsetMsgID, ","), 3)
	assert.Equal(t, int64(0), res.QueueOffset)
	for _, m := range msgs {
		if m != msgs[1] {
			assert.Empty(t, m.UniqKey(), "batch messages are not modified")
		}
	}

	stored := newPuller(t).queue(b.BrokerAddr(), "T", 0)
	require.Len(t, stored, 3)
	for i, m := range stored {
		assert.Equal(t, ids[i], m.UniqKey())
		assert.Equal(t, int64(i), m.QueueOffset)
		assert.Equal(t, string(msgs[i].Body), string(m.Body), "batches are not compressed")
	}
	assert.Equal(t, "TagB", stored[1].Tags())

	bad := func(mutate func([]*message.Message) []*message.Message) error {
		_, err := p.SendBatch(ctx, mutate([]*message.Message{newMessage("T", "a"), newMessage("T", "b")}))
		return err
	}
	for name, mutate := range map[string]func([]*message.Message) []*message.Message{
		"empty":       func([]*message.Message) []*message.Message { return nil },
		"two topics":  func(m []*message.Message) []*message.Message { m[1].Topic = "U"; return m },
		"delay first": func(m []*message.Message) []*message.Message { m[0].SetDelayTimeLevel(2); return m },
		"delay later": func(m []*message.Message) []*message.Message { m[1].SetDelayTimeLevel(2); return m },
		"retry topic": func(m []*message.Message) []*message.Message {
			m[0].Topic, m[1].Topic = "%RETRY%G", "%RETRY%G"
			return m
		},
		"mixed WAIT":  func(m []*message.Message) []*message.Message { m[1].SetProperty("WAIT", "false"); return m },
		"nil inside":  func(m []*message.Message) []*message.Message { return append(m, nil) },
		"empty body":  func(m []*message.Message) []*message.Message { m[1].Body = nil; return m },
		"blank topic": func(m []*message.Message) []*message.Message { m[0].Topic, m[1].Topic = "", ""; return m },
	} {
		assert.ErrorIs(t, bad(mutate), producer.ErrMessageIllegal, name)
	}
}

func TestLifecycle(t *testing.T) {
	b := startBroker(t, "broker-a")
	p, err := producer.New(producer.Config{Client: clientConfig(b.NameServerAddr())})
	require.NoError(t, err)
	assert.Equal(t, "DEFAULT_PRODUCER", p.Group())
	ctx := context.Background()
	msg := newMessage("T", "x")

	_, err = p.SendSync(ctx, msg)
	assert.ErrorIs(t, err, producer.ErrNotStarted)
	assert.ErrorIs(t, p.SendAsync(ctx, msg, func(*producer.SendResult, error) {}), producer.ErrNotStarted)
	assert.ErrorIs(t, p.SendOneway(ctx, msg), producer.ErrNotStarted)
	assert.NoError(t, p.Shutdown(), "shutdown before start is a no-op")

	require.NoError(t, p.Start())
	require.NoError(t, p.Start(), "a second Start is a no-op")
	_, err = p.SendSync(ctx, msg)
	require.NoError(t, err)

	require.NoError(t, p.Shutdown())
	require.NoError(t, p.Shutdown(), "idempotent")
	_, err = p.SendSync(ctx, msg)
	assert.ErrorIs(t, err, producer.ErrShutdown)
	assert.ErrorIs(t, p.SendAsync(ctx, msg, func(*producer.SendResult, error) {}), producer.ErrShutdown)
	_, err = p.SendBatch(ctx, []*message.Message{msg})
	assert.ErrorIs(t, err, producer.ErrShutdown)
	assert.ErrorIs(t, p.Start(), producer.ErrShutdown)
}

func TestStartFailsWithoutNameServerAndMayBeRetried(t *testing.T) {
	p, err := producer.New(producer.Config{})
	require.NoError(t, err)
	assert.Error(t, p.Start())
	_, err = p.SendSync(context.Background(), newMessage("T", "x"))
	assert.ErrorIs(t, err, producer.ErrNotStarted)
}

func TestSameGroupAndClientIDIsRefused(t *testing.T) {
	b := startBroker(t, "broker-a")
	cfg := producer.Config{Group: "G", Client: clientConfig(b.NameServerAddr())}
	cfg.Client.InstanceName = "same"
	one, err := producer.New(cfg)
	require.NoError(t, err)
	require.NoError(t, one.Start())
	two, err := producer.New(cfg)
	require.NoError(t, err)
	assert.Error(t, two.Start())
	require.NoError(t, one.Shutdown())
	require.NoError(t, two.Start(), "free again once the first is shut down")
	require.NoError(t, two.Shutdown())
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]producer.Config{
		"retry 16":          {RetryTimes: 16},
		"retry -1":          {RetryTimes: -1},
		"async retry 16":    {RetryTimesAsync: 16},
		"level 10":          {CompressLevel: 10},
		"level -2":          {CompressLevel: -2},
		"negative timeout":  {SendTimeout: -1},
		"negative max size": {MaxMessageSize: -1},
		"negative compress": {CompressOver: -1},
	} {
		_, err := producer.New(cfg)
		assert.ErrorIs(t, err, producer.ErrInvalidConfig, name)
	}
	_, err := producer.New(producer.Config{RetryTimes: 15, CompressLevel: -1, RetryTimesAsync: -1})
	assert.NoError(t, err)
}

func TestBrokerCodeNotRetriedIsReturnedAtOnce(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, refuse(&seen, remoting.MessageIllegal))
	p := newProducer(t, b.NameServerAddr(), nil)
	_, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.ErrorIs(t, err, producer.ErrSendFailed)
	var be *remoting.Error
	require.True(t, errors.As(err, &be))
	assert.Equal(t, remoting.MessageIllegal, be.Code)
	assert.Equal(t, "forced by the test", be.Remark)
	assert.Equal(t, 1, seen.count())
}

func TestRetriedCodeUsesEveryAttemptWithOneID(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, refuse(&seen, remoting.ServiceNotAvailable))
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.RetryTimes = 3 })
	_, err := p.SendSync(context.Background(), newMessage("T", "x"))
	var be *remoting.Error
	require.True(t, errors.As(err, &be), "%v", err)
	assert.Equal(t, remoting.ServiceNotAvailable, be.Code)
	ids := seen.seen()
	require.Len(t, ids, 3)
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, ids[0], ids[2])
	assert.NotEmpty(t, ids[0])
}

// notOK answers FLUSH_DISK_TIMEOUT (a stored message) for the first n sends, then lets
// the broker answer.
func notOK(c *counter, n int) func(req *remoting.Command) (*remoting.Command, bool) {
	var left atomic.Int64
	left.Store(int64(n))
	return func(req *remoting.Command) (*remoting.Command, bool) {
		c.see(req)
		if left.Add(-1) < 0 {
			return nil, false
		}
		resp := remoting.NewResponse(remoting.FlushDiskTimeout, "")
		resp.SetExt("msgId", "7F00000100002A9F0000000000000000")
		resp.SetExt("queueId", "0")
		resp.SetExt("queueOffset", "7")
		return resp, true
	}
}

func TestNotStoredOKIsRetriedLikeCpp(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, notOK(&seen, 1))
	p := newProducer(t, b.NameServerAddr(), nil)
	res, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.NoError(t, err)
	assert.Equal(t, producer.SendOK, res.Status)
	assert.Equal(t, 2, seen.count())

	var always counter
	b.SetHook(remoting.SendMessageV2, notOK(&always, 100))
	res, err = p.SendSync(context.Background(), newMessage("T", "x"))
	require.ErrorIs(t, err, producer.ErrNotStoredOK)
	require.NotNil(t, res, "the last answer comes with the error: the message was stored")
	assert.Equal(t, producer.FlushDiskTimeout, res.Status)
	assert.Equal(t, int64(7), res.QueueOffset)
	assert.Equal(t, producer.DefaultRetryTimes, always.count())
}

func TestContextCancelStopsTheSend(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.SendSync(ctx, newMessage("T", "x"))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestShutdownLeavesNoGoroutine(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	ctx := context.Background()
	base := runtime.NumGoroutine()
	for range 3 {
		p, err := producer.New(producer.Config{Client: clientConfig(b.NameServerAddr()),
			Checker: func(*message.MessageExt) producer.LocalTransactionState { return producer.CommitMessage }})
		require.NoError(t, err)
		require.NoError(t, p.Start())
		_, err = p.SendSync(ctx, newMessage("T", "sync"))
		require.NoError(t, err)
		done := make(chan error, 1)
		require.NoError(t, p.SendAsync(ctx, newMessage("T", "async"), func(_ *producer.SendResult, err error) { done <- err }))
		require.NoError(t, recv(t, done))
		require.NoError(t, p.SendOneway(ctx, newMessage("T", "oneway")))
		_, err = p.SendBatch(ctx, []*message.Message{newMessage("T", "b1"), newMessage("T", "b2")})
		require.NoError(t, err)
		_, err = p.SendTransaction(ctx, newMessage("T", "tx"), func(*message.Message) producer.LocalTransactionState {
			return producer.RollbackMessage
		})
		require.NoError(t, err)
		require.NoError(t, p.Shutdown())
	}
	settleGoroutines(t, base)
}

func TestNoRouteWithoutAutoCreate(t *testing.T) {
	b, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0", DisableAutoCreateTopic: true})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	p := newProducer(t, b.NameServerAddr(), nil)
	_, err = p.SendSync(context.Background(), newMessage("Unknown", "x"))
	assert.ErrorIs(t, err, producer.ErrNoRoute)
	cbs := newCallbacks(t)
	require.NoError(t, p.SendAsync(context.Background(), newMessage("Unknown", "x"), cbs.fn(0)))
	assert.ErrorIs(t, cbs.await(1)[0].err, producer.ErrNoRoute, "accepted async sends report route failures to the callback")
}

func TestSystemBusyIsRetriedAfterABackoff(t *testing.T) {
	b := startBroker(t, "broker-a")
	var (
		mu    sync.Mutex
		times []time.Time
	)
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if len(times) <= 2 {
			return remoting.NewResponse(remoting.SystemBusy, "[TIMEOUT_CLEAN_QUEUE]broker busy"), true
		}
		return nil, false
	})
	p := newProducer(t, b.NameServerAddr(), nil)
	res, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.NoError(t, err)
	assert.Equal(t, producer.SendOK, res.Status)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, times, 3, "two busy answers, then stored")
	// The only broker is the busy one, so each retry waits first: 50 ms, then 100 ms.
	assert.GreaterOrEqual(t, times[1].Sub(times[0]), 50*time.Millisecond)
	assert.GreaterOrEqual(t, times[2].Sub(times[1]), 100*time.Millisecond)
}

func TestSystemBusyMovesToAnotherBrokerAtOnce(t *testing.T) {
	a, b := twoBrokers(t, "T")
	var busy, other counter
	a.SetHook(remoting.SendMessageV2, refuse(&busy, remoting.SystemBusy))
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		other.see(req)
		return nil, false
	})
	p := newProducer(t, a.NameServerAddr(), nil)
	for i := range 10 {
		res, err := p.SendSync(context.Background(), newMessage("T", strconv.Itoa(i)))
		require.NoError(t, err)
		assert.Equal(t, "broker-b", res.Queue.BrokerName)
	}
	assert.LessOrEqual(t, busy.count(), 1, "the busy broker rests after its first refusal")
	assert.Equal(t, 10, other.count())
}

func TestShutdownPastAStalledUnregisterIsNoTimeout(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.UnregisterClient, stall(&seen))
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) {
		c.SendTimeout = 200 * time.Millisecond
		c.Client.RequestTimeout = 3 * time.Second
	})
	_, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.NoError(t, err)
	// The unregister waits out its 3 s, beyond SendTimeout plus the 2 s grace.
	assert.NoError(t, p.Shutdown(), "nothing was left running")
	assert.Equal(t, 1, seen.count())
}
