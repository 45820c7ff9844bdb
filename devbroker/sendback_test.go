package devbroker

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// sendBack is CONSUMER_SEND_MSG_BACK as rocketmq-client-go v2.1.2 writes it.
func (w *wireFixture) sendBack(m *message.MessageExt, group string, delayLevel, maxTimes int) *remoting.Command {
	w.t.Helper()
	return w.call(remoting.ConsumerSendMsgBack, map[string]string{
		"group": group, "offset": strconv.FormatInt(m.CommitLogOffset, 10), "delayLevel": strconv.Itoa(delayLevel),
		"originMsgId": m.UniqKey(), "originTopic": m.Topic, "unitMode": "false",
		"maxReconsumeTimes": strconv.Itoa(maxTimes),
	}, nil)
}

// only pulls a queue that must hold exactly one message and returns it.
func (w *wireFixture) only(topic string) *message.MessageExt {
	w.t.Helper()
	msgs := w.decode(w.pull(topic, 0, 0, 32, "*"))
	require.Len(w.t, msgs, 1, "messages in %s", topic)
	return msgs[0]
}

func (w *wireFixture) routed(topic string) bool {
	w.t.Helper()
	resp := mgmtCall(w.t, w.c, w.b.NameServerAddr(), routeRequest(topic, remoting.Version))
	if resp.Code != remoting.Success {
		return false
	}
	var r struct {
		QueueDatas []struct {
			ReadQueueNums int `json:"readQueueNums"`
			Perm          int `json:"perm"`
		} `json:"queueDatas"`
	}
	require.NoError(w.t, json.Unmarshal(resp.Body, &r))
	return len(r.QueueDatas) == 1 && r.QueueDatas[0].ReadQueueNums == 1 && r.QueueDatas[0].Perm&PermRead != 0
}

func TestSendBackGoesToRetryThenDLQ(t *testing.T) {
	w := newWireFixture(t, Config{DelayLevels: fastDelays, DisableAutoCreateTopic: true})
	require.NoError(t, w.b.CreateTopic("T", 1))
	props := map[string]string{message.PropertyTags: "A", message.PropertyKeys: "k1",
		message.PropertyUniqClientMessageIDKeyIndex: "UNIQ1", "user": "v"}
	orig := w.sentRecord(w.send("T", 0, "payload", props))
	const retry, dlq = "%RETRY%G", "%DLQ%G"

	// First failure: level 3 + 0, capped at the fast table's 3.
	resp := w.sendBack(orig, "G", 0, 2)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, int64(1), w.b.store.maxOffset(message.ScheduleTopic, 2), "waits in level 3's queue")
	assert.True(t, w.routed(retry), "the retry topic is created and routed, even without auto-creation")
	w.waitFor("retry delivered", func() bool { return w.b.store.maxOffset(retry, 0) == 1 })
	r1 := w.only(retry)
	assert.Equal(t, retry, r1.Topic)
	assert.Equal(t, int32(1), r1.ReconsumeTimes)
	assert.Equal(t, []byte("payload"), r1.Body)
	assert.Equal(t, orig.BornTimestamp, r1.BornTimestamp)
	assert.Equal(t, orig.BornHost, r1.BornHost)
	assert.Equal(t, "T", r1.Property(message.PropertyRetryTopic))
	assert.Equal(t, orig.MsgID, r1.Property(message.PropertyOriginMessageID), "the first offset msgId")
	assert.Equal(t, "UNIQ1", r1.UniqKey(), "the client's id stays")
	assert.Equal(t, "A", r1.Tags())
	assert.Equal(t, "v", r1.Property("user"))
	assert.Equal(t, "false", r1.Property(message.PropertyWaitStoreMsgOK))
	assert.Equal(t, "3", r1.Property(message.PropertyDelayTimeLevel))
	sched := w.decode(w.pull(message.ScheduleTopic, 2, 0, 32, "*"))
	require.Len(t, sched, 1)
	assert.GreaterOrEqual(t, r1.StoreTimestamp-sched[0].StoreTimestamp, fastDelays[2].Milliseconds())

	// Second failure, of the retry message: RETRY_TOPIC and ORIGIN_MESSAGE_ID are kept.
	resp = w.sendBack(r1, "G", 1, 2)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	w.waitFor("second retry", func() bool { return w.b.store.maxOffset(retry, 0) == 2 })
	msgs := w.decode(w.pull(retry, 0, 1, 32, "*"))
	require.Len(t, msgs, 1)
	r2 := msgs[0]
	assert.Equal(t, int32(2), r2.ReconsumeTimes)
	assert.Equal(t, "T", r2.Property(message.PropertyRetryTopic))
	assert.Equal(t, orig.MsgID, r2.Property(message.PropertyOriginMessageID))
	assert.Equal(t, "1", r2.Property(message.PropertyDelayTimeLevel), "the consumer's level")

	// Third failure: reconsumed twice, max 2 → the DLQ, at once.
	assert.False(t, w.routed(dlq))
	resp = w.sendBack(r2, "G", 0, 2)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.True(t, w.routed(dlq), "the DLQ is created (one queue) and routed")
	d := w.only(dlq)
	assert.Equal(t, dlq, d.Topic)
	assert.Equal(t, int32(3), d.ReconsumeTimes)
	assert.Equal(t, "0", d.Property(message.PropertyDelayTimeLevel))
	assert.Equal(t, "T", d.Property(message.PropertyRetryTopic))
	assert.Equal(t, orig.MsgID, d.Property(message.PropertyOriginMessageID))
	assert.Equal(t, int64(2), w.b.store.maxOffset(retry, 0), "nothing more in the retry topic")
}

func TestSendBackNegativeLevelAndDefaults(t *testing.T) {
	w := newWireFixture(t, Config{DelayLevels: fastDelays})
	require.NoError(t, w.b.CreateTopic("T", 1))
	orig := w.sentRecord(w.send("T", 0, "x", nil))

	resp := w.sendBack(orig, "G", -1, 16)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	d := w.only("%DLQ%G")
	assert.Equal(t, int32(1), d.ReconsumeTimes, "delayLevel < 0 goes straight to the DLQ")

	// Without maxReconsumeTimes the group's 16 applies.
	ext := map[string]string{"group": "H", "offset": strconv.FormatInt(orig.CommitLogOffset, 10), "delayLevel": "1"}
	resp = w.call(remoting.ConsumerSendMsgBack, ext, nil)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, int64(1), w.b.store.maxOffset(message.ScheduleTopic, 0))

	delete(ext, "offset")
	resp = w.call(remoting.ConsumerSendMsgBack, ext, nil)
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "the custom field <offset> is null", resp.Remark)
	ext["offset"] = strconv.FormatInt(orig.CommitLogOffset+1, 10)
	resp = w.call(remoting.ConsumerSendMsgBack, ext, nil)
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "look message by offset failed, "+ext["offset"], resp.Remark)
}

func TestDirectSendToRetryPastMaxGoesToDLQ(t *testing.T) {
	w := newWireFixture(t, Config{DelayLevels: fastDelays})
	require.NoError(t, w.b.CreateTopic("%RETRY%G", 1))
	send := func(reconsume, maxTimes string, props map[string]string) *message.MessageExt {
		ext := wireSendV1("%RETRY%G", 0, props)
		ext["reconsumeTimes"] = reconsume
		if maxTimes == "" {
			delete(ext, "maxReconsumeTimes")
		} else {
			ext["maxReconsumeTimes"] = maxTimes
		}
		resp := w.call(remoting.SendMessage, ext, []byte("r"))
		assert.Equal(t, "0", resp.Ext("queueId"))
		return w.sentRecord(resp)
	}
	assert.Equal(t, "%RETRY%G", send("2", "3", nil).Topic)
	assert.Equal(t, "%DLQ%G", send("3", "3", nil).Topic)
	assert.Equal(t, "%RETRY%G", send("15", "", nil).Topic, "16 without a header value")
	assert.Equal(t, "%DLQ%G", send("16", "", nil).Topic)
	// A retry the client sends itself is delayed, as Java's store delays it...
	assert.Equal(t, message.ScheduleTopic, send("1", "16", delayProps(2, nil)).Topic)
	// ...but not on its way into the DLQ.
	d := send("16", "16", delayProps(2, nil))
	assert.Equal(t, "%DLQ%G", d.Topic)
	assert.Equal(t, int32(16), d.ReconsumeTimes)

	// SEND_MESSAGE_V2 carries the max as "l".
	ext := wireSendV2("%RETRY%G", 0, nil, false)
	ext["j"], ext["l"] = "1", "1"
	assert.Equal(t, "%DLQ%G", w.sentRecord(w.call(remoting.SendMessageV2, ext, []byte("v2"))).Topic)
}
