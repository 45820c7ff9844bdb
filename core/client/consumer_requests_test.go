package client_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// adminConsumer is a consumer that answers the admin requests.
type adminConsumer struct {
	consumer
	mu          sync.Mutex // the handlers run on the client's goroutines
	reset       map[route.MessageQueue]int64
	resetTopic  string
	directly    *message.MessageExt
	directlyVia string
}

func (a *adminConsumer) RunningInfo(withStack bool) ([]byte, error) {
	if withStack {
		return []byte(`{"jstack":"yes"}`), nil
	}
	return []byte(`{}`), nil
}

func (a *adminConsumer) ConsumeMessageDirectly(m *message.MessageExt, brokerName string) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.directly, a.directlyVia = m, brokerName
	return []byte(`{"consumeResult":"CR_SUCCESS"}`), nil
}

func (a *adminConsumer) ResetOffset(topic string, offsets map[route.MessageQueue]int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resetTopic, a.reset = topic, offsets
}

func (a *adminConsumer) ConsumerStatus(topic string) map[route.MessageQueue]int64 {
	return map[route.MessageQueue]int64{{Topic: topic, BrokerName: "b", QueueID: 1}: 7, {Topic: topic, BrokerName: "b", QueueID: 0}: 5}
}

// brokerSide connects the client to a bare server and returns the server's end, from which
// the test plays the broker.
func brokerSide(t *testing.T, c *client.Client) *remoting.Conn {
	srv := remoting.NewServer(remoting.ServerOptions{})
	t.Cleanup(func() { srv.Close() })
	addr, err := srv.Listen("127.0.0.1:0")
	require.NoError(t, err)
	_, err = c.Remote().InvokeSync(context.Background(), addr.String(), remoting.NewRequest(remoting.HeartBeat, nil, nil), wait)
	require.NoError(t, err)
	require.Len(t, srv.Conns(), 1)
	return srv.Conns()[0]
}

func TestConsumerAdminRequests(t *testing.T) {
	c := client.New(client.Config{NameServerAddrs: []string{"127.0.0.1:1"}})
	t.Cleanup(c.Shutdown)
	a := &adminConsumer{consumer: consumer{group: "G"}}
	require.NoError(t, c.RegisterConsumer("G", a))
	require.NoError(t, c.RegisterConsumer("Plain", &consumer{group: "Plain"}))
	conn := brokerSide(t, c)
	ctx := context.Background()
	ask := func(code int32, ext map[string]string, body []byte) *remoting.Command {
		resp, err := conn.Invoke(ctx, remoting.NewRequest(code, ext, body), wait)
		require.NoError(t, err)
		return resp
	}

	resp := ask(remoting.GetConsumerRunningInfo, map[string]string{"consumerGroup": "G", "jstackEnable": "true"}, nil)
	assert.Equal(t, remoting.Success, resp.Code)
	assert.JSONEq(t, `{"jstack":"yes"}`, string(resp.Body))
	for _, g := range []string{"Missing", "Plain"} {
		resp = ask(remoting.GetConsumerRunningInfo, map[string]string{"consumerGroup": g}, nil)
		assert.Equal(t, remoting.SystemError, resp.Code)
		assert.Contains(t, resp.Remark, "The Consumer Group <"+g+"> not exist")
	}

	stored := message.AppendStored(nil, &message.MessageExt{
		Message:   message.Message{Topic: "T", Body: []byte("hello")},
		BornHost:  netip.MustParseAddrPort("127.0.0.1:1"),
		StoreHost: netip.MustParseAddrPort("127.0.0.1:2"),
	})
	resp = ask(remoting.ConsumeMessageDirectly, map[string]string{"consumerGroup": "G", "brokerName": "b"}, stored)
	assert.Equal(t, remoting.Success, resp.Code)
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotNil(t, a.directly)
	assert.Equal(t, "hello", string(a.directly.Body))
	assert.Equal(t, "b", a.directlyVia)

	fastjson := `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:12, {"brokerName":"b","queueId":3,"topic":"T"} : 0}}`
	a.mu.Unlock()
	resp = ask(remoting.ResetConsumerClientOffset, map[string]string{"group": "G", "topic": "T", "timestamp": "0", "isForce": "true"}, []byte(fastjson))
	assert.Equal(t, remoting.Success, resp.Code)
	a.mu.Lock()
	assert.Equal(t, "T", a.resetTopic)
	assert.Equal(t, map[route.MessageQueue]int64{{Topic: "T", BrokerName: "b", QueueID: 0}: 12, {Topic: "T", BrokerName: "b", QueueID: 3}: 0}, a.reset)

	resp = ask(remoting.GetConsumerStatusFromClient, map[string]string{"group": "G", "topic": "T"}, nil)
	assert.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, `{"messageQueueTable":{{"topic":"T","brokerName":"b","queueId":0}:5,{"topic":"T","brokerName":"b","queueId":1}:7},"consumerTable":{}}`, string(resp.Body))
}

func TestParseQueueOffsetTable(t *testing.T) {
	want := map[route.MessageQueue]int64{{Topic: "T", BrokerName: "b", QueueID: 1}: 9}
	for _, body := range []string{
		`{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:9}}`,
		`{"offsetTable":[[{"topic":"T","brokerName":"b","queueId":1},9]]}`,
		` { "offsetTable" : { { "topic" : "T" , "brokerName" : "b" , "queueId" : 1 } : 9 } } `,
	} {
		got, err := client.ParseQueueOffsetTable([]byte(body), "offsetTable")
		require.NoError(t, err, body)
		assert.Equal(t, want, got, body)
	}
	got, err := client.ParseQueueOffsetTable([]byte(`{"offsetTable":{}}`), "offsetTable")
	require.NoError(t, err)
	assert.Empty(t, got)
	for _, bad := range []string{`{"offsetTable":{{"topic":"T"}}}`, `{"offsetTable":{{"topic":"T"}:x}}`, `{"offsetTable":7}`} {
		_, err := client.ParseQueueOffsetTable([]byte(bad), "offsetTable")
		assert.Error(t, err, bad)
	}
}
