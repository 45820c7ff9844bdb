package devbroker

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func (w *wireFixture) query(topic, key string, maxNum int, begin, end int64, unique bool) *remoting.Command {
	w.t.Helper()
	ext := map[string]string{"topic": topic, "key": key, "maxNum": strconv.Itoa(maxNum),
		"beginTimestamp": strconv.FormatInt(begin, 10), "endTimestamp": strconv.FormatInt(end, 10)}
	if unique {
		ext[uniqueKeyQueryFlag] = "true"
	}
	return w.call(remoting.QueryMessage, ext, nil)
}

// sentRecord decodes the record a send answer's msgId points at.
func (w *wireFixture) sentRecord(resp *remoting.Command) *message.MessageExt {
	w.t.Helper()
	require.Equal(w.t, remoting.Success, resp.Code, resp.Remark)
	_, phy, err := message.ParseOffsetMsgID(resp.Ext("msgId"))
	require.NoError(w.t, err)
	m, err := w.b.store.readAt(phy)
	require.NoError(w.t, err)
	return m
}

func bodies(msgs []*message.MessageExt) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Body)
	}
	return out
}

const forever = int64(1) << 62

func TestQueryMessageByKey(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))
	require.NoError(t, w.b.CreateTopic("U", 1))
	keyed := func(keys, uniq string) map[string]string {
		return map[string]string{message.PropertyKeys: keys, message.PropertyUniqClientMessageIDKeyIndex: uniq}
	}
	var stored []*message.MessageExt
	for i := range 5 {
		stored = append(stored, w.sentRecord(w.send("T", i%2, fmt.Sprintf("m%d", i), keyed("order-1 shared", fmt.Sprintf("UNIQ%d", i)))))
	}
	w.sendOK("T", 0, "other", keyed("order-2", "UNIQX"))
	w.sendOK("U", 0, "elsewhere", keyed("order-1", "UNIQ0"))
	// A UNIQ_KEY that is also a KEYS word is indexed once.
	w.sendOK("U", 0, "twice", keyed("same", "same"))

	resp := w.query("T", "order-1", 32, 0, forever, false)
	msgs := w.decode(resp)
	assert.Equal(t, []string{"m0", "m1", "m2", "m3", "m4"}, bodies(msgs), "every match, in commit-log order")
	for i, m := range msgs {
		assert.Equal(t, stored[i].MsgID, m.MsgID)
		assert.Equal(t, "T", m.Topic)
	}
	last := w.sentRecord(w.send("U", 0, "last", keyed("z", "Z")))
	resp = w.query("T", "order-1", 32, 0, forever, false)
	assert.Equal(t, strconv.FormatInt(last.CommitLogOffset, 10), resp.Ext("indexLastUpdatePhyoffset"))
	assert.Equal(t, strconv.FormatInt(last.StoreTimestamp, 10), resp.Ext("indexLastUpdateTimestamp"))

	assert.Equal(t, []string{"m3", "m4"}, bodies(w.decode(w.query("T", "shared", 2, 0, forever, false))), "the newest maxNum")
	assert.Equal(t, []string{"m2"}, bodies(w.decode(w.query("T", "UNIQ2", 32, 0, forever, true))))
	assert.Equal(t, []string{"elsewhere"}, bodies(w.decode(w.query("U", "order-1", 32, 0, forever, false))), "per topic")
	assert.Equal(t, []string{"twice"}, bodies(w.decode(w.query("U", "same", 32, 0, forever, false))))

	ts := stored[2].StoreTimestamp
	for _, m := range w.decode(w.query("T", "order-1", 32, ts, ts, false)) {
		assert.Equal(t, ts, m.StoreTimestamp, "store time within [begin, end]")
	}

	for _, miss := range []*remoting.Command{
		w.query("T", "nope", 32, 0, forever, false),
		w.query("T", "order-1", 32, 0, stored[0].StoreTimestamp-1, false),
		w.query("Nope", "order-1", 32, 0, forever, false),
	} {
		assert.Equal(t, remoting.QueryNotFound, miss.Code)
		assert.Equal(t, "can not find message, maybe time range not correct", miss.Remark)
		assert.Equal(t, "0", miss.Ext("indexLastUpdatePhyoffset"))
		assert.Empty(t, miss.Body)
	}
	bad := w.call(remoting.QueryMessage, map[string]string{"topic": "T", "key": "k"}, nil)
	assert.Equal(t, remoting.SystemError, bad.Code)
	assert.Equal(t, "the custom field <maxNum> is null", bad.Remark)
}

func TestQueryCapsMaxNum(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	var msgs []*message.MessageExt
	for i := range 100 {
		m := storeMsg("T", 0, []byte(strconv.Itoa(i)), "")
		m.SetKeys("k")
		msgs = append(msgs, m)
	}
	_, err := w.b.store.append(msgs)
	require.NoError(t, err)
	got := w.decode(w.query("T", "k", 1000, 0, forever, false))
	require.Len(t, got, maxQueryNum)
	assert.Equal(t, "36", string(got[0].Body), "the newest 64")
	assert.Len(t, w.decode(w.query("T", "k", 1000, 0, forever, true)), maxUniqueQueryNum)
}

func TestKeyIndexGoesWithEvictedSegments(t *testing.T) {
	w := newWireFixture(t, Config{MaxMessageSize: 1024, MaxStoreBytes: 160000})
	require.NoError(t, w.b.CreateTopic("T", 1))
	s := w.b.store
	body := strings.Repeat("x", 900)
	first := w.sentRecord(w.send("T", 0, body, map[string]string{message.PropertyKeys: "k0 all"}))
	for i := 1; s.firstSeg == 0; i++ {
		w.sendOK("T", 0, body, map[string]string{message.PropertyKeys: fmt.Sprintf("k%d all", i)})
	}
	s.mu.RLock()
	assert.Len(t, s.index, len(s.segs), "one index per kept segment")
	s.mu.RUnlock()

	assert.Equal(t, remoting.QueryNotFound, w.query("T", "k0", 32, 0, forever, false).Code, "evicted with its segment")
	view := w.call(remoting.ViewMessageByID, map[string]string{"offset": strconv.FormatInt(first.CommitLogOffset, 10)}, nil)
	assert.Equal(t, remoting.SystemError, view.Code)
	all := w.decode(w.query("T", "all", 64, 0, forever, false))
	require.NotEmpty(t, all)
	for _, m := range all {
		assert.GreaterOrEqual(t, m.CommitLogOffset, s.firstSeg*s.segSize, "only kept records")
	}
}

func TestViewMessageByID(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.sendOK("T", 0, "first", nil)
	sent := w.sentRecord(w.send("T", 0, "second", map[string]string{"p": "v"}))

	resp := w.call(remoting.ViewMessageByID, map[string]string{"offset": strconv.FormatInt(sent.CommitLogOffset, 10)}, nil)
	msgs := w.decode(resp)
	require.Len(t, msgs, 1)
	assert.Equal(t, sent.MsgID, msgs[0].MsgID)
	assert.Equal(t, []byte("second"), msgs[0].Body)
	assert.Equal(t, "v", msgs[0].Property("p"))

	for _, off := range []int64{sent.CommitLogOffset + 4, 1 << 40, -1} {
		resp = w.call(remoting.ViewMessageByID, map[string]string{"offset": strconv.FormatInt(off, 10)}, nil)
		assert.Equal(t, remoting.SystemError, resp.Code)
		assert.Equal(t, fmt.Sprintf("can not find message by the offset, %d", off), resp.Remark)
	}
	resp = w.call(remoting.ViewMessageByID, nil, nil)
	assert.Equal(t, "the custom field <offset> is null", resp.Remark)
}
