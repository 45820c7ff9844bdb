package interop

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestBrokerLimits drives the broker's size and topic-name checks. Apache's client checks
// both itself before sending, so the broker's own answers are driven with raw requests
// (spelled out below) and the client only shows that a body at the limit goes through.
func TestBrokerLimits(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(1)
	addr := e.brokerAddrOf(topic)

	send := func(topic string, body []byte) *remoting.Command {
		t.Helper()
		ext := map[string]string{"a": e.name("pg"), "b": topic, "c": "TBW102", "d": "4", "e": "0", "f": "0",
			"g": strconv.FormatInt(time.Now().UnixMilli(), 10), "h": "0", "i": "", "j": "0", "k": "false", "m": "false"}
		resp, err := e.rc.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.SendMessageV2, ext, body), 10*time.Second)
		require.NoError(t, err)
		return resp
	}

	// A body over the broker's maxMessageSize (4 MiB) is MESSAGE_ILLEGAL.
	resp := send(topic, make([]byte, 4<<20+1))
	require.Equal(t, remoting.MessageIllegal, resp.Code, "4 MiB + 1 body: %s", resp.Remark)
	// Exactly 4 MiB is accepted.
	resp = send(topic, make([]byte, 4<<20))
	require.Equal(t, remoting.Success, resp.Code, "4 MiB body: %s", resp.Remark)
	// Topic names outside ^[%|a-zA-Z0-9_-]+$ or over 127 bytes: SYSTEM_ERROR, as Java's
	// TopicValidator answers.
	for _, bad := range []string{"bad topic!", string(bytes.Repeat([]byte("t"), 128))} {
		resp = send(bad, []byte("x"))
		require.Equal(t, remoting.SystemError, resp.Code, "topic %.20q: %s", bad, resp.Remark)
	}

	// Through Apache's client, which compresses bodies over 4 KiB: the limit applies to the
	// body as sent. Random bytes grow a little under zlib, so 4 MiB - 1 KiB of them ends up
	// over the limit and the broker refuses it, while 4 MiB - 64 KiB still fits.
	p := e.newProducer()
	random := func(n int) []byte { b := make([]byte, n); _, _ = rand.Read(b); return b }
	_, err := p.SendSync(context.Background(), &primitive.Message{Topic: topic, Body: random(4<<20 - 1<<10)})
	require.ErrorContains(t, err, "CODE: 13", "compressed past the limit: MESSAGE_ILLEGAL from the broker")
	res, err := p.SendSync(context.Background(), &primitive.Message{Topic: topic, Body: random(4<<20 - 64<<10)})
	require.NoError(t, err)
	require.Equal(t, primitive.SendOK, res.Status)
}

// TestMillionMessageQueue stores a million messages in one queue, then reads its first and
// last messages with Apache's pull consumer: offsets, bodies and the broker's min/max
// offsets stay right at that depth.
func TestMillionMessageQueue(t *testing.T) {
	e := newEnv(t)
	if !e.internal() {
		t.Skip("fills a queue with a million messages: only against the in-process dev broker")
	}
	const total = 1_000_000
	topic := e.createTopic(1)
	addr := e.brokerAddrOf(topic)

	const perBatch = 1000
	msgs := make([]*message.Message, perBatch)
	for sent := 0; sent < total; sent += perBatch {
		for i := range msgs {
			msgs[i] = &message.Message{Topic: topic, Body: []byte("m" + strconv.Itoa(sent+i))}
		}
		ext := map[string]string{"a": e.name("pg"), "b": topic, "c": "TBW102", "d": "4", "e": "0", "f": "0",
			"g": strconv.FormatInt(time.Now().UnixMilli(), 10), "h": "0", "i": "", "j": "0", "k": "false", "m": "true"}
		resp, err := e.rc.InvokeSync(context.Background(), addr,
			remoting.NewRequest(remoting.SendBatchMessage, ext, message.AppendBatch(nil, msgs)), 10*time.Second)
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, "batch at %d: %s", sent, resp.Remark)
	}

	pc, err := rocketmq.NewPullConsumer(
		consumer.WithNameServer([]string{e.nsAddr}),
		consumer.WithGroupName(e.name("pullg")),
		consumer.WithInstance(e.instance("pull")),
	)
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{}))
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Shutdown() })
	mq := &primitive.MessageQueue{Topic: topic, BrokerName: e.broker.BrokerName(), QueueId: 0}
	for _, from := range []int64{0, total / 2, total - 5} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := pc.PullFrom(ctx, mq, from, 5)
		cancel()
		require.NoError(t, err)
		require.Equal(t, primitive.PullFound, res.Status, "pull from %d", from)
		require.Equal(t, int64(0), res.MinOffset)
		require.Equal(t, int64(total), res.MaxOffset)
		got := res.GetMessageExts()
		require.Len(t, got, 5, "pull from %d", from)
		for i, m := range got {
			require.Equal(t, from+int64(i), m.QueueOffset)
			require.Equal(t, fmt.Sprintf("m%d", from+int64(i)), string(m.Body))
		}
	}
}
