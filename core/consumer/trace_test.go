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
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

// traceRecords pulls every record stored in the trace topic so far.
func (e *env) traceRecords() [][]string {
	e.t.Helper()
	var out [][]string
	for q := 0; q < 8; q++ {
		for offset := int64(0); ; {
			resp, err := e.raw.InvokeSync(context.Background(), e.b.BrokerAddr(), remoting.NewRequest(remoting.PullMessage, map[string]string{
				"consumerGroup": "TraceReader", "topic": trace.Topic, "queueId": strconv.Itoa(q),
				"queueOffset": strconv.FormatInt(offset, 10), "maxMsgNums": "32",
				"sysFlag": "4", "commitOffset": "0", "suspendTimeoutMillis": "0",
				"subscription": "*", "subVersion": "0", "expressionType": "TAG",
			}, nil), wait)
			require.NoError(e.t, err)
			if resp.Code != remoting.Success {
				break
			}
			msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{})
			require.NoError(e.t, err)
			for _, m := range msgs {
				out = append(out, trace.Split(m.Body)...)
			}
			next, err := strconv.ParseInt(resp.Ext("nextBeginOffset"), 10, 64)
			require.NoError(e.t, err)
			offset = next
		}
	}
	return out
}

func TestTraceSubBeforeAndSubAfter(t *testing.T) {
	e := newEnvWith(t, quickDelays)
	e.topic("T", 2)
	base := leakBase()
	sent := bodies("traced", 6)
	for i, b := range sent {
		e.send("T", i%2, "TagT", b)
	}
	rec := newRecorder()
	cfg := e.config("TracedCG", "traced")
	cfg.FromWhere = consumer.FromFirstOffset
	cfg.Trace = true
	failed := sent[0]
	c := e.push(cfg, map[string]string{"T": "*"}, false, rec.listener(func(m *message.MessageExt) consumer.ConsumeStatus {
		if string(m.Body) == failed && m.ReconsumeTimes == 0 {
			return consumer.ReconsumeLater
		}
		return consumer.ConsumeSuccess
	}))
	rec.waitAll(t, sent)
	require.Eventually(t, func() bool { d, s := rec.count(failed); return d >= 2 && s >= 1 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown()) // flushes the records
	checkNoLeak(t, base)

	recs := e.traceRecords()
	befores := map[string][]string{} // requestId → SubBefore
	var afters [][]string
	for _, r := range recs {
		switch r[0] {
		case "SubBefore":
			require.Len(t, r, 8, "%q", r)
			befores[r[4]] = r
		case "SubAfter":
			require.Len(t, r, 9, "%q", r)
			afters = append(afters, r)
		default:
			t.Fatalf("unexpected record %q", r)
		}
	}
	require.GreaterOrEqual(t, len(befores), len(sent)+1, "one listener call per message, and the retry")
	require.Len(t, afters, len(befores))
	keys := map[string]bool{}
	sawFailure, sawRetry := false, false
	for _, a := range afters {
		b := befores[a[1]]
		require.NotNil(t, b, "SubAfter without SubBefore: %q", a)
		assert.Equal(t, "TracedCG", b[3])
		assert.Equal(t, "TracedCG", a[8])
		assert.Equal(t, b[5], a[2], "msgId")
		assert.NotEmpty(t, b[5])
		assert.Equal(t, b[7], a[5], "keys")
		keys[a[5]] = true
		if a[4] == "false" {
			sawFailure = true
			assert.Equal(t, "4", a[6], "FAILED")
			assert.Equal(t, "0", b[6], "retryTimes")
			assert.True(t, strings.HasPrefix(a[5], failed[:min(len(failed), 32)]))
		} else {
			assert.Equal(t, "0", a[6], "SUCCESS")
			if b[6] == "1" {
				sawRetry = true
			}
		}
	}
	assert.True(t, sawFailure, "the failed call is traced")
	assert.True(t, sawRetry, "the retry is traced with its retryTimes")
	for _, b := range sent {
		assert.True(t, keys[b[:min(len(b), 32)]], "message %s traced", b)
	}
}
