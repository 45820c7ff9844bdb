package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// TestBatchAndCompressedMessages covers the two other shapes Apache's producer sends:
// a batch (SendSync with several messages: SEND_BATCH_MESSAGE, one body holding every
// message) and a body over 4 KiB, which the client zlib-compresses and flags in sysFlag.
// Each batch member must come out as its own message with its own UNIQ_KEY on consecutive
// queue offsets, and a compressed body must come back intact.
func TestBatchAndCompressedMessages(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(4)
	p := e.newProducer()
	col := newCollector()
	e.newPushConsumer(e.name("cg"), topic, consumer.MessageSelector{}, col.handler("c"))

	// Batches of 10.
	var batchIDs []string
	type batchSent struct {
		ids []string
		res *primitive.SendResult
	}
	var batches []batchSent
	for b := 0; b < 5; b++ {
		var msgs []*primitive.Message
		var bids []string
		for i := 0; i < 10; i++ {
			id := fmt.Sprintf("batch%d-%d", b, i)
			bids = append(bids, id)
			msgs = append(msgs, newMsg(topic, id))
		}
		res, err := p.SendSync(context.Background(), msgs...)
		require.NoError(t, err, "batch send %d", b)
		require.Equal(t, primitive.SendOK, res.Status)
		batches = append(batches, batchSent{bids, res})
		batchIDs = append(batchIDs, bids...)
	}

	// Bodies over CompressMsgBodyOverHowmuch (4 KiB).
	var bigIDs []string
	bigBody := func(id string) []byte {
		return []byte(strings.Repeat("compressible "+id+" ", 1000))
	}
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("big-%d", i)
		m := newMsg(topic, id)
		m.Body = bigBody(id)
		res, err := p.SendSync(context.Background(), m)
		require.NoError(t, err, "send %s (%d bytes)", id, len(m.Body))
		require.Equal(t, primitive.SendOK, res.Status)
		bigIDs = append(bigIDs, id)
	}

	all := append(append([]string{}, batchIDs...), bigIDs...)
	col.waitAll(t, all, 30*time.Second)
	settle(t, col, 300*time.Millisecond)
	col.requireExactlyOnce(t, all)

	col.mu.Lock()
	defer col.mu.Unlock()
	// Apache's Go client v2.1.2 gives batch members no UNIQ_KEY (and so an empty
	// SendResult.MsgID): their MsgId is the broker's offset id, which the send result
	// lists per member.
	for _, b := range batches {
		offIDs := strings.Split(b.res.OffsetMsgID, ",")
		require.Len(t, offIDs, len(b.ids), "a batch's SendResult.OffsetMsgID (the broker's msgId ext) lists one offset id per member: %q", b.res.OffsetMsgID)
		for i, id := range b.ids {
			m := col.first[id]
			require.Equal(t, offIDs[i], m.OffsetMsgId, "%s: offset msgId of batch member %d", id, i)
			require.Equal(t, m.OffsetMsgId, m.MsgId, "%s: a member without UNIQ_KEY is known by its offset id", id)
			require.Equal(t, b.res.MessageQueue.QueueId, m.Queue.QueueId, "%s: a batch goes to one queue", id)
			require.Equal(t, b.res.QueueOffset+int64(i), m.QueueOffset, "%s: batch members take consecutive offsets from the one in the send result", id)
			require.Equal(t, "body of "+id, string(m.Body))
			require.Equal(t, id, m.GetKeys())
		}
	}
	for _, id := range bigIDs {
		m := col.first[id]
		require.Equal(t, string(bigBody(id)), string(m.Body), "%s: compressed body round trip", id)
		require.NotZero(t, m.SysFlag&primitive.FlagCompressed, "%s: the record's sysFlag should keep the producer's COMPRESSED flag", id)
	}
}
