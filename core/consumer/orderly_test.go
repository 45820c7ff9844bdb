package consumer_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// orderLog records, per queue, the sequence numbers the listener was given.
type orderLog struct {
	mu       sync.Mutex
	given    map[int32][]int
	ok       map[int32][]int
	inFlight map[int32]int // concurrent calls per queue (must stay 0 or 1)
	overlap  atomic.Bool
}

func newOrderLog() *orderLog {
	return &orderLog{given: map[int32][]int{}, ok: map[int32][]int{}, inFlight: map[int32]int{}}
}

func seqOf(m *message.MessageExt) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(string(m.Body), "seq-"))
	return n
}

func (l *orderLog) listener(fail func(m *message.MessageExt, attempt int) bool) consumer.Listener {
	attempts := map[string]int{}
	return func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		if len(msgs) != 1 {
			panic("orderly listeners get one message at a time")
		}
		m := msgs[0]
		l.mu.Lock()
		l.inFlight[m.QueueID]++
		if l.inFlight[m.QueueID] > 1 {
			l.overlap.Store(true)
		}
		l.given[m.QueueID] = append(l.given[m.QueueID], seqOf(m))
		key := strconv.Itoa(int(m.QueueID)) + "/" + string(m.Body)
		attempts[key]++
		failNow := fail != nil && fail(m, attempts[key])
		l.mu.Unlock()

		time.Sleep(100 * time.Microsecond) // widen the window in which overlap would show

		l.mu.Lock()
		defer l.mu.Unlock()
		l.inFlight[m.QueueID]--
		if failNow {
			return consumer.ReconsumeLater
		}
		l.ok[m.QueueID] = append(l.ok[m.QueueID], seqOf(m))
		return consumer.ConsumeSuccess
	}
}

func (l *orderLog) done(queues, perQueue int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for q := 0; q < queues; q++ {
		if len(l.ok[int32(q)]) < perQueue {
			return false
		}
	}
	return true
}

// Every third message fails on its first attempts; each queue's successes still come in
// send order, a retry repeats the same message, and no queue is ever consumed twice at once.
func TestOrderlyKeepsQueueOrderUnderRetries(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 3)
	const perQueue = 60
	for i := 0; i < perQueue; i++ {
		for q := 0; q < 3; q++ {
			e.send("T", q, "", "seq-"+strconv.Itoa(i))
		}
	}
	log := newOrderLog()
	base := leakBase()
	c := e.push(e.config("G", "orderly"), map[string]string{"T": "*"}, true, log.listener(func(m *message.MessageExt, attempt int) bool {
		return seqOf(m)%3 == 0 && attempt <= 2
	}))
	require.Eventually(t, func() bool { return log.done(3, perQueue) }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	assert.False(t, log.overlap.Load(), "two calls ran on one queue at once")
	log.mu.Lock()
	defer log.mu.Unlock()
	for q := int32(0); q < 3; q++ {
		want := make([]int, perQueue)
		for i := range want {
			want[i] = i
		}
		assert.Equal(t, want, log.ok[q], "queue %d successes out of order", q)
		// Deliveries only ever repeat the last one or move to the next.
		given := log.given[q]
		for i := 1; i < len(given); i++ {
			d := given[i] - given[i-1]
			assert.True(t, d == 0 || d == 1, "queue %d: %d after %d", q, given[i], given[i-1])
		}
		assert.Len(t, given, perQueue+2*(perQueue/3))
	}
	for q := 0; q < 3; q++ {
		assert.Equal(t, int64(perQueue), e.committed("G", "T", q))
	}
	checkNoLeak(t, base)
}

// After MaxReconsumeTimes failures an orderly message goes to the dead-letter queue and the
// queue moves on. The broker has never seen it fail (orderly retries are local), so only a
// send-back with delay level -1 puts it there rather than in the retry topic.
func TestOrderlyGivesUpAfterMaxReconsumeTimes(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	for i := 0; i < 3; i++ {
		e.send("T", 0, "", "seq-"+strconv.Itoa(i))
	}
	log := newOrderLog()
	cfg := e.config("G", "dlq")
	cfg.MaxReconsumeTimes = 2
	c := e.push(cfg, map[string]string{"T": "*"}, true, log.listener(func(m *message.MessageExt, _ int) bool {
		return seqOf(m) == 1
	}))
	require.Eventually(t, func() bool {
		log.mu.Lock()
		defer log.mu.Unlock()
		return len(log.ok[0]) == 2
	}, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	log.mu.Lock()
	defer log.mu.Unlock()
	assert.Equal(t, []int{0, 1, 1, 1, 2}, log.given[0], "three attempts (reconsume times 0, 1, 2), then the next message")
	assert.Equal(t, int64(3), e.committed("G", "T", 0))
	dead := e.dlq("G", 1)
	require.Len(t, dead, 1)
	assert.Equal(t, "seq-1", string(dead[0].Body))
}

// Two orderly members of a group never consume one queue at the same time, even while the
// queues change hands.
func TestOrderlyMembersHandOverQueues(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 4)
	var unlocked atomic.Int32
	e.b.SetHook(remoting.UnlockBatchMQ, func(req *remoting.Command) (*remoting.Command, bool) {
		var body struct {
			MQSet []route.MessageQueue `json:"mqSet"`
		}
		if json.Unmarshal(req.Body, &body) == nil {
			unlocked.Add(int32(len(body.MQSet)))
		}
		return nil, false
	})
	log := newOrderLog()
	l := log.listener(nil)
	a := e.push(e.config("G", "oa"), map[string]string{"T": "*"}, true, l)
	const perQueue = 100
	var sending sync.WaitGroup
	sending.Add(1)
	go func() {
		defer sending.Done()
		for i := 0; i < perQueue; i++ {
			for q := 0; q < 4; q++ {
				e.send("T", q, "", "seq-"+strconv.Itoa(i))
			}
		}
	}()
	b := e.push(e.config("G", "ob"), map[string]string{"T": "*"}, true, l)
	require.Eventually(t, func() bool { return split("T", 4, a, b) }, wait, 10*time.Millisecond)
	sending.Wait()
	require.Eventually(t, func() bool { return log.done(4, perQueue) }, wait, 10*time.Millisecond)
	handedOver := unlocked.Load()
	assert.GreaterOrEqual(t, handedOver, int32(2), "a unlocked the queues it gave b")
	require.NoError(t, a.Shutdown())
	assert.Greater(t, unlocked.Load(), handedOver, "a unlocked its queues at shutdown")
	require.NoError(t, b.Shutdown())
	assert.False(t, log.overlap.Load(), "two members consumed one queue at once")
	log.mu.Lock()
	defer log.mu.Unlock()
	for q := int32(0); q < 4; q++ {
		got := log.ok[q]
		require.NotEmpty(t, got)
		assert.Equal(t, 0, got[0])
		// A handover may repeat the message the old owner was consuming, never skip or
		// reorder.
		for i := 1; i < len(got); i++ {
			d := got[i] - got[i-1]
			assert.True(t, d == 0 || d == 1, "queue %d: %d after %d", q, got[i], got[i-1])
		}
	}
}
