package consumer

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rocketmq-go/librocketmq/core/message"
)

func msgsAt(offsets ...int64) []*message.MessageExt {
	var out []*message.MessageExt
	for _, o := range offsets {
		out = append(out, &message.MessageExt{Message: message.Message{Body: []byte("xx")}, QueueOffset: o})
	}
	return out
}

func TestCommitOffsetIsTheLowestUnfinished(t *testing.T) {
	pq := NewProcessQueue()
	assert.Equal(t, int64(-1), pq.CommitOffset())
	all := msgsAt(10, 11, 12, 13)
	assert.Equal(t, 4, pq.Add(all))
	assert.Equal(t, 0, pq.Add(msgsAt(11, 12)), "duplicates from a repeated pull are ignored")
	assert.Equal(t, int64(8), pq.Bytes())

	assert.Equal(t, int64(10), pq.Remove(all[1:3]), "10 is still in flight")
	assert.Equal(t, int64(13), pq.Remove(all[:1]))
	assert.Equal(t, int64(14), pq.Remove(all[3:]), "all done: one past the highest")
	assert.Equal(t, 0, pq.Count())
	assert.Equal(t, int64(0), pq.Bytes())
}

// A pull that found a message and then scanned past messages the filter dropped: once the
// message is finished the commit passes the dropped ones too, without waiting for a
// later pull (which may be held by the broker for as long as its suspend time).
func TestFinishingThePulledCommitsPastTheFilteredTail(t *testing.T) {
	pq := NewProcessQueue()
	assert.Equal(t, int64(-1), pq.Advance(0), "nothing pulled from an empty queue")
	found := msgsAt(4)
	pq.Add(found)
	assert.Equal(t, int64(4), pq.Advance(7), "4 is unfinished")
	assert.Equal(t, int64(7), pq.Remove(found), "5 and 6 were filtered out")
	assert.Equal(t, int64(7), pq.Advance(6), "a smaller next never moves the commit back")
	assert.Equal(t, int64(9), pq.Advance(9), "a pull that found only filtered messages")
}

func TestCommitOffsetUnderRandomCompletion(t *testing.T) {
	pq := NewProcessQueue()
	var offsets []int64
	for o := int64(0); o < 5000; o++ {
		offsets = append(offsets, o)
	}
	pq.Add(msgsAt(offsets...))
	done := map[int64]bool{}
	rand.Shuffle(len(offsets), func(i, j int) { offsets[i], offsets[j] = offsets[j], offsets[i] })
	for _, o := range offsets {
		got := pq.Remove(msgsAt(o))
		done[o] = true
		want := int64(0)
		for done[want] {
			want++
		}
		if got != want {
			t.Fatalf("after finishing %d: commit offset %d, want %d", o, got, want)
		}
	}
}

func TestOrderlyTakeCommitReturn(t *testing.T) {
	pq := NewProcessQueue()
	pq.Add(msgsAt(0, 1, 2))
	first := pq.TakeNext(1)
	assert.Equal(t, int64(0), first[0].QueueOffset)
	assert.Nil(t, pq.TakeNext(1), "one batch at a time")
	pq.ReturnTaken()
	again := pq.TakeNext(1)
	assert.Equal(t, int64(0), again[0].QueueOffset, "a failed message comes back first, never reordered")
	assert.Equal(t, int64(1), pq.CommitTaken())
	assert.Equal(t, int64(1), pq.TakeNext(5)[0].QueueOffset)
	assert.Equal(t, int64(3), pq.CommitTaken())
}
