package interop

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestPullConsumerByOffset reads one queue by explicit offsets with Apache's pull consumer
// (PullFrom): ranges come back complete and in order with the right next/min/max offsets,
// an offset past the end is reported illegal, and a pull at the end is held until a
// message arrives (long polling).
func TestPullConsumerByOffset(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(4)
	r, err := e.route(topic)
	require.NoError(t, err)
	brokerName := r.QueueDatas[0].BrokerName
	const qid = 2
	mq := &primitive.MessageQueue{Topic: topic, BrokerName: brokerName, QueueId: qid}

	p := e.newProducer(producer.WithQueueSelector(producer.NewManualQueueSelector()))
	send := func(id string, queue int) *primitive.SendResult {
		t.Helper()
		m := newMsg(topic, id)
		m.Queue = &primitive.MessageQueue{Topic: topic, BrokerName: brokerName, QueueId: queue}
		res, err := p.SendSync(context.Background(), m)
		require.NoError(t, err, "send %s to queue %d", id, queue)
		require.Equal(t, qid == queue, res.MessageQueue.QueueId == qid, "send %s went to queue %d", id, res.MessageQueue.QueueId)
		return res
	}
	const n = 50
	for i := 0; i < n; i++ {
		res := send(fmt.Sprintf("q%d-%d", qid, i), qid)
		require.Equal(t, int64(i), res.QueueOffset, "queue offset of message %d", i)
		if i%5 == 0 { // the other queues get traffic too
			send(fmt.Sprintf("other-%d", i), []int{0, 1, 3}[(i/5)%3])
		}
	}

	pc, err := rocketmq.NewPullConsumer(
		consumer.WithNameServer([]string{e.nsAddr}),
		consumer.WithGroupName(e.name("pullg")),
		consumer.WithInstance(e.instance("pull")),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	)
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}))
	require.NoError(t, pc.Start(), "pull consumer Start")
	t.Cleanup(func() { _ = pc.Shutdown() })

	pull := func(offset int64, num int) *primitive.PullResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := pc.PullFrom(ctx, mq, offset, num)
		require.NoError(t, err, "PullFrom(queue %d, offset %d, %d)", qid, offset, num)
		return res
	}
	checkRange := func(res *primitive.PullResult, from, count int) {
		t.Helper()
		require.Equal(t, primitive.PullFound, res.Status, "pull from %d: %s", from, res)
		msgs := res.GetMessageExts()
		require.Len(t, msgs, count, "pull from %d", from)
		for i, m := range msgs {
			want := fmt.Sprintf("q%d-%d", qid, from+i)
			require.Equal(t, want, m.GetProperty(idProp), "message %d of pull from %d", i, from)
			require.Equal(t, int64(from+i), m.QueueOffset, "queue offset of %s", want)
			require.Equal(t, "body of "+want, string(m.Body))
			require.Equal(t, topic, m.Topic)
		}
		checkRecords(t, res.GetBody(), count)
		require.Equal(t, int64(from+count), res.NextBeginOffset, "nextBeginOffset of pull from %d", from)
		require.Equal(t, int64(0), res.MinOffset, "minOffset")
		require.Equal(t, int64(n), res.MaxOffset, "maxOffset")
	}

	checkRange(pull(0, 32), 0, 32)
	checkRange(pull(32, 32), 32, n-32)
	checkRange(pull(20, 5), 20, 5)
	checkRange(pull(49, 1), 49, 1)

	// Past the end: Apache's broker answers PULL_OFFSET_MOVED.
	bad := pull(n+100, 8)
	require.Equal(t, primitive.PullOffsetIllegal, bad.Status,
		"pull from %d (max offset %d) should be PULL_OFFSET_MOVED: %s", n+100, n, bad)
	require.LessOrEqual(t, bad.NextBeginOffset, int64(n), "nextBeginOffset of an illegal pull must be corrected into [min, max]")

	// At the end: the pull is suspended and answered once a message arrives.
	arrived := make(chan struct{}, 1)
	if e.broker != nil {
		e.broker.SetHook(remoting.PullMessage, func(req *remoting.Command) (*remoting.Command, bool) {
			if req.Ext("topic") == topic && req.Ext("queueId") == fmt.Sprint(qid) && req.Ext("queueOffset") == fmt.Sprint(n) {
				select {
				case arrived <- struct{}{}:
				default:
				}
			}
			return nil, false
		})
		t.Cleanup(func() { e.broker.SetHook(remoting.PullMessage, nil) })
	} else {
		arrived <- struct{}{}
	}
	type result struct {
		res *primitive.PullResult
		err error
		dur time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		res, err := pc.PullFrom(context.Background(), mq, n, 8)
		done <- result{res, err, time.Since(start)}
	}()
	select {
	case <-arrived:
	case r := <-done:
		t.Fatalf("pull at the end returned before any message was sent: %v %v", r.res, r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("the pull at the end never reached the broker")
	}
	sentAt := time.Now()
	send(fmt.Sprintf("q%d-%d", qid, n), qid)
	select {
	case r := <-done:
		require.NoError(t, r.err)
		require.Equal(t, primitive.PullFound, r.res.Status,
			"a suspended pull at max offset should be answered with the new message (got %s after %v: the broker answered instead of holding the pull?)", r.res, r.dur)
		require.Len(t, r.res.GetMessageExts(), 1)
		require.Equal(t, fmt.Sprintf("q%d-%d", qid, n), r.res.GetMessageExts()[0].GetProperty(idProp))
		t.Logf("long-polled pull answered %v after the send", time.Since(sentAt))
	case <-time.After(10 * time.Second):
		t.Fatal("a suspended pull was not answered within 10s of a message arriving in its queue (the broker must wake held pulls on new messages)")
	}
}

// checkRecords walks a PULL_MESSAGE body as a Java client does: records chained by their
// TOTALSIZE, each starting with MESSAGE_MAGIC_CODE (0xdaa320a7), nothing left over.
func checkRecords(t *testing.T, body []byte, want int) {
	t.Helper()
	n := 0
	for off := 0; off < len(body); n++ {
		require.LessOrEqual(t, off+8, len(body), "record %d: truncated header at %d of %d bytes", n, off, len(body))
		size := int(binary.BigEndian.Uint32(body[off:]))
		magic := binary.BigEndian.Uint32(body[off+4:])
		require.Equal(t, uint32(0xdaa320a7), magic, "record %d at %d: magic code", n, off)
		require.Greater(t, size, 91, "record %d at %d: TOTALSIZE %d", n, off, size)
		require.LessOrEqual(t, off+size, len(body), "record %d at %d: TOTALSIZE %d runs past the body (%d bytes)", n, off, size, len(body))
		off += size
	}
	require.Equal(t, want, n, "records in the pull body")
}
