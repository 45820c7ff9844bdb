package route

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a 4.9 name server sends a client announcing an old version: integer keys unquoted.
const fastjsonRoute = `{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"DefaultCluster"},` +
	`{"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},` +
	`"queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2},` +
	`{"brokerName":"broker-a","perm":6,"readQueueNums":3,"topicSysFlag":0,"writeQueueNums":3}]}`

// The same route as standard JSON.
const standardRoute = `{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"DefaultCluster"},` +
	`{"brokerAddrs":{"0":"10.0.0.3:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},` +
	`"queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2},` +
	`{"brokerName":"broker-a","perm":6,"readQueueNums":3,"topicSysFlag":0,"writeQueueNums":3}]}`

func TestParseBothForms(t *testing.T) {
	a, err := ParseTopicRouteData([]byte(fastjsonRoute))
	require.NoError(t, err)
	b, err := ParseTopicRouteData([]byte(standardRoute))
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, "10.0.0.1:10911", a.MasterAddr("broker-b"))
	assert.Equal(t, map[int64]string{0: "10.0.0.1:10911", 1: "10.0.0.2:10911"}, a.BrokerDatas[0].BrokerAddrs)
}

func TestQuoteNumericKeys(t *testing.T) {
	for in, want := range map[string]string{
		`{0:"a", -1 : "b"}`:                 `{"0":"a", "-1" : "b"}`,
		`{"k":[1,2,{3:4}],"s":"{0:\"x\"}"}`: `{"k":[1,2,{"3":4}],"s":"{0:\"x\"}"}`,
		`{"n":12,"m":-3}`:                   `{"n":12,"m":-3}`,
		`{ 10 :{ 20:"x"}}`:                  `{ "10" :{ "20":"x"}}`,
	} {
		assert.Equal(t, want, string(QuoteNumericKeys([]byte(in))), in)
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	for _, in := range []string{``, `{`, `{"brokerDatas":[{"brokerAddrs":{"x":"a"}}]}`, `[1]`, `{"queueDatas":[{"readQueueNums":2000000000}]}`} {
		_, err := ParseTopicRouteData([]byte(in))
		assert.Error(t, err, in)
	}
}

func TestPublishAndSubscribeQueues(t *testing.T) {
	r, err := ParseTopicRouteData([]byte(fastjsonRoute))
	require.NoError(t, err)
	pub := r.PublishQueues("T")
	require.Len(t, pub, 5)
	assert.Equal(t, MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 0}, pub[0], "brokers in name order")
	assert.Equal(t, MessageQueue{Topic: "T", BrokerName: "broker-b", QueueID: 1}, pub[4])
	assert.Len(t, r.SubscribeQueues("T"), 5)

	r.QueueDatas[0].Perm = PermRead // broker-b read-only
	assert.Len(t, r.PublishQueues("T"), 3)
	assert.Len(t, r.SubscribeQueues("T"), 5)
	r.QueueDatas[0].Perm = PermWrite
	assert.Len(t, r.SubscribeQueues("T"), 3)

	delete(r.BrokerDatas[1].BrokerAddrs, MasterID) // broker-a lost its master: no writes there
	assert.Equal(t, "", r.MasterAddr("broker-a"))
	assert.Equal(t, []MessageQueue{{"T", "broker-b", 0}, {"T", "broker-b", 1}}, r.PublishQueues("T"))

	r.OrderTopicConf = "broker-x:2;broker-y:1;junk"
	assert.Equal(t, []MessageQueue{{"T", "broker-x", 0}, {"T", "broker-x", 1}, {"T", "broker-y", 0}}, r.PublishQueues("T"))
}

func TestParseAddrs(t *testing.T) {
	addrs, err := ParseAddrs(" 127.0.0.1:9876;10.0.0.1:9876; ")
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:9876", "10.0.0.1:9876"}, addrs)
	for _, bad := range []string{"", ";", "localhost", "a:b:c"} {
		_, err := ParseAddrs(bad)
		assert.Error(t, err, bad)
	}
}

func fakeNameServer(t *testing.T) string {
	s := remoting.NewServer(remoting.ServerOptions{})
	s.RegisterProcessor(remoting.GetRouteInfoByTopic, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		if req.Ext("topic") != "T" {
			return remoting.NewResponse(remoting.TopicNotExist, "No topic route info in name server for the topic: "+req.Ext("topic"))
		}
		if req.Ext("acceptStandardJsonOnly") != "true" {
			return remoting.NewResponse(remoting.SystemError, "client did not ask for standard JSON")
		}
		resp := remoting.NewResponse(remoting.Success, "")
		resp.Body = []byte(fastjsonRoute)
		return resp
	})
	addr, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return addr.String()
}

func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestNameServerFailover(t *testing.T) {
	c := remoting.NewClient(remoting.ClientOptions{DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	live := fakeNameServer(t)
	ns := NewNameServer(c, []string{deadAddr(t), live})

	r, err := ns.QueryRoute(context.Background(), "T", 2*time.Second)
	require.NoError(t, err)
	assert.Len(t, r.PublishQueues("T"), 5)
	assert.Equal(t, 1, ns.current, "the name server that answered is tried first next time")

	_, err = ns.QueryRoute(context.Background(), "Missing", 2*time.Second)
	assert.ErrorIs(t, err, ErrTopicNotExist)

	ns.SetAddrs([]string{deadAddr(t)})
	_, err = ns.QueryRoute(context.Background(), "T", 2*time.Second)
	assert.ErrorContains(t, err, "no name server answered")
}
