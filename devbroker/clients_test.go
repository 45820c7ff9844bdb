package devbroker

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// mgmtMember is a test client that records the NOTIFY_CONSUMER_IDS_CHANGED it receives. One
// callback worker keeps notifications in the order the broker sent them.
type mgmtMember struct {
	id      string
	c       *remoting.Client
	notices chan string
}

func newMgmtMember(t *testing.T, id string) *mgmtMember {
	m := &mgmtMember{id: id, c: remoting.NewClient(remoting.ClientOptions{CallbackWorkers: 1}), notices: make(chan string, 64)}
	t.Cleanup(func() { m.c.Close() })
	m.c.RegisterProcessor(remoting.NotifyConsumerIDsChanged, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		m.notices <- req.Ext("consumerGroup")
		return nil
	})
	return m
}

// goHeartbeat is a heartbeat as rocketmq-client-go v2.1.2 writes it: enum names, codeSet as
// strings, subVersion in nanoseconds.
func goHeartbeat(clientID, group, model string, version int64, subs map[string]string) []byte {
	type sub struct {
		ClassFilterMode bool     `json:"classFilterMode"`
		Topic           string   `json:"topic"`
		SubString       string   `json:"subString"`
		Tags            []string `json:"tagsSet"`
		Codes           []string `json:"codeSet"`
		SubVersion      int64    `json:"subVersion"`
		ExpType         string   `json:"expressionType"`
	}
	var set []sub
	for topic, expr := range subs {
		s := sub{Topic: topic, SubString: expr, SubVersion: version, ExpType: "TAG", Tags: []string{}, Codes: []string{}}
		if expr == "TagA || TagB" {
			s.Tags, s.Codes = []string{"TagA", "TagB"}, []string{"2598919", "2598920"}
		}
		set = append(set, s)
	}
	body, _ := json.Marshal(map[string]any{
		"clientID":        clientID,
		"producerDataSet": []any{},
		"consumerDataSet": []any{map[string]any{
			"groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": model,
			"consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "subscriptionDataSet": set, "unitMode": false,
		}},
	})
	return body
}

func (m *mgmtMember) call(t *testing.T, b *Broker, req *remoting.Command) *remoting.Command {
	t.Helper()
	return mgmtCall(t, m.c, b.BrokerAddr(), req)
}

func (m *mgmtMember) heartbeat(t *testing.T, b *Broker, body []byte) {
	t.Helper()
	resp := m.call(t, b, remoting.NewRequest(remoting.HeartBeat, nil, body))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
}

func (m *mgmtMember) join(t *testing.T, b *Broker, group string, subs map[string]string) {
	t.Helper()
	m.heartbeat(t, b, goHeartbeat(m.id, group, "CLUSTERING", 1, subs))
}

// expectNotice waits, boundedly, for the member's next notification and checks its group.
func (m *mgmtMember) expectNotice(t *testing.T, group string) {
	t.Helper()
	select {
	case g := <-m.notices:
		assert.Equal(t, group, g, "%s got a notification for the wrong group", m.id)
	case <-time.After(5 * time.Second):
		t.Fatalf("%s got no NOTIFY_CONSUMER_IDS_CHANGED for %s", m.id, group)
	}
}

func consumerList(t *testing.T, m *mgmtMember, b *Broker, group string) ([]string, *remoting.Command) {
	t.Helper()
	resp := m.call(t, b, remoting.NewRequest(remoting.GetConsumerListByGroup, map[string]string{"consumerGroup": group}, nil))
	if resp.Code != remoting.Success {
		return nil, resp
	}
	var body struct {
		ConsumerIDList []string `json:"consumerIdList"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &body))
	return body.ConsumerIDList, resp
}

func TestHeartbeatMembershipAndNotify(t *testing.T) {
	b := mgmtBroker(t, Config{})
	a, c := newMgmtMember(t, "10.0.0.1@a"), newMgmtMember(t, "10.0.0.1@c")

	a.join(t, b, "CG", map[string]string{"T": "*"})
	a.expectNotice(t, "CG")
	ids, _ := consumerList(t, a, b, "CG")
	assert.Equal(t, []string{"10.0.0.1@a"}, ids)
	retry, ok := b.topics.get("%RETRY%CG")
	require.True(t, ok, "a consumer heartbeat creates the group's retry topic")
	assert.Equal(t, 1, retry.ReadQueueNums)
	assert.Equal(t, 1, retry.WriteQueueNums)
	assert.Equal(t, PermRead|PermWrite, retry.Perm)

	c.join(t, b, "CG", map[string]string{"T": "*"})
	a.expectNotice(t, "CG")
	c.expectNotice(t, "CG")
	ids, _ = consumerList(t, c, b, "CG")
	assert.Equal(t, []string{"10.0.0.1@a", "10.0.0.1@c"}, ids)

	// A heartbeat that changes nothing notifies nobody: the next notification a gets is the
	// one for CG2, which it joins afterwards.
	a.join(t, b, "CG", map[string]string{"T": "*"})
	a.join(t, b, "CG2", map[string]string{"T": "*"})
	a.expectNotice(t, "CG2")

	// A new topic in the set notifies; a new expression for a known topic does not (as
	// upstream), but it replaces the subscription when its version is newer.
	c.heartbeat(t, b, goHeartbeat(c.id, "CG", "CLUSTERING", 2, map[string]string{"T": "*", "U": "*"}))
	a.expectNotice(t, "CG")
	c.expectNotice(t, "CG")
	c.heartbeat(t, b, goHeartbeat(c.id, "CG", "CLUSTERING", 3, map[string]string{"T": "*", "U": "TagA || TagB"}))
	sub, ok := b.clients.subscription("CG", "U")
	require.True(t, ok)
	assert.Equal(t, subscription{Topic: "U", Expression: "TagA || TagB", Type: "TAG", Tags: []string{"TagA", "TagB"},
		Codes: []int32{2598919, 2598920}, Version: 3}, sub)
	c.heartbeat(t, b, goHeartbeat(c.id, "CG", "CLUSTERING", 2, map[string]string{"T": "*", "U": "*"}))
	sub, _ = b.clients.subscription("CG", "U")
	assert.Equal(t, "TagA || TagB", sub.Expression, "an older subVersion does not replace")
	sub, _ = b.clients.subscription("CG", "T")
	assert.True(t, sub.All)

	// Dropping a topic from the set notifies and removes it.
	c.heartbeat(t, b, goHeartbeat(c.id, "CG", "CLUSTERING", 4, map[string]string{"T": "*"}))
	a.expectNotice(t, "CG")
	c.expectNotice(t, "CG")
	_, ok = b.clients.subscription("CG", "U")
	assert.False(t, ok)
	assert.False(t, b.clients.isBroadcasting("CG"))

	// Unregistering leaves the group and notifies the rest.
	resp := c.call(t, b, remoting.NewRequest(remoting.UnregisterClient, map[string]string{"clientID": c.id, "consumerGroup": "CG"}, nil))
	require.Equal(t, remoting.Success, resp.Code)
	a.expectNotice(t, "CG")
	ids, _ = consumerList(t, a, b, "CG")
	assert.Equal(t, []string{"10.0.0.1@a"}, ids)

	resp = a.call(t, b, remoting.NewRequest(remoting.UnregisterClient, map[string]string{"clientID": a.id, "consumerGroup": "CG"}, nil))
	require.Equal(t, remoting.Success, resp.Code)
	_, resp = consumerList(t, a, b, "CG")
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "no consumer for this group, CG", resp.Remark)
	_, ok = b.clients.subscription("CG", "T")
	assert.False(t, ok, "an empty group is forgotten")
}

func TestNotifyOnDisconnect(t *testing.T) {
	b := mgmtBroker(t, Config{})
	a, c := newMgmtMember(t, "a"), newMgmtMember(t, "c")
	a.join(t, b, "CG", map[string]string{"T": "*"})
	a.join(t, b, "CG2", map[string]string{"T": "*"})
	c.join(t, b, "CG", map[string]string{"T": "*"})
	a.expectNotice(t, "CG")
	a.expectNotice(t, "CG2")
	a.expectNotice(t, "CG")
	c.expectNotice(t, "CG")
	assert.Equal(t, []int32{0}, lockQueues(t, a.c, b, "CG", a.id, 0))

	a.c.Close()
	c.expectNotice(t, "CG")
	ids, _ := consumerList(t, c, b, "CG")
	assert.Equal(t, []string{"c"}, ids)
	assert.Equal(t, []int32{0}, lockQueues(t, c.c, b, "CG", c.id, 0), "the leaver's locks are free by the time others hear of it")
	_, resp := consumerList(t, c, b, "CG2")
	assert.Equal(t, remoting.SystemError, resp.Code, "a closed connection leaves every group at once")
}

func TestReconnectIsOneMember(t *testing.T) {
	b := mgmtBroker(t, Config{})
	a := newMgmtMember(t, "a")
	a.join(t, b, "CG", map[string]string{"T": "*"})
	a.expectNotice(t, "CG")
	old := mgmtServerConn(t, b, a.c)

	// The same client id on a new connection replaces the old one without a notification,
	// and a late close of the old connection no longer removes it.
	again := newMgmtMember(t, "a")
	again.join(t, b, "CG", map[string]string{"T": "*"})
	b.clients.connectionClosed(old)
	ids, _ := consumerList(t, again, b, "CG")
	assert.Equal(t, []string{"a"}, ids)
	again.join(t, b, "CG2", map[string]string{"T": "*"})
	again.expectNotice(t, "CG2")
}

func TestClientExpiry(t *testing.T) {
	b := mgmtBroker(t, Config{ClientExpiry: time.Second})
	a, c := newMgmtMember(t, "a"), newMgmtMember(t, "c")
	a.join(t, b, "CG", map[string]string{"T": "*"})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	aConn, err := a.c.Conn(ctx, b.BrokerAddr())
	require.NoError(t, err)
	c.join(t, b, "CG", map[string]string{"T": "*"})
	c.expectNotice(t, "CG")
	b.locks.tryLock("CG", a.id, nil, mqs("T", 0), time.Now().Add(time.Hour)) // would outlive a

	// c keeps heartbeating; a falls silent and is dropped by the broker's once-a-second scan.
	require.Eventually(t, func() bool {
		hb := remoting.NewRequest(remoting.HeartBeat, nil, goHeartbeat(c.id, "CG", "CLUSTERING", 1, map[string]string{"T": "*"}))
		if _, err := c.c.InvokeSync(ctx, b.BrokerAddr(), hb, time.Second); err != nil {
			return false
		}
		list := remoting.NewRequest(remoting.GetConsumerListByGroup, map[string]string{"consumerGroup": "CG"}, nil)
		resp, err := c.c.InvokeSync(ctx, b.BrokerAddr(), list, time.Second)
		return err == nil && string(resp.Body) == `{"consumerIdList":["c"]}`
	}, 10*time.Second, 50*time.Millisecond)
	c.expectNotice(t, "CG")
	assert.Equal(t, []int32{0}, lockQueues(t, c.c, b, "CG", c.id, 0))
	select {
	case <-aConn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the broker did not close the expired client's connection")
	}
}

func TestHeartbeatTolerance(t *testing.T) {
	b := mgmtBroker(t, Config{})
	m := newMgmtMember(t, "java")

	// Java's shape: codeSet numbers; and enum ordinals, which some clients send.
	m.heartbeat(t, b, []byte(`{"clientID":"java","producerDataSet":[{"groupName":"PG"}],"consumerDataSet":[
		{"groupName":"BG","consumeType":1,"messageModel":0,"consumeFromWhere":4,"unitMode":false,"someNewField":{"x":1},
		 "subscriptionDataSet":[{"classFilterMode":false,"topic":"T","subString":"TagA || TagB","tagsSet":["TagA","TagB"],
		 "codeSet":[2598919,2598920],"subVersion":1700000000000,"expressionType":"TAG"}]},
		{"groupName":"SG","consumeType":"CONSUME_ACTIVELY","messageModel":"Clustering","consumeFromWhere":"CONSUME_FROM_TIMESTAMP",
		 "subscriptionDataSet":[{"topic":"T","subString":"a > 1","expressionType":"SQL92","subVersion":1},
		 {"topic":"V","subString":"X ||  Y","subVersion":1}]}]}`))
	assert.True(t, b.clients.isBroadcasting("BG"))
	assert.False(t, b.clients.isBroadcasting("SG"))
	assert.False(t, b.clients.isBroadcasting("nobody"))
	sub, ok := b.clients.subscription("BG", "T")
	require.True(t, ok)
	assert.Equal(t, []int32{2598919, 2598920}, sub.Codes)
	assert.Equal(t, int64(1700000000000), sub.Version)
	sub, _ = b.clients.subscription("SG", "T")
	assert.Equal(t, subscription{Topic: "T", Expression: "a > 1", Type: "SQL92", Version: 1}, sub)
	sub, _ = b.clients.subscription("SG", "V")
	assert.Equal(t, []string{"X", "Y"}, sub.Tags, "codes missing: computed from the expression")
	assert.Len(t, sub.Codes, 2)

	conn, ok := b.clients.producerConn("PG")
	require.True(t, ok)
	assert.NotNil(t, conn)
	_, ok = b.clients.producerConn("other")
	assert.False(t, ok)

	for _, body := range []string{"", "{", `{"consumerDataSet":[]}`} {
		resp := m.call(t, b, remoting.NewRequest(remoting.HeartBeat, nil, []byte(body)))
		assert.Equal(t, remoting.SystemError, resp.Code, "body %q", body)
	}

	// A producer leaves on unregister, and everyone after ClientExpiry of silence.
	resp := m.call(t, b, remoting.NewRequest(remoting.UnregisterClient, map[string]string{"clientID": "java", "producerGroup": "PG"}, nil))
	require.Equal(t, remoting.Success, resp.Code)
	_, ok = b.clients.producerConn("PG")
	assert.False(t, ok)
	b.clients.expire(time.Now().Add(b.cfg.ClientExpiry + time.Second))
	_, ok = b.clients.subscription("BG", "T")
	assert.False(t, ok)
}

func TestExpirySparesConnectionFreshElsewhere(t *testing.T) {
	b := mgmtBroker(t, Config{})
	m := newMgmtMember(t, "m")
	m.join(t, b, "G1", map[string]string{"T": "*"})
	m.join(t, b, "G2", map[string]string{"T": "*"})
	sc := mgmtServerConn(t, b, m.c)

	// Only G1 keeps being renewed; G2 goes stale.
	later := time.Now().Add(b.cfg.ClientExpiry + 10*time.Second)
	b.clients.registerConsumer("G1", m.id, sc, later, []subscription{{Topic: "T", All: true}}, "CONSUME_PASSIVELY", "CLUSTERING", "CONSUME_FROM_LAST_OFFSET")
	b.clients.expire(later.Add(-5 * time.Second))
	assert.Equal(t, []string{"m"}, b.clients.consumerIDs("G1"))
	assert.Empty(t, b.clients.consumerIDs("G2"))
	assert.False(t, sc.Closed(), "the connection is still G1's")

	b.clients.expire(later.Add(b.cfg.ClientExpiry + time.Second))
	assert.True(t, sc.Closed())
}
