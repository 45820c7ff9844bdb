package producer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// answer makes the broker answer every send with these ext fields.
func answer(ext map[string]string) func(*remoting.Command) (*remoting.Command, bool) {
	return func(*remoting.Command) (*remoting.Command, bool) {
		resp := remoting.NewResponse(remoting.Success, "")
		resp.ExtFields = ext
		return resp, true
	}
}

// A result's texts are read out of the response frame, whose buffer is reused for later
// frames: they must stay as they were, however long or escaped, and whichever way they are
// stored (beside the result, or on their own when they do not fit there).
func TestResultKeepsTheBrokersTexts(t *testing.T) {
	b := startBroker(t, "broker-a")
	ext := map[string]string{
		"msgId":                     strings.Repeat("AB", 28), // an IPv6 broker's
		"queueId":                   "3",
		"queueOffset":               "1234567890123",
		"transactionId":             "tx\"\x01" + strings.Repeat("t", 100), // escaped in JSON; too long to sit beside the result
		message.PropertyMsgRegion:   "Region-1",
		message.PropertyTraceSwitch: "false",
	}
	b.SetHook(remoting.SendMessageV2, answer(ext))
	p := newProducer(t, b.NameServerAddr(), nil)
	check := func(res *producer.SendResult) {
		t.Helper()
		assert.Equal(t, producer.SendOK, res.Status)
		assert.Equal(t, ext["msgId"], res.OffsetMsgID)
		assert.Equal(t, 3, res.Queue.QueueID)
		assert.Equal(t, int64(1234567890123), res.QueueOffset)
		assert.Equal(t, ext["transactionId"], res.TransactionID)
		assert.Equal(t, "Region-1", res.RegionID)
		assert.False(t, res.TraceOn)
		assert.Len(t, res.MsgID, 32)
	}
	first, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.NoError(t, err)
	check(first)
	async := make(chan *producer.SendResult, 1)
	require.NoError(t, p.SendAsync(context.Background(), newMessage("T", "x"), func(res *producer.SendResult, err error) {
		assert.NoError(t, err)
		async <- res
	}))
	check(recv(t, async))

	b.SetHook(remoting.SendMessageV2, answer(map[string]string{"msgId": "7F00000100002A9F0000000000000000",
		"queueId": "1", "queueOffset": "2"}))
	for range 20 {
		res, err := p.SendSync(context.Background(), newMessage("T", "y"))
		require.NoError(t, err)
		assert.Equal(t, "DefaultRegion", res.RegionID, "a broker that sends no region")
		assert.True(t, res.TraceOn)
	}
	check(first)
}

func TestMalformedSendResponse(t *testing.T) {
	b := startBroker(t, "broker-a")
	p := newProducer(t, b.NameServerAddr(), nil)
	for _, ext := range []map[string]string{
		{"msgId": "X", "queueId": "1"},
		{"msgId": "X", "queueId": "one", "queueOffset": "2"},
		{"msgId": "X", "queueId": "1", "queueOffset": "99999999999999999999"},
		{"msgId": "X", "queueId": "4294967296", "queueOffset": "2"},
	} {
		b.SetHook(remoting.SendMessageV2, answer(ext))
		_, err := p.SendSync(context.Background(), newMessage("T", "x"))
		require.ErrorIs(t, err, producer.ErrSendFailed, "%v", ext)
		assert.Contains(t, err.Error(), "malformed send response", "%v", ext)
	}
}
