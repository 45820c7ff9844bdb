package devbroker

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func adminReq(code int32, kv ...string) *remoting.Command {
	ext := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		ext[kv[i]] = kv[i+1]
	}
	return remoting.NewRequest(code, ext, nil)
}

// localAddr is the address the broker sees for a member's connection.
func (m *mgmtMember) localAddr(t *testing.T, b *Broker) string {
	cc, err := m.c.Conn(context.Background(), b.BrokerAddr())
	require.NoError(t, err)
	return cc.LocalAddr().String()
}

func TestConsumerConnectionList(t *testing.T) {
	b := mgmtBroker(t, Config{})
	m := newMgmtMember(t, "10.0.0.1@a")
	m.join(t, b, "CG", map[string]string{"T": "TagA || TagB", "%RETRY%CG": "*"})
	admin := mgmtClient(t)

	resp := mgmtCall(t, admin, b.BrokerAddr(), adminReq(remoting.GetConsumerConnectionList, "consumerGroup", "CG"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	want := `{"connectionSet":[{"clientAddr":"` + m.localAddr(t, b) + `","clientId":"10.0.0.1@a","language":"GO","version":` +
		strconv.Itoa(int(remoting.Version)) + `}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY",` +
		`"messageModel":"CLUSTERING","subscriptionTable":{` +
		`"%RETRY%CG":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"%RETRY%CG"},` +
		`"T":{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1,"tagsSet":["TagA","TagB"],"topic":"T"}}}`
	assert.Equal(t, want, string(resp.Body))

	resp = mgmtCall(t, admin, b.BrokerAddr(), adminReq(remoting.GetConsumerConnectionList, "consumerGroup", "Nobody"))
	assert.Equal(t, remoting.ConsumerNotOnline, resp.Code)
	assert.Equal(t, "the consumer group[Nobody] not online", resp.Remark)

	resp = mgmtCall(t, admin, b.BrokerAddr(), adminReq(remoting.GetConsumerConnectionList))
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "the custom field <consumerGroup> is null", resp.Remark)
}

func TestConsumerRunningInfoForwarded(t *testing.T) {
	b := mgmtBroker(t, Config{})
	m := newMgmtMember(t, "10.0.0.1@a")
	got := make(chan *remoting.Command, 1)
	m.c.RegisterProcessor(remoting.GetConsumerRunningInfo, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		got <- req
		resp := remoting.NewResponse(remoting.Success, "from the client")
		resp.Language = remoting.Go
		resp.Body = []byte(`{"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"}}`)
		return resp
	})
	m.join(t, b, "CG", map[string]string{"T": "*"})
	admin := mgmtClient(t)

	resp := mgmtCall(t, admin, b.BrokerAddr(), adminReq(remoting.GetConsumerRunningInfo,
		"consumerGroup", "CG", "clientId", "10.0.0.1@a", "jstackEnable", "false"))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, "from the client", resp.Remark)
	assert.Equal(t, remoting.Go, resp.Language, "the client's own answer comes back")
	assert.Equal(t, `{"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"}}`, string(resp.Body))
	fwd := <-got
	assert.Equal(t, map[string]string{"consumerGroup": "CG", "clientId": "10.0.0.1@a", "jstackEnable": "false"}, fwd.ExtFields)

	resp = mgmtCall(t, admin, b.BrokerAddr(), adminReq(remoting.GetConsumerRunningInfo, "consumerGroup", "CG", "clientId", "10.0.0.9@x"))
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "The Consumer <CG> <10.0.0.9@x> not online", resp.Remark)

	resp = mgmtCall(t, admin, b.BrokerAddr(), adminReq(remoting.GetConsumerRunningInfo, "consumerGroup", "CG"))
	assert.Equal(t, "the custom field <clientId> is null", resp.Remark)
}

// A client that goes away before answering fails the admin's call rather than leaving it
// waiting.
func TestForwardedCallFailsWhenTheClientGoes(t *testing.T) {
	b := mgmtBroker(t, Config{})
	m := newMgmtMember(t, "10.0.0.1@a")
	m.join(t, b, "CG", map[string]string{"T": "*"})
	server := mgmtServerConn(t, b, m.c)
	m.c.RegisterProcessor(remoting.GetConsumerRunningInfo, func(*remoting.Conn, *remoting.Command) *remoting.Command {
		go server.Close()
		return nil
	})
	resp := mgmtCall(t, mgmtClient(t), b.BrokerAddr(), adminReq(remoting.GetConsumerRunningInfo, "consumerGroup", "CG", "clientId", "10.0.0.1@a"))
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Contains(t, resp.Remark, "invoke consumer <CG> <10.0.0.1@a> Exception: ")
}

func TestConsumeMessageDirectlyForwarded(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	resp := w.send("T", 0, "direct body", map[string]string{message.PropertyTags: "TagA"})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	msgID := resp.Ext("msgId")

	m := newMgmtMember(t, "10.0.0.1@a")
	got := make(chan *remoting.Command, 1)
	m.c.RegisterProcessor(remoting.ConsumeMessageDirectly, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		got <- req
		resp := remoting.NewResponse(remoting.Success, "")
		resp.Body = []byte(`{"autoCommit":true,"consumeResult":"CR_SUCCESS","order":false,"spentTimeMills":1}`)
		return resp
	})
	m.join(t, w.b, "CG", map[string]string{"T": "*"})

	resp = mgmtCall(t, w.c, w.b.BrokerAddr(), adminReq(remoting.ConsumeMessageDirectly,
		"consumerGroup", "CG", "clientId", "10.0.0.1@a", "msgId", msgID))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Contains(t, string(resp.Body), `"consumeResult":"CR_SUCCESS"`)
	fwd := <-got
	assert.Equal(t, "broker-a", fwd.Ext("brokerName"))
	assert.Equal(t, msgID, fwd.Ext("msgId"))
	msg, _, err := message.DecodeStoredOne(fwd.Body, message.DecodeOptions{VerifyCRC: true})
	require.NoError(t, err)
	assert.Equal(t, "direct body", string(msg.Body))
	assert.Equal(t, "TagA", msg.Tags())

	resp = mgmtCall(t, w.c, w.b.BrokerAddr(), adminReq(remoting.ConsumeMessageDirectly,
		"consumerGroup", "CG", "clientId", "10.0.0.1@a", "msgId", "nonsense"))
	assert.Equal(t, remoting.SystemError, resp.Code)
	_, phy, err := message.ParseOffsetMsgID(msgID)
	require.NoError(t, err)
	for _, off := range []int64{1 << 40, phy + 8} { // beyond the log; inside a record
		resp = mgmtCall(t, w.c, w.b.BrokerAddr(), adminReq(remoting.ConsumeMessageDirectly,
			"consumerGroup", "CG", "clientId", "10.0.0.1@a", "msgId", message.OffsetMsgID(w.b.store.storeHost, off)))
		assert.Equal(t, remoting.SystemError, resp.Code)
		assert.Contains(t, resp.Remark, "no message", "offset %d", off)
	}
}

func mqKey(topic string, q int) string {
	return fmt.Sprintf(`{"brokerName":"broker-a","queueId":%d,"topic":"%s"}:`, q, topic)
}

func TestTopicStatsInfo(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))
	for i := 0; i < 3; i++ {
		w.sendOK("T", 0, "m", nil)
	}
	last := w.b.store.storeTimeAt("T", 0, 2)
	require.Positive(t, last)

	resp := w.call(remoting.GetTopicStatsInfo, map[string]string{"topic": "T"}, nil)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	want := `{"offsetTable":{` +
		mqKey("T", 0) + `{"lastUpdateTimestamp":` + strconv.FormatInt(last, 10) + `,"maxOffset":3,"minOffset":0},` +
		mqKey("T", 1) + `{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0}}}`
	assert.Equal(t, want, string(resp.Body))

	resp = w.call(remoting.GetTopicStatsInfo, map[string]string{"topic": "Nope"}, nil)
	assert.Equal(t, remoting.TopicNotExist, resp.Code)
	assert.Equal(t, "topic[Nope] not exist", resp.Remark)
}

func TestConsumeStats(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))
	require.NoError(t, w.b.CreateTopic("U", 1))
	for i := 0; i < 5; i++ {
		w.sendOK("T", 0, "m", nil)
	}
	w.sendOK("T", 1, "m", nil)
	w.sendOK("U", 0, "m", nil)
	commit := func(topic string, q int, off int64) {
		resp := w.call(remoting.UpdateConsumerOffset, map[string]string{"consumerGroup": "CG", "topic": topic,
			"queueId": strconv.Itoa(q), "commitOffset": strconv.FormatInt(off, 10)}, nil)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	commit("T", 0, 3)
	commit("U", 0, 1)
	ts := func(topic string, q int32, off int64) string {
		return strconv.FormatInt(w.b.store.storeTimeAt(topic, q, off), 10)
	}
	tOffsets := mqKey("T", 0) + `{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":` + ts("T", 0, 2) + `},` +
		mqKey("T", 1) + `{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0}`
	uOffsets := mqKey("U", 0) + `{"brokerOffset":1,"consumerOffset":1,"lastTimestamp":` + ts("U", 0, 0) + `}`

	resp := w.call(remoting.GetConsumeStats, map[string]string{"consumerGroup": "CG", "topic": "T"}, nil)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, `{"consumeTps":0.0,"offsetTable":{`+tOffsets+`}}`, string(resp.Body))

	// Without a topic: every topic the group has offsets in.
	resp = w.call(remoting.GetConsumeStats, map[string]string{"consumerGroup": "CG"}, nil)
	assert.Equal(t, `{"consumeTps":0.0,"offsetTable":{`+tOffsets+","+uOffsets+`}}`, string(resp.Body))

	// Once the group is online, topics it does not subscribe to are left out.
	m := newMgmtMember(t, "10.0.0.1@a")
	m.join(t, w.b, "CG", map[string]string{"U": "*"})
	resp = w.call(remoting.GetConsumeStats, map[string]string{"consumerGroup": "CG"}, nil)
	assert.Equal(t, `{"consumeTps":0.0,"offsetTable":{`+uOffsets+`}}`, string(resp.Body))

	resp = w.call(remoting.GetConsumeStats, map[string]string{"consumerGroup": "Other"}, nil)
	assert.Equal(t, `{"consumeTps":0.0,"offsetTable":{}}`, string(resp.Body))
}

func TestConsumeTps(t *testing.T) {
	b := mgmtBroker(t, Config{})
	a := &adminState{b: b} // sampled by hand, not by the broker's own loop
	t0 := time.Now()
	b.offsets.commit("CG", "T", 0, 10)
	a.sample(t0)
	assert.Zero(t, a.tps("CG", "T"), "one sample is no rate")
	b.offsets.commit("CG", "T", 0, 20)
	b.offsets.commit("CG", "T", 1, 5)
	a.sample(t0.Add(10 * time.Second))
	assert.InDelta(t, 1.5, a.tps("CG", "T"), 1e-9)
	assert.Zero(t, a.tps("CG", "U"))

	// Samples older than the window fall out.
	a.sample(t0.Add(75 * time.Second))
	assert.InDelta(t, 0, a.tps("CG", "T"), 1e-9, "nothing consumed between 10 s and 75 s")
	b.offsets.commit("CG", "T", 0, 0) // a reset backwards is no negative rate
	a.sample(t0.Add(80 * time.Second))
	assert.Zero(t, a.tps("CG", "T"))
}

func TestJavaDouble(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0.0", 1.5: "1.5", 12: "12.0", 1.0 / 3: "0.3333333333333333", 0.001: "0.001",
		1e7: "1.0E7", 0.0001: "1.0E-4", 123456789.5: "1.234567895E8", 9999999: "9999999.0",
	} {
		assert.Equal(t, want, javaDouble(v), "%v", v)
	}
}

func TestAllTopicConfig(t *testing.T) {
	b := mgmtBroker(t, Config{})
	require.NoError(t, b.CreateTopic("T", 3))
	resp := mgmtCall(t, mgmtClient(t), b.BrokerAddr(), adminReq(remoting.GetAllTopicConfig))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var body struct {
		DataVersion      map[string]int64          `json:"dataVersion"`
		TopicConfigTable map[string]map[string]any `json:"topicConfigTable"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &body), "%s", resp.Body)
	assert.Contains(t, string(resp.Body), `"T":{"order":false,"perm":6,"readQueueNums":3,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":3}`)
	assert.Contains(t, body.TopicConfigTable, message.DefaultTopic)
	assert.Positive(t, body.DataVersion["timestamp"])
}

func TestAdminNoGoroutineSurvivesClose(t *testing.T) {
	base := runtime.NumGoroutine()
	b, err := Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	m := newMgmtMember(t, "10.0.0.1@a")
	m.join(t, b, "CG", map[string]string{"T": "*"})
	asked := make(chan struct{}, 1)
	m.c.RegisterProcessor(remoting.GetConsumerRunningInfo, func(*remoting.Conn, *remoting.Command) *remoting.Command {
		asked <- struct{}{}
		return nil // never answers: the broker's pending call must not outlive Close
	})
	admin := remoting.NewClient(remoting.ClientOptions{})
	require.NoError(t, admin.InvokeAsync(context.Background(), b.BrokerAddr(),
		adminReq(remoting.GetConsumerRunningInfo, "consumerGroup", "CG", "clientId", "10.0.0.1@a"), 30*time.Second,
		func(*remoting.Command, error) {}))
	select {
	case <-asked:
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the client")
	}
	b.Close()
	admin.Close()
	m.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines left after Close")
}
