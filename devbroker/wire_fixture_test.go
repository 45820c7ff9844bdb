package devbroker

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// wireFixture is a running broker and a client talking to it over loopback, for the send,
// pull and queue-offset tests.
type wireFixture struct {
	t *testing.T
	b *Broker
	c *remoting.Client
}

func newWireFixture(t *testing.T, cfg Config) *wireFixture {
	t.Helper()
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	b, err := Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	c := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { c.Close() })
	return &wireFixture{t: t, b: b, c: c}
}

func (w *wireFixture) call(code int32, ext map[string]string, body []byte) *remoting.Command {
	w.t.Helper()
	resp, err := w.c.InvokeSync(context.Background(), w.b.BrokerAddr(), remoting.NewRequest(code, ext, body), 10*time.Second)
	require.NoError(w.t, err)
	return resp
}

// wireSendV1 is a SEND_MESSAGE header as rocketmq-client-go writes it.
func wireSendV1(topic string, queueID int, props map[string]string) map[string]string {
	return map[string]string{
		"producerGroup": "PG", "topic": topic, "queueId": strconv.Itoa(queueID), "sysFlag": "0",
		"bornTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10), "flag": "0",
		"reconsumeTimes": "0", "unitMode": "false", "maxReconsumeTimes": "0",
		"defaultTopic": message.DefaultTopic, "defaultTopicQueueNums": "4", "batch": "false",
		"properties": message.PropertiesString(props),
	}
}

// wireSendV2 is the same header with the short names of SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE.
func wireSendV2(topic string, queueID int, props map[string]string, batch bool) map[string]string {
	return map[string]string{
		"a": "PG", "b": topic, "c": message.DefaultTopic, "d": "4", "e": strconv.Itoa(queueID), "f": "0",
		"g": strconv.FormatInt(time.Now().UnixMilli(), 10), "h": "0", "i": message.PropertiesString(props),
		"j": "0", "k": "false", "l": "0", "m": strconv.FormatBool(batch),
	}
}

func (w *wireFixture) send(topic string, queueID int, body string, props map[string]string) *remoting.Command {
	w.t.Helper()
	return w.call(remoting.SendMessage, wireSendV1(topic, queueID, props), []byte(body))
}

// sendOK sends one message and returns its queue offset.
func (w *wireFixture) sendOK(topic string, queueID int, body string, props map[string]string) int64 {
	w.t.Helper()
	resp := w.send(topic, queueID, body, props)
	require.Equal(w.t, remoting.Success, resp.Code, resp.Remark)
	off, err := strconv.ParseInt(resp.Ext("queueOffset"), 10, 64)
	require.NoError(w.t, err)
	return off
}

func (w *wireFixture) sendBatch(topic string, queueID int, msgs []*message.Message) *remoting.Command {
	w.t.Helper()
	return w.call(remoting.SendBatchMessage, wireSendV2(topic, queueID, nil, true), message.AppendBatch(nil, msgs))
}

func wireTags(tag string) map[string]string {
	if tag == "" {
		return nil
	}
	return map[string]string{message.PropertyTags: tag}
}

func wirePull(topic string, queueID int, offset int64, maxNums int, sysFlag int, suspendMs int64, sub string) map[string]string {
	return map[string]string{
		"consumerGroup": "CG", "topic": topic, "queueId": strconv.Itoa(queueID),
		"queueOffset": strconv.FormatInt(offset, 10), "maxMsgNums": strconv.Itoa(maxNums),
		"sysFlag": strconv.Itoa(sysFlag), "commitOffset": "0",
		"suspendTimeoutMillis": strconv.FormatInt(suspendMs, 10), "subscription": sub,
		"subVersion": "0", "expressionType": "TAG",
	}
}

// pull pulls without suspending, with the subscription in the request.
func (w *wireFixture) pull(topic string, queueID int, offset int64, maxNums int, sub string) *remoting.Command {
	w.t.Helper()
	return w.call(remoting.PullMessage, wirePull(topic, queueID, offset, maxNums, pullFlagSubscription, 0, sub), nil)
}

func (w *wireFixture) extInt(resp *remoting.Command, key string) int64 {
	t := w.t
	t.Helper()
	v, ok := resp.ExtFields[key]
	require.True(t, ok, "response has no ext %q: %v", key, resp)
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err)
	return n
}

func (w *wireFixture) decode(resp *remoting.Command) []*message.MessageExt {
	t := w.t
	t.Helper()
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{VerifyCRC: true})
	require.NoError(t, err)
	return msgs
}

// waitFor polls cond until it holds or a bound passes: the tests' only way to wait.
func (w *wireFixture) waitFor(what string, cond func() bool) {
	w.t.Helper()
	require.Eventually(w.t, cond, 10*time.Second, 2*time.Millisecond, what)
}
