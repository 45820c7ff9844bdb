package devbroker

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestMillionMessagesInOneQueue stores a million small messages in one queue through
// SEND_BATCH_MESSAGE and checks that the heap grows with the bytes stored, not with the
// number of messages (no Go object per message), and that a consumer can read the queue at
// both ends.
func TestMillionMessagesInOneQueue(t *testing.T) {
	const total, batch = 1_000_000, 2000
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()

	msgs := make([]*message.Message, batch)
	for i := range msgs {
		msgs[i] = &message.Message{Topic: "T", Body: []byte("0123456789abcdef")}
	}
	body := message.AppendBatch(nil, msgs)
	ext := wireSendV2("T", 0, nil, true)
	for sent := 0; sent < total; sent += batch {
		resp := w.call(remoting.SendBatchMessage, ext, body)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	elapsed := time.Since(start)
	require.Equal(t, int64(total), w.b.store.maxOffset("T", 0))

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	w.b.store.mu.RLock()
	var stored int64
	for _, seg := range w.b.store.segs {
		stored += int64(len(seg))
	}
	w.b.store.mu.RUnlock()
	growth := int64(after.HeapInuse) - int64(before.HeapInuse)
	objects := int64(after.HeapObjects) - int64(before.HeapObjects)
	t.Logf("%d messages, %d bytes stored in %v; heap in use grew %d bytes (%.2f× stored), %d objects",
		total, stored, elapsed, growth, float64(growth)/float64(stored), objects)
	// Segments are allocated whole (64 MiB), and each message costs a 24-byte consume-queue
	// entry besides its record.
	budget := 3*stored + 2*w.b.store.segSize + 16<<20
	assert.Less(t, growth, budget, "heap growth bounded by the store")
	assert.Less(t, objects, int64(total/20), "no Go object per message")

	first := w.decode(w.pull("T", 0, 0, 32, "*"))
	require.Len(t, first, 32)
	assert.Equal(t, int64(0), first[0].QueueOffset)
	last := w.decode(w.pull("T", 0, total-1, 32, "*"))
	require.Len(t, last, 1)
	assert.Equal(t, int64(total-1), last[0].QueueOffset)
	assert.Equal(t, "0123456789abcdef", string(last[0].Body))
	w.assertPull(w.pull("T", 0, total, 32, "*"), remoting.PullNotFound, "OFFSET_OVERFLOW_ONE", total, 0, total)
}
