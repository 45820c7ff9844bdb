package consumer_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// Where a new group starts only matters when the broker has no offset to give it: a
// broker still holding a queue's first message answers 0 for a new group, whatever the
// consumer asks (Java's rule, which the dev broker keeps). A small store whose oldest
// segments are already dropped makes it answer "not found", so the consumer's FromWhere
// decides.
func TestNewGroupStartsWhereConfigured(t *testing.T) {
	e := newEnvWith(t, func(cfg *devbroker.Config) {
		// Two segments of about 34 KB (a segment holds the largest possible record).
		cfg.MaxMessageSize = 1024
		cfg.MaxStoreBytes = 100_000
	})
	e.topic("T", 1)
	padding := strings.Repeat("x", 1000)
	for _, b := range bodies("old", 100) {
		e.send("T", 0, "", b+padding)
	}
	require.Positive(t, e.queueOffset(remoting.GetMinOffset, "T", 0), "the store should have dropped its oldest messages")

	// A search by time answers the message stored closest to it (Java 4.x's rule, which
	// the dev broker keeps), so leave a clear gap between the old messages and the
	// boundary: the first recent message, sent at once, is then the closest.
	gapEnd := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(gapEnd) {
		time.Sleep(10 * time.Millisecond)
	}
	boundary := time.Now()
	recent := bodies("recent", 3)
	for _, b := range recent {
		e.send("T", 0, "", b)
	}

	t.Run("FromTimestamp", func(t *testing.T) {
		cfg := e.config("FromTimestamp", "ts")
		cfg.FromWhere = consumer.FromTimestamp
		cfg.ConsumeTimestamp = boundary
		rec := newRecorder()
		e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(nil))
		rec.waitAll(t, recent)
		assert.Equal(t, len(recent), rec.total(), "only messages stored at or after the timestamp")
	})

	t.Run("FromFirstOffset", func(t *testing.T) {
		cfg := e.config("FromFirst", "first")
		cfg.FromWhere = consumer.FromFirstOffset
		rec := newRecorder()
		e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(nil))
		rec.waitAll(t, recent)
		// Everything still stored: more than the recent ones, fewer than were sent.
		require.Eventually(t, func() bool {
			return int64(rec.total()) == e.queueOffset(remoting.GetMaxOffset, "T", 0)-e.queueOffset(remoting.GetMinOffset, "T", 0)
		}, wait, 10*time.Millisecond, "every stored message")
		assert.Greater(t, rec.total(), len(recent))
	})

	t.Run("FromLastOffset", func(t *testing.T) {
		cfg := e.config("FromLast", "last")
		cfg.FromWhere = consumer.FromLastOffset
		rec := newRecorder()
		c := e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(nil))
		// The start offset is taken when the queue is assigned; a message sent after
		// the group committed it is the first delivered.
		require.Eventually(t, func() bool { return e.committed("FromLast", "T", 0) >= 0 }, wait,
			10*time.Millisecond, "the consumer did not take the queue")
		e.send("T", 0, "", "after-start")
		rec.waitAll(t, []string{"after-start"})
		require.NoError(t, c.Shutdown())
		assert.Equal(t, 1, rec.total(), "nothing stored before the start")
	})
}

// queueOffset asks the broker for a queue's GET_MIN_OFFSET or GET_MAX_OFFSET.
func (e *env) queueOffset(code int32, topic string, queueID int) int64 {
	e.t.Helper()
	resp, err := e.raw.InvokeSync(context.Background(), e.b.BrokerAddr(), remoting.NewRequest(code,
		map[string]string{"topic": topic, "queueId": strconv.Itoa(queueID)}, nil), wait)
	require.NoError(e.t, err)
	require.Equal(e.t, remoting.Success, resp.Code, resp.Remark)
	o, err := strconv.ParseInt(resp.Ext("offset"), 10, 64)
	require.NoError(e.t, err)
	return o
}
