package consumer_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// ReconsumeLater sends the message back; the broker redelivers it through the retry topic
// with a reconsume count, and the listener sees the original topic.
func TestReconsumeLaterIsRedeliveredThroughTheBroker(t *testing.T) {
	e := newEnvWith(t, quickDelays)
	e.topic("T", 2)
	rec := newRecorder()
	c := e.push(e.config("G", "retry"), map[string]string{"T": "*"}, false, rec.listener(func(m *message.MessageExt) consumer.ConsumeStatus {
		if string(m.Body) == "again" && m.ReconsumeTimes == 0 {
			return consumer.ReconsumeLater
		}
		return consumer.ConsumeSuccess
	}))
	e.send("T", 1, "TagA", "again")
	e.send("T", 0, "TagA", "fine")
	require.Eventually(t, func() bool { _, ok := rec.count("again"); return ok == 1 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	delivered, _ := rec.count("again")
	assert.Equal(t, 2, delivered)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var retried *message.MessageExt
	for _, m := range rec.msgs {
		if string(m.Body) == "again" && m.ReconsumeTimes > 0 {
			retried = m
		}
	}
	require.NotNil(t, retried)
	assert.Equal(t, "T", retried.Topic, "the original topic is restored")
	assert.GreaterOrEqual(t, retried.ReconsumeTimes, int32(1))
	assert.Equal(t, "TagA", retried.Tags())
	assert.Equal(t, int64(1), e.committed("G", "T", 1), "sent back means finished")
}

// A message that keeps failing ends in the group's dead-letter queue after
// MaxReconsumeTimes redeliveries, and nothing else is held up meanwhile.
func TestPoisonMessageEndsInTheDLQ(t *testing.T) {
	e := newEnvWith(t, quickDelays)
	e.topic("T", 1)
	rec := newRecorder()
	cfg := e.config("G", "poison")
	cfg.MaxReconsumeTimes = 2
	c := e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(func(m *message.MessageExt) consumer.ConsumeStatus {
		if string(m.Body) == "poison" {
			return consumer.ReconsumeLater
		}
		return consumer.ConsumeSuccess
	}))
	e.send("T", 0, "", "poison")
	e.send("T", 0, "", "fine")
	rec.waitAll(t, []string{"fine"})
	require.Eventually(t, func() bool { d, _ := rec.count("poison"); return d == 3 }, wait, 10*time.Millisecond)

	found := e.dlq("G", 1)
	require.Len(t, found, 1)
	assert.Equal(t, "poison", string(found[0].Body))
	require.NoError(t, c.Shutdown())
	d, _ := rec.count("poison")
	assert.Equal(t, 3, d, "delivered with reconsume times 0, 1 and 2, then given up")
}

// When the broker will not take a message back, it is consumed here again and the
// committed offset waits for it.
func TestFailedSendBackRetriesLocally(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	var refusals atomic.Int32
	e.b.SetHook(remoting.ConsumerSendMsgBack, func(req *remoting.Command) (*remoting.Command, bool) {
		refusals.Add(1)
		return remoting.NewResponse(remoting.SystemError, "no"), true
	})
	var attempts atomic.Int32
	release := make(chan struct{})
	rec := newRecorder()
	c := e.push(e.config("G", "local"), map[string]string{"T": "*"}, false, rec.listener(func(m *message.MessageExt) consumer.ConsumeStatus {
		if string(m.Body) != "flaky" {
			return consumer.ConsumeSuccess
		}
		if attempts.Add(1) == 1 {
			return consumer.ReconsumeLater
		}
		<-release // the second attempt holds on, so the commit can be observed meanwhile
		return consumer.ConsumeSuccess
	}))
	flaky := e.send("T", 0, "", "flaky")
	after := bodies("after", 5)
	for _, b := range after {
		e.send("T", 0, "", b)
	}
	rec.waitAll(t, after)
	require.Eventually(t, func() bool { return attempts.Load() == 2 }, wait, 10*time.Millisecond)
	require.Never(t, func() bool { return e.committed("G", "T", 0) > flaky }, 300*time.Millisecond, 20*time.Millisecond)
	close(release)
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == flaky+6 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var second *message.MessageExt
	for _, m := range rec.msgs {
		if string(m.Body) == "flaky" {
			second = m
		}
	}
	assert.Equal(t, int32(1), second.ReconsumeTimes, "a local retry counts as a reconsume")
	assert.Equal(t, int32(1), refusals.Load())
}

// Broadcasting has no retry topic: a failed message is dropped, as upstream does.
func TestBroadcastFailureIsDropped(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	rec := newRecorder()
	cfg := e.config("G", "bfail")
	cfg.Model = consumer.Broadcasting
	cfg.OffsetDir = t.TempDir()
	cfg.FromWhere = consumer.FromFirstOffset
	c := e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(func(m *message.MessageExt) consumer.ConsumeStatus {
		if string(m.Body) == "bad" {
			return consumer.ReconsumeLater
		}
		return consumer.ConsumeSuccess
	}))
	e.send("T", 0, "", "bad")
	e.send("T", 0, "", "good")
	rec.waitAll(t, []string{"good"})
	require.NoError(t, c.Shutdown())
	d, _ := rec.count("bad")
	assert.Equal(t, 1, d)
}
