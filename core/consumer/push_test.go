package consumer_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/route"
)

func TestEveryMessageConsumedOnce(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 4)
	base := leakBase()
	before, after := bodies("before", 100), bodies("after", 100)
	for i, b := range before {
		e.send("T", i%4, "", b)
	}
	rec := newRecorder()
	cfg := e.config("G", "once")
	cfg.BatchMaxSize = 3
	c := e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(nil))
	assert.Len(t, consumer.Owned(c), 5, "4 queues and the retry queue")
	for i, b := range after {
		e.send("T", i%4, "", b)
	}
	all := append(before, after...)
	rec.waitAll(t, all)
	require.NoError(t, c.Shutdown())
	assert.Zero(t, rec.duplicates(all))
	assert.Equal(t, len(all), rec.total(), "nothing delivered twice, nothing else delivered")
	for q := 0; q < 4; q++ {
		assert.Equal(t, int64(50), e.committed("G", "T", q), "queue %d fully committed at shutdown", q)
	}
	for _, m := range rec.msgs {
		assert.Equal(t, "T", m.Topic)
		assert.NotEmpty(t, m.Property(message.PropertyMaxOffset))
	}
	require.NoError(t, c.Shutdown(), "idempotent")
	checkNoLeak(t, base)
}

func TestStartNeedsAListenerAndAGroup(t *testing.T) {
	_, err := consumer.NewPush(consumer.PushConfig{})
	assert.ErrorIs(t, err, consumer.ErrBadGroup)
	_, err = consumer.NewPush(consumer.PushConfig{Group: message.DefaultConsumerGroup})
	assert.ErrorIs(t, err, consumer.ErrBadGroup)

	e := newEnv(t)
	c, err := consumer.NewPush(e.config("G", "nolistener"))
	require.NoError(t, err)
	assert.ErrorIs(t, c.Start(), consumer.ErrNoListener)
	assert.ErrorIs(t, c.RegisterListener(nil), consumer.ErrBadArgument)
	require.NoError(t, c.RegisterListener(func([]*message.MessageExt) consumer.ConsumeStatus { return consumer.ConsumeSuccess }))
	require.NoError(t, c.Subscribe("T", ""))
	require.NoError(t, c.Start())
	require.NoError(t, c.Start(), "a second Start does nothing")
	assert.ErrorIs(t, c.Subscribe("U", "*"), consumer.ErrStarted)
	assert.ErrorIs(t, c.RegisterOrderlyListener(func([]*message.MessageExt) consumer.ConsumeStatus { return 0 }), consumer.ErrStarted)
	require.NoError(t, c.Shutdown())
	assert.ErrorIs(t, c.Start(), consumer.ErrShutdown)
}

func TestSameGroupAndInstanceIsRefused(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 2)
	rec := newRecorder()
	e.push(e.config("G", "same"), map[string]string{"T": "*"}, false, rec.listener(nil))
	c, err := consumer.NewPush(e.config("G", "same"))
	require.NoError(t, err)
	require.NoError(t, c.RegisterListener(rec.listener(nil)))
	assert.Error(t, c.Start(), "the C++ client refuses a second consumer of a group under one client id")
}

func TestTagFilterAndFilteredTailIsCommitted(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	rec := newRecorder()
	c := e.push(e.config("G", "tags"), map[string]string{"T": "TagA || TagB"}, false, rec.listener(nil))
	want := []string{"a1", "b1", "a2"}
	e.send("T", 0, "TagA", "a1")
	e.send("T", 0, "TagC", "c1")
	e.send("T", 0, "TagB", "b1")
	e.send("T", 0, "", "none")
	e.send("T", 0, "TagA", "a2")
	e.send("T", 0, "TagC", "c2")
	e.send("T", 0, "TagC", "c3")
	rec.waitAll(t, want)
	// The last two were filtered out; the committed offset must still move past them.
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == 7 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	assert.Equal(t, 3, rec.total())
	for _, m := range rec.msgs {
		assert.Contains(t, []string{"TagA", "TagB"}, m.Tags())
	}
}

func TestRestartResumesWithoutRedelivery(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 2)
	first := bodies("first", 40)
	for i, b := range first {
		e.send("T", i%2, "", b)
	}
	rec := newRecorder()
	c := e.push(e.config("G", "restart"), map[string]string{"T": "*"}, false, rec.listener(nil))
	rec.waitAll(t, first)
	require.NoError(t, c.Shutdown())

	second := bodies("second", 40)
	for i, b := range second {
		e.send("T", i%2, "", b)
	}
	rec2 := newRecorder()
	e.push(e.config("G", "restart"), map[string]string{"T": "*"}, false, rec2.listener(nil))
	rec2.waitAll(t, second)
	for _, b := range first {
		d, _ := rec2.count(b)
		assert.Zero(t, d, "%s delivered again after a clean restart", b)
	}
}

// A slow callback on offset N holds the committed offset at N however many messages after
// it succeed, and the commit catches up once it finishes.
func TestCommitNeverPassesAnUnfinishedMessage(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	warm := bodies("warm", 5)
	for _, b := range warm {
		e.send("T", 0, "", b)
	}
	release := make(chan struct{})
	var slowStarted atomic.Bool
	rec := newRecorder()
	record := rec.listener(nil)
	c := e.push(e.config("G", "slow"), map[string]string{"T": "*"}, false, func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		if string(msgs[0].Body) == "slow" {
			slowStarted.Store(true)
			<-release
		}
		return record(msgs)
	})
	rec.waitAll(t, warm)
	slow := e.send("T", 0, "", "slow")
	after := bodies("after", 10)
	for _, b := range after {
		e.send("T", 0, "", b)
	}
	rec.waitAll(t, after)
	require.True(t, slowStarted.Load())
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == slow }, wait, 10*time.Millisecond)
	require.Never(t, func() bool { return e.committed("G", "T", 0) > slow }, 500*time.Millisecond, 20*time.Millisecond,
		"the commit passed a message still being consumed")
	close(release)
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == slow+11 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
}

// A blocked listener fills a queue up to its limit and no further; nothing is dropped, and
// everything arrives once the listener is unblocked.
func TestFlowControlPausesPullsWithoutDropping(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	all := bodies("m", 300)
	for _, b := range all {
		e.send("T", 0, "", b)
	}
	gate := make(chan struct{})
	rec := newRecorder()
	record := rec.listener(nil)
	cfg := e.config("G", "flow")
	cfg.MaxCachedMessagesPerQueue = 50
	cfg.ThreadCount = 2
	c := e.push(cfg, map[string]string{"T": "*"}, false, func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		<-gate
		return record(msgs)
	})
	mq := route.MessageQueue{Topic: "T", BrokerName: e.b.BrokerName(), QueueID: 0}
	require.Eventually(t, func() bool { return consumer.Cached(c, mq) == 50 }, wait, 5*time.Millisecond)
	require.Never(t, func() bool { return consumer.Cached(c, mq) > 50 }, 300*time.Millisecond, 5*time.Millisecond)
	close(gate)
	rec.waitAll(t, all)
	require.NoError(t, c.Shutdown())
	assert.Zero(t, rec.duplicates(all))
}

// The size limit holds a queue's unfinished bodies near MaxCachedMiBPerQueue: past it no
// pull is made, so at most one pull's worth (256 KiB from the dev broker) goes over.
func TestFlowControlBySize(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	big := strings.Repeat("x", 64<<10)
	all := make([]string, 60)
	for i := range all {
		all[i] = strconv.Itoa(i) + big
		e.send("T", 0, "", all[i])
	}
	gate := make(chan struct{})
	rec := newRecorder()
	record := rec.listener(nil)
	cfg := e.config("G", "flowsize")
	cfg.MaxCachedMiBPerQueue = 1
	cfg.ThreadCount = 1
	c := e.push(cfg, map[string]string{"T": "*"}, false, func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		<-gate
		return record(msgs)
	})
	mq := route.MessageQueue{Topic: "T", BrokerName: e.b.BrokerName(), QueueID: 0}
	require.Eventually(t, func() bool { return consumer.CachedBytes(c, mq) >= 1<<20 }, wait, 5*time.Millisecond)
	require.Never(t, func() bool { return consumer.CachedBytes(c, mq) > 1<<20+256<<10 }, 300*time.Millisecond, 5*time.Millisecond)
	close(gate)
	rec.waitAll(t, all)
	require.NoError(t, c.Shutdown())
	assert.Zero(t, rec.duplicates(all))
}

// Shutdown waits for a listener call in flight and commits its success.
func TestShutdownWaitsForRunningCallbacks(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	base := leakBase()
	entered := make(chan struct{})
	release := make(chan struct{})
	var once atomic.Bool
	c := e.push(e.config("G", "inflight"), map[string]string{"T": "*"}, false, func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		if once.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
		return consumer.ConsumeSuccess
	})
	e.send("T", 0, "", "only")
	<-entered
	done := make(chan error, 1)
	go func() { done <- c.Shutdown() }()
	select {
	case <-done:
		t.Fatal("Shutdown returned while a callback was running")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("Shutdown did not return")
	}
	assert.Equal(t, int64(1), e.committed("G", "T", 0), "the callback's success was committed")
	checkNoLeak(t, base)
}

// A callback that never returns delays Shutdown by ShutdownTimeout only.
func TestShutdownWaitIsBounded(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	base := leakBase()
	entered := make(chan struct{})
	release := make(chan struct{})
	cfg := e.config("G", "stuck")
	cfg.ShutdownTimeout = 200 * time.Millisecond
	c := e.push(cfg, map[string]string{"T": "*"}, false, func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		close(entered)
		<-release
		return consumer.ConsumeSuccess
	})
	e.send("T", 0, "", "stuck")
	<-entered
	start := time.Now()
	require.NoError(t, c.Shutdown())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, int64(0), e.committed("G", "T", 0), "an unfinished message is not committed")
	close(release) // only the stuck worker was left; it goes now
	checkNoLeak(t, base)
}

// A listener may use the library: here a producer's send and its own consumer's admin view.
func TestCallbackMayCallTheLibrary(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	e.topic("Out", 1)
	p, err := producer.New(producer.Config{Group: "EchoProducer", Client: client.Config{NameServerAddrs: []string{e.b.NameServerAddr()}}})
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	rec := newRecorder()
	record := rec.listener(nil)
	var self atomic.Pointer[consumer.PushConsumer]
	var callErr atomic.Value
	c := e.push(e.config("G", "reentrant"), map[string]string{"T": "*", "Out": "*"}, false, func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		if msgs[0].Topic == "T" {
			if _, err := self.Load().RunningInfo(false); err != nil {
				callErr.Store(err)
			}
			echo := &message.Message{Topic: "Out", Body: append([]byte("echo-"), msgs[0].Body...)}
			if _, err := p.SendSync(context.Background(), echo); err != nil {
				callErr.Store(err)
				return consumer.ReconsumeLater
			}
		}
		return record(msgs)
	})
	self.Store(c)
	e.send("T", 0, "", "ping")
	rec.waitAll(t, []string{"ping", "echo-ping"})
	assert.Nil(t, callErr.Load())
	require.NoError(t, c.Shutdown())
}
