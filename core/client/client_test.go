package client_test

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

const wait = 5 * time.Second

func startBroker(t *testing.T) *devbroker.Broker {
	t.Helper()
	b, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func newClient(t *testing.T, b *devbroker.Broker, instance string) *client.Client {
	t.Helper()
	c := client.New(client.Config{NameServerAddrs: []string{b.NameServerAddr()}, InstanceName: instance})
	require.NoError(t, c.Start())
	t.Cleanup(c.Shutdown)
	return c
}

func TestRoutesAreCachedAndReplacedOnlyWhenChanged(t *testing.T) {
	b := startBroker(t)
	require.NoError(t, b.CreateTopic("T", 4))
	c := newClient(t, b, "routes")
	ctx := context.Background()

	r1, err := c.Route(ctx, "T")
	require.NoError(t, err)
	assert.Len(t, r1.PublishQueues("T"), 4)
	assert.Equal(t, b.BrokerAddr(), c.BrokerAddr(b.BrokerName()))

	r2, err := c.UpdateRoute(ctx, "T")
	require.NoError(t, err)
	assert.Same(t, r1, r2, "an unchanged route keeps its identity")

	require.NoError(t, b.CreateTopic("T", 8))
	r3, err := c.UpdateRoute(ctx, "T")
	require.NoError(t, err)
	assert.NotSame(t, r1, r3)
	assert.Len(t, r3.PublishQueues("T"), 8)

	_, err = c.Route(ctx, "Missing")
	assert.ErrorIs(t, err, route.ErrTopicNotExist)
}

func TestRouteOrDefaultFallsBackToTBW102(t *testing.T) {
	b := startBroker(t)
	c := newClient(t, b, "fallback")
	r, fallback, err := c.RouteOrDefault(context.Background(), "NotYet", "TBW102")
	require.NoError(t, err)
	assert.True(t, fallback)
	assert.NotEmpty(t, r.PublishQueues("NotYet"))

	require.NoError(t, b.CreateTopic("NotYet", 2))
	_, err = c.UpdateRoute(context.Background(), "NotYet")
	require.NoError(t, err)
	r, fallback, err = c.RouteOrDefault(context.Background(), "NotYet", "TBW102")
	require.NoError(t, err)
	assert.False(t, fallback, "the real route replaces the borrowed one")
	assert.Len(t, r.PublishQueues("NotYet"), 2)
}

type consumer struct {
	group   string
	topic   string
	changed chan struct{}
}

func (c *consumer) ConsumerData() client.ConsumerData {
	return client.ConsumerData{GroupName: c.group, ConsumeType: "CONSUME_PASSIVELY", MessageModel: "CLUSTERING",
		ConsumeFromWhere: "CONSUME_FROM_LAST_OFFSET", SubscriptionDataSet: []client.SubscriptionData{client.NewSubscription(c.topic, "*")}}
}

func (c *consumer) MembershipChanged() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func consumerIDs(t *testing.T, c *client.Client, brokerAddr, group string) []string {
	resp, err := c.Remote().InvokeSync(context.Background(), brokerAddr,
		remoting.NewRequest(remoting.GetConsumerListByGroup, map[string]string{"consumerGroup": group}, nil), wait)
	require.NoError(t, err)
	if resp.Code != remoting.Success {
		return nil
	}
	var body struct {
		ConsumerIDList []string `json:"consumerIdList"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &body))
	return body.ConsumerIDList
}

func TestHeartbeatsAndMembershipNotifications(t *testing.T) {
	b := startBroker(t)
	require.NoError(t, b.CreateTopic("T", 4))
	ctx := context.Background()

	a := newClient(t, b, "a")
	ca := &consumer{group: "G", topic: "T", changed: make(chan struct{}, 1)}
	require.NoError(t, a.RegisterConsumer("G", ca))
	_, err := a.Route(ctx, "T")
	require.NoError(t, err)
	require.NoError(t, a.SendHeartbeat(ctx))
	assert.Equal(t, []string{a.ID()}, consumerIDs(t, a, b.BrokerAddr(), "G"))

	bc := newClient(t, b, "b")
	cb := &consumer{group: "G", topic: "T", changed: make(chan struct{}, 1)}
	require.NoError(t, bc.RegisterConsumer("G", cb))
	_, err = bc.Route(ctx, "T")
	require.NoError(t, err)
	require.NoError(t, bc.SendHeartbeat(ctx))
	select {
	case <-ca.changed:
	case <-time.After(wait):
		t.Fatal("the first member was not told that a second one joined")
	}
	assert.ElementsMatch(t, []string{a.ID(), bc.ID()}, consumerIDs(t, a, b.BrokerAddr(), "G"))

	bc.Shutdown() // unregisters
	select {
	case <-ca.changed:
	case <-time.After(wait):
		t.Fatal("the first member was not told that the second one left")
	}
	assert.Equal(t, []string{a.ID()}, consumerIDs(t, a, b.BrokerAddr(), "G"))
}

func TestSameGroupAndClientIDIsRefused(t *testing.T) {
	b := startBroker(t)
	one := newClient(t, b, "same")
	two := newClient(t, b, "same")
	require.NoError(t, one.RegisterConsumer("G", &consumer{group: "G"}))
	assert.ErrorIs(t, two.RegisterConsumer("G", &consumer{group: "G"}), client.ErrGroupInUse)
	require.NoError(t, two.RegisterConsumer("Other", &consumer{group: "Other"}))
	require.NoError(t, two.RegisterProducer("G", nil), "producer and consumer groups are separate")
	one.Shutdown()
	assert.NoError(t, two.RegisterConsumer("G", &consumer{group: "G"}), "free again after shutdown")
}

func TestStartNeedsANameServer(t *testing.T) {
	c := client.New(client.Config{})
	defer c.Shutdown()
	assert.Error(t, c.Start())
}

func TestShutdownLeavesNoGoroutine(t *testing.T) {
	b := startBroker(t)
	require.NoError(t, b.CreateTopic("T", 4))
	base := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		c := client.New(client.Config{NameServerAddrs: []string{b.NameServerAddr()}, HeartbeatInterval: 10 * time.Millisecond})
		require.NoError(t, c.Start())
		require.NoError(t, c.RegisterProducer("PG", nil))
		_, err := c.Route(context.Background(), "T")
		require.NoError(t, err)
		require.NoError(t, c.SendHeartbeat(context.Background()))
		c.Shutdown()
		c.Shutdown()
	}
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base)
}
