package consumer_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// ownedTopic lists a consumer's queues of one topic.
func ownedTopic(c *consumer.PushConsumer, topic string) []route.MessageQueue {
	var out []route.MessageQueue
	for _, mq := range consumer.Owned(c) {
		if mq.Topic == topic {
			out = append(out, mq)
		}
	}
	return out
}

// split reports whether the members' queues of topic are disjoint and cover n queues.
func split(topic string, n int, members ...*consumer.PushConsumer) bool {
	seen := map[route.MessageQueue]int{}
	for _, c := range members {
		for _, mq := range ownedTopic(c, topic) {
			seen[mq]++
		}
	}
	if len(seen) != n {
		return false
	}
	for _, k := range seen {
		if k != 1 {
			return false
		}
	}
	return true
}

func TestThreeMembersSplitQueuesWithoutDuplicates(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 8)
	rec := newRecorder()
	var members []*consumer.PushConsumer
	for i := 0; i < 3; i++ {
		members = append(members, e.push(e.config("G", fmt.Sprintf("m%d", i)), map[string]string{"T": "*"}, false, rec.listener(nil)))
	}
	require.Eventually(t, func() bool { return split("T", 8, members...) }, wait, 10*time.Millisecond)
	for _, c := range members {
		n := len(ownedTopic(c, "T"))
		assert.True(t, n == 2 || n == 3, "average allocation gives 3, 3 and 2 queues, not %d", n)
	}
	all := bodies("m", 300)
	for i, b := range all {
		e.send("T", i%8, "", b)
	}
	rec.waitAll(t, all)
	// Counted before any member leaves: leaving is a membership change, around which
	// duplicates are allowed.
	dups, total := rec.duplicates(all), rec.total()
	for _, c := range members {
		require.NoError(t, c.Shutdown())
	}
	assert.Zero(t, dups, "stable membership delivers each message once")
	assert.Equal(t, len(all), total)
}

// Messages keep flowing while a member joins and another leaves: none is lost, and the
// duplicates, which may only come from queues changing hands, are counted.
func TestJoinAndLeaveLoseNothing(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 8)
	rec := newRecorder()
	a := e.push(e.config("G", "a"), map[string]string{"T": "*"}, false, rec.listener(nil))
	require.Eventually(t, func() bool { return split("T", 8, a) }, wait, 10*time.Millisecond)

	all := bodies("m", 900)
	var sending sync.WaitGroup
	sending.Add(1)
	progress := make(chan int, len(all))
	go func() {
		defer sending.Done()
		for i, b := range all {
			e.send("T", i%8, "", b)
			progress <- i
			if i%10 == 0 {
				time.Sleep(time.Millisecond) // a steady stream, not a burst
			}
		}
	}()
	waitSent := func(n int) {
		for i := range progress {
			if i >= n {
				return
			}
		}
	}
	waitSent(300)
	b := e.push(e.config("G", "b"), map[string]string{"T": "*"}, false, rec.listener(nil))
	require.Eventually(t, func() bool { return split("T", 8, a, b) }, wait, 10*time.Millisecond)
	waitSent(600)
	require.NoError(t, a.Shutdown())
	require.Eventually(t, func() bool { return split("T", 8, b) }, wait, 10*time.Millisecond)
	sending.Wait()
	rec.waitAll(t, all)
	require.NoError(t, b.Shutdown())
	dups := rec.duplicates(all)
	t.Logf("%d messages, %d duplicate deliveries across one join and one leave", len(all), dups)
	assert.Less(t, dups, len(all)/3, "duplicates are confined to queues that changed hands")
}

func TestNotInTheMemberListTakesNothing(t *testing.T) {
	assert.Empty(t, consumer.AllocateAveragely("stranger",
		[]route.MessageQueue{{Topic: "T", BrokerName: "b", QueueID: 0}}, []string{"someone"}))
}

// A subscribed topic that does not exist yet is picked up by a later rebalance.
func TestTopicCreatedAfterStart(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder()
	c := e.push(e.config("G", "late"), map[string]string{"Later": "*"}, false, rec.listener(nil))
	assert.Empty(t, ownedTopic(c, "Later"))
	e.send("Later", 0, "", "first") // the broker creates the topic
	rec.waitAll(t, []string{"first"})
	assert.NotEmpty(t, ownedTopic(c, "Later"))
}

// A broker that forgot our subscriptions refuses pulls; the consumer heartbeats at once
// instead of waiting for the periodic one.
func TestLostSubscriptionBringsAHeartbeat(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	var refused, heartbeats atomic.Int32
	e.b.SetHook(remoting.PullMessage, func(req *remoting.Command) (*remoting.Command, bool) {
		if req.Ext("topic") == "T" && refused.Add(1) == 1 {
			return remoting.NewResponse(remoting.SubscriptionNotExist, "the consumer's group info not exist"), true
		}
		return nil, false
	})
	e.b.SetHook(remoting.HeartBeat, func(*remoting.Command) (*remoting.Command, bool) {
		heartbeats.Add(1)
		return nil, false
	})
	rec := newRecorder()
	e.push(e.config("G", "forgotten"), map[string]string{"T": "*"}, false, rec.listener(nil))
	e.send("T", 0, "", "m")
	rec.waitAll(t, []string{"m"})
	assert.GreaterOrEqual(t, heartbeats.Load(), int32(2), "the one at start, and one after the refusal")
}
