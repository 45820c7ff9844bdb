package interop

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestQueryAndViewMessagesOfApacheProducer: messages sent by Apache's producer are found by
// their keys and by the client message id it gave them (QUERY_MESSAGE), and by the offset
// msgId its send answered (VIEW_MESSAGE_BY_ID). Apache's client v2.1.2 defines both
// requests but offers no API that sends them, so our own remoting client asks, as Java's
// MQAdmin would: query by key with _UNIQUE_KEY_QUERY for ids, view by the commit-log offset
// decoded from the offset msgId.
func TestQueryAndViewMessagesOfApacheProducer(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	p := e.newProducer()
	want := ids("q", 0, 4)
	sent := map[string]*primitive.SendResult{}
	for _, id := range want {
		m := newMsg(topic, id) // KEYS = the id
		m.WithKeys([]string{id, "shared-key"})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := p.SendSync(ctx, m)
		cancel()
		require.NoError(t, err)
		sent[id] = res
	}
	addr := e.brokerAddrOf(topic)

	query := func(key string, unique bool) []*message.MessageExt {
		t.Helper()
		ext := map[string]string{"topic": topic, "key": key, "maxNum": "32", "beginTimestamp": "0",
			"endTimestamp": strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)}
		if unique {
			ext["_UNIQUE_KEY_QUERY"] = "true"
		}
		resp, err := e.rc.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.QueryMessage, ext, nil), 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, "QUERY_MESSAGE %s: %s", key, resp.Remark)
		msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{VerifyCRC: true})
		require.NoError(t, err)
		return msgs
	}

	all := query("shared-key", false)
	require.Len(t, all, len(want), "every message with the key")
	for i, m := range all {
		require.Equal(t, want[i], m.Property(idProp), "in the order they were stored")
		require.Equal(t, sent[want[i]].OffsetMsgID, m.MsgID)
	}
	byKey := query("q-2", false)
	require.Len(t, byKey, 1)
	require.Equal(t, "q-2", byKey[0].Property(idProp))
	byID := query(sent["q-3"].MsgID, true)
	require.Len(t, byID, 1)
	require.Equal(t, "q-3", byID[0].Property(idProp))
	require.Equal(t, sent["q-3"].MsgID, byID[0].UniqKey())

	for _, id := range want {
		_, phy, err := message.ParseOffsetMsgID(sent[id].OffsetMsgID)
		require.NoError(t, err)
		resp, err := e.rc.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.ViewMessageByID,
			map[string]string{"offset": strconv.FormatInt(phy, 10)}, nil), 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, remoting.Success, resp.Code, "VIEW_MESSAGE_BY_ID %s: %s", id, resp.Remark)
		msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{VerifyCRC: true})
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, id, msgs[0].Property(idProp))
		require.Equal(t, "body of "+id, string(msgs[0].Body))
		require.Equal(t, sent[id].MsgID, msgs[0].UniqKey())
	}

	resp, err := e.rc.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.QueryMessage, map[string]string{
		"topic": topic, "key": "no-such-key", "maxNum": "32", "beginTimestamp": "0", "endTimestamp": "9999999999999",
	}, nil), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, remoting.QueryNotFound, resp.Code, resp.Remark)
}
