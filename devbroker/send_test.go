package devbroker

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func TestSendV1StoresTheMessageAsSent(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 4))

	props := map[string]string{
		message.PropertyTags: "TagA", message.PropertyKeys: "k1 k2",
		message.PropertyUniqClientMessageIDKeyIndex: "0A0000010001000000000001", "user": "v",
	}
	ext := wireSendV1("T", 2, props)
	// rocketmq-client-go leaves a trailing separator; the store must keep it.
	ext["properties"] += string(message.PropertySeparator)
	resp := w.call(remoting.SendMessage, ext, []byte("hello"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Empty(t, resp.Remark)
	assert.Equal(t, "2", resp.Ext("queueId"))
	assert.Equal(t, "0", resp.Ext("queueOffset"))
	assert.Equal(t, "DefaultRegion", resp.Ext(message.PropertyMsgRegion))
	assert.Equal(t, "true", resp.Ext(message.PropertyTraceSwitch))

	storeHost, phy, err := message.ParseOffsetMsgID(resp.Ext("msgId"))
	require.NoError(t, err)
	assert.Equal(t, w.b.BrokerAddr(), storeHost.String())

	second := w.sendOK("T", 2, "again", nil)
	assert.Equal(t, int64(1), second)

	msgs := w.decode(w.pull("T", 2, 0, 32, "*"))
	require.Len(t, msgs, 2)
	m := msgs[0]
	assert.Equal(t, "T", m.Topic)
	assert.Equal(t, []byte("hello"), m.Body)
	assert.Equal(t, props, m.Properties)
	assert.Equal(t, int32(2), m.QueueID)
	assert.Equal(t, int64(0), m.QueueOffset)
	assert.Equal(t, phy, m.CommitLogOffset)
	assert.Equal(t, resp.Ext("msgId"), m.MsgID)
	assert.Equal(t, w.b.BrokerAddr(), m.StoreHost.String())
	assert.True(t, m.BornHost.Addr().IsLoopback(), "born host is the producer's address: %v", m.BornHost)
	assert.NotZero(t, m.BornHost.Port())
	assert.NotZero(t, m.StoreTimestamp)
	assert.Equal(t, int64(1), msgs[1].QueueOffset)
	assert.Greater(t, msgs[1].CommitLogOffset, m.CommitLogOffset)

	rec, err := w.b.store.recordAt(phy)
	require.NoError(t, err)
	assert.True(t, bytes.HasSuffix(rec, []byte(ext["properties"])), "properties are stored byte for byte")
	back, err := w.b.store.readAt(phy)
	require.NoError(t, err)
	assert.Equal(t, []byte("hello"), back.Body)
}

func TestSendV2UsesShortNames(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 4))

	resp := w.call(remoting.SendMessageV2, wireSendV2("T", 1, wireTags("X"), false), []byte("v2"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, "1", resp.Ext("queueId"))
	assert.Equal(t, "0", resp.Ext("queueOffset"))
	assert.Len(t, resp.Ext("msgId"), message.OffsetMsgIDLenV4)

	msgs := w.decode(w.pull("T", 1, 0, 32, "X"))
	require.Len(t, msgs, 1)
	assert.Equal(t, "X", msgs[0].Tags())
	assert.Equal(t, []byte("v2"), msgs[0].Body)
}

func TestSendBatchKeepsEachMessage(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 4))
	w.sendOK("T", 3, "first", nil)

	batch := []*message.Message{
		{Body: []byte("b0"), Flag: 7, Properties: map[string]string{message.PropertyTags: "A", message.PropertyUniqClientMessageIDKeyIndex: "U0"}},
		{Body: []byte("b1"), Properties: map[string]string{message.PropertyKeys: "key1", message.PropertyUniqClientMessageIDKeyIndex: "U1"}},
		{Body: []byte("b2")},
	}
	resp := w.sendBatch("T", 3, batch)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, "3", resp.Ext("queueId"))
	assert.Equal(t, "1", resp.Ext("queueOffset"), "a batch answers its first offset")
	ids := strings.Split(resp.Ext("msgId"), ",")
	require.Len(t, ids, 3)

	msgs := w.decode(w.pull("T", 3, 1, 32, "*"))
	require.Len(t, msgs, 3)
	for i, m := range msgs {
		assert.Equal(t, int64(i+1), m.QueueOffset)
		assert.Equal(t, ids[i], m.MsgID)
		assert.Equal(t, batch[i].Body, m.Body)
		assert.Equal(t, batch[i].Properties, m.Properties)
		assert.Equal(t, batch[i].Flag, m.Flag)
		assert.Equal(t, "T", m.Topic)
	}

	// Tags of batch members are filterable like any other.
	only := w.decode(w.pull("T", 3, 0, 32, "A"))
	require.Len(t, only, 1)
	assert.Equal(t, []byte("b0"), only[0].Body)
}

func TestSendRejectsLikeTheBroker(t *testing.T) {
	w := newWireFixture(t, Config{MaxMessageSize: 1024, DisableAutoCreateTopic: true})
	require.NoError(t, w.b.CreateTopic("T", 4))
	_, err := w.b.topics.createOrUpdate("RO", 4, 4, PermRead)
	require.NoError(t, err)

	bigProps := map[string]string{"p": strings.Repeat("x", maxPropertiesLen)}
	cases := []struct {
		name   string
		code   int32
		ext    map[string]string
		body   string
		remark string
	}{
		{"bad topic", remoting.SystemError, wireSendV1("bad topic!", 0, nil), "x", "illegal characters"},
		{"long topic", remoting.SystemError, wireSendV1(strings.Repeat("t", 128), 0, nil), "x", "longer than topic max length"},
		{"system topic", remoting.NoPermission, wireSendV1(message.ScheduleTopic, 0, nil), "x", "is forbidden"},
		{"unknown topic", remoting.TopicNotExist, wireSendV1("Nope", 0, nil), "x", "topic[Nope] not exist, apply first please!"},
		{"read-only topic", remoting.NoPermission, wireSendV1("RO", 0, nil), "x", "sending message is forbidden"},
		{"queue id too big", remoting.SystemError, wireSendV1("T", 4, nil), "x", "request queueId[4] is illegal"},
		{"body too big", remoting.MessageIllegal, wireSendV1("T", 0, nil), strings.Repeat("b", 1025), "msg body length limit 1024B"},
		{"properties too long", remoting.MessageIllegal, wireSendV1("T", 0, bigProps), "x", "msg properties length limit 32KB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := w.call(remoting.SendMessage, c.ext, []byte(c.body))
			assert.Equal(t, c.code, resp.Code, resp.Remark)
			assert.Contains(t, resp.Remark, c.remark)
			assert.Equal(t, "DefaultRegion", resp.Ext(message.PropertyMsgRegion), "errors carry the region too")
		})
	}

	t.Run("missing header field", func(t *testing.T) {
		ext := wireSendV2("T", 0, nil, false)
		delete(ext, "b")
		resp := w.call(remoting.SendMessageV2, ext, []byte("x"))
		assert.Equal(t, remoting.SystemError, resp.Code)
		assert.Equal(t, "the custom field <b> is null", resp.Remark)

		// Code 10 is decoded with the long names only.
		resp = w.call(remoting.SendMessage, wireSendV2("T", 0, nil, false), []byte("x"))
		assert.Equal(t, remoting.SystemError, resp.Code)
		assert.Contains(t, resp.Remark, "the custom field <")
	})

	t.Run("a message of exactly the limits is fine", func(t *testing.T) {
		props := map[string]string{"p": strings.Repeat("x", maxPropertiesLen-2)}
		resp := w.send("T", 0, strings.Repeat("b", 1024), props)
		assert.Equal(t, remoting.Success, resp.Code, resp.Remark)
	})

	assert.Equal(t, int64(0), w.b.store.maxOffset("Nope", 0), "nothing stored for rejected sends")
}

func TestSendBatchRejections(t *testing.T) {
	w := newWireFixture(t, Config{MaxMessageSize: 4096})
	require.NoError(t, w.b.CreateTopic("T", 1))
	one := []*message.Message{{Body: []byte("x")}}

	resp := w.call(remoting.SendBatchMessage, wireSendV2("%RETRY%G", 0, nil, true), message.AppendBatch(nil, one))
	assert.Equal(t, remoting.MessageIllegal, resp.Code, resp.Remark)

	resp = w.call(remoting.SendBatchMessage, wireSendV2("T", 0, map[string]string{message.PropertyDelayTimeLevel: "3"}, true),
		message.AppendBatch(nil, one))
	assert.Equal(t, remoting.MessageIllegal, resp.Code, resp.Remark)

	delayed := []*message.Message{{Body: []byte("x"), Properties: map[string]string{message.PropertyDelayTimeLevel: "2"}}}
	assert.Equal(t, remoting.MessageIllegal, w.sendBatch("T", 0, delayed).Code)

	big := []*message.Message{{Body: make([]byte, 3000)}, {Body: make([]byte, 3000)}}
	resp = w.sendBatch("T", 0, big)
	assert.Equal(t, remoting.MessageIllegal, resp.Code, "the whole batch counts against MaxMessageSize")

	body := message.AppendBatch(nil, []*message.Message{{Body: []byte("ok")}, {Body: []byte("cut")}})
	resp = w.call(remoting.SendBatchMessage, wireSendV2("T", 0, nil, true), body[:len(body)-2])
	assert.Equal(t, remoting.MessageIllegal, resp.Code, resp.Remark)

	resp = w.call(remoting.SendBatchMessage, wireSendV2("T", 0, nil, true), nil)
	assert.Equal(t, remoting.MessageIllegal, resp.Code, resp.Remark)

	assert.Equal(t, int64(0), w.b.store.maxOffset("T", 0), "a rejected batch stores nothing")
}

func TestSendAutoCreatesTopicsAndPicksQueues(t *testing.T) {
	w := newWireFixture(t, Config{})

	ext := wireSendV1("Auto", 0, nil)
	ext["defaultTopicQueueNums"] = "3"
	resp := w.call(remoting.SendMessage, ext, []byte("x"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	tc, ok := w.b.topics.get("Auto")
	require.True(t, ok)
	assert.Equal(t, 3, tc.WriteQueueNums)

	ext = wireSendV1("Wide", 0, nil)
	ext["defaultTopicQueueNums"] = "64"
	require.Equal(t, remoting.Success, w.call(remoting.SendMessage, ext, []byte("x")).Code)
	tc, _ = w.b.topics.get("Wide")
	assert.Equal(t, 8, tc.WriteQueueNums, "capped by TBW102's queues")

	seen := map[string]bool{}
	for range 64 {
		resp := w.send("Auto", -1, "r", nil)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		q, err := strconv.Atoi(resp.Ext("queueId"))
		require.NoError(t, err)
		require.True(t, q >= 0 && q < 3, "queue %d", q)
		seen[resp.Ext("queueId")] = true
	}
	assert.Greater(t, len(seen), 1, "a negative queueId picks a random queue")
}

func TestBatchFlagNotCodeSelectsBatchDecoding(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	two := message.AppendBatch(nil, []*message.Message{{Body: []byte("a")}, {Body: []byte("b")}})

	resp := w.call(remoting.SendMessageV2, wireSendV2("T", 0, nil, true), two)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Len(t, strings.Split(resp.Ext("msgId"), ","), 2)
	assert.Equal(t, int64(2), w.b.store.maxOffset("T", 0))
}

func TestPropertyValueParsesLikeJava(t *testing.T) {
	props := []byte("\x01x\x02TAGS\x01A\x02KEYS\x01\x02TAGS\x01B\x01C\x02")
	v, ok := propertyValue(props, "TAGS")
	assert.True(t, ok)
	assert.Equal(t, "B\x01C", string(v), "a later duplicate wins; a value may hold 0x01")
	_, ok = propertyValue(props, "KEYS")
	assert.False(t, ok, "an empty value is no entry")
	assert.Equal(t, message.TagsHashCode("TagA"), tagsCodeOf([]byte("TAGS\x01TagA")))
	assert.Equal(t, int64(0), tagsCodeOf(nil))
	assert.Equal(t, 3, delayLevelOf([]byte("DELAY\x013")))
}
