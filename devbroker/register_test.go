package devbroker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// routeOf asks a name server for a topic's route; nil when it has none.
func routeOf(t *testing.T, c *remoting.Client, ns, topic string) *route.TopicRouteData {
	t.Helper()
	resp := mgmtCall(t, c, ns, routeRequest(topic, 401))
	if resp.Code == remoting.TopicNotExist {
		return nil
	}
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	rd, err := route.ParseTopicRouteData(resp.Body)
	require.NoError(t, err)
	return rd
}

func TestRegisterToAnotherNameServer(t *testing.T) {
	a := mgmtBroker(t, Config{})
	b := mgmtBroker(t, Config{BrokerName: "broker-b", RegisterTo: []string{a.NameServerAddr()},
		BrokerAdvertiseAddr: "10.1.2.3:10911", RegisterInterval: time.Hour})
	assert.Equal(t, "10.1.2.3:10911", b.BrokerAddr())
	assert.NotEqual(t, b.BrokerAddr(), b.BrokerListenAddr())
	c := mgmtClient(t)
	ns := a.NameServerAddr()

	require.NoError(t, a.CreateTopic("Both", 4))
	require.NoError(t, b.CreateTopic("Both", 2))
	require.NoError(t, b.CreateTopic("OnlyB", 3))
	// The hour-long interval leaves the topic changes as the only reason to register.
	var both *route.TopicRouteData
	require.Eventually(t, func() bool {
		both = routeOf(t, c, ns, "Both")
		return len(both.QueueDatas) == 2
	}, 10*time.Second, 10*time.Millisecond, "broker-b's topic reaches broker-a's name server")
	assert.Equal(t, a.BrokerAddr(), both.MasterAddr("broker-a"))
	assert.Equal(t, "10.1.2.3:10911", both.MasterAddr("broker-b"), "the advertised address is published")
	assert.Len(t, both.PublishQueues("Both"), 6)
	require.Eventually(t, func() bool {
		rd := routeOf(t, c, ns, "OnlyB")
		return rd != nil && len(rd.PublishQueues("OnlyB")) == 3
	}, 10*time.Second, 10*time.Millisecond)

	require.NoError(t, b.Close())
	assert.Nil(t, routeOf(t, c, ns, "OnlyB"), "a closed broker unregisters")
	assert.Len(t, routeOf(t, c, ns, "Both").QueueDatas, 1)
}

// The hour-long interval leaves the quick retry of a failed registration as the only way in.
func TestRegistrationGoesOnWhenTheNameServerReturns(t *testing.T) {
	a := mgmtBroker(t, Config{})
	ns := a.NameServerAddr()
	require.NoError(t, a.Close())
	b := mgmtBroker(t, Config{BrokerName: "broker-b", RegisterTo: []string{ns}, RegisterInterval: time.Hour})
	require.NoError(t, b.CreateTopic("Later", 1))

	a2, err := Start(Config{NameServerAddr: ns, BrokerAddr: "127.0.0.1:0"})
	if err != nil {
		t.Skipf("port of the first name server taken meanwhile: %v", err)
	}
	t.Cleanup(func() { a2.Close() })
	c := mgmtClient(t)
	require.Eventually(t, func() bool { return routeOf(t, c, ns, "Later") != nil }, 10*time.Second, 10*time.Millisecond)

	done := make(chan error, 1)
	go func() { done <- b.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.InvokeSync(ctx, ns, routeRequest("Later", 401), 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, remoting.TopicNotExist, resp.Code)
}
