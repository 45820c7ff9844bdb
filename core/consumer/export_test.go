package consumer

import (
	"testing"
	"time"

	"github.com/rocketmq-go/librocketmq/core/route"
)

// FastTimings shortens upstream's waits for the duration of a test.
func FastTimings(t testing.TB) {
	saved := []time.Duration{pullBackoff, localRetryDelay, lockRetryDelay, orderlyYield, offsetMovedSettle, flowControlDelay}
	pullBackoff, localRetryDelay, lockRetryDelay = 100*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond
	orderlyYield, offsetMovedSettle, flowControlDelay = 50*time.Millisecond, 500*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() {
		pullBackoff, localRetryDelay, lockRetryDelay = saved[0], saved[1], saved[2]
		orderlyYield, offsetMovedSettle, flowControlDelay = saved[3], saved[4], saved[5]
	})
}

// Owned lists the queues a push consumer pulls now.
func Owned(c *PushConsumer) []route.MessageQueue { return c.ownedQueues() }

// Cached is the number of unfinished messages a push consumer holds for a queue (-1 when
// it does not own the queue).
func Cached(c *PushConsumer, mq route.MessageQueue) int {
	if t := c.task(mq); t != nil {
		return t.pq.Count()
	}
	return -1
}

// Pending is the number of consume tasks waiting for a worker.
func Pending(c *PushConsumer) int { return c.work.pending() }

// ClientID is the id brokers know a push consumer by.
func ClientID(c *PushConsumer) string { return c.client.ID() }

// CachedBytes is the body size of the unfinished messages a push consumer holds for a
// queue (-1 when it does not own the queue).
func CachedBytes(c *PushConsumer, mq route.MessageQueue) int64 {
	if t := c.task(mq); t != nil {
		return t.pq.Bytes()
	}
	return -1
}
