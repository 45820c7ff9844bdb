package consumer_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

func TestLocalOffsetStoreSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := consumer.NewLocalOffsetStore(dir, "G")
	require.NoError(t, err)
	mq := route.MessageQueue{Topic: "T", BrokerName: "b", QueueID: 2}
	o, err := s.Read(context.Background(), mq, true)
	require.NoError(t, err)
	assert.Equal(t, int64(-1), o)

	s.Update(mq, 10, false)
	s.Update(mq, 7, true)
	require.NoError(t, s.Persist(context.Background(), nil))

	again, err := consumer.NewLocalOffsetStore(dir, "G")
	require.NoError(t, err)
	o, err = again.Read(context.Background(), mq, true)
	require.NoError(t, err)
	assert.Equal(t, int64(10), o)

	entries, err := os.ReadDir(filepath.Dir(again.Path()))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")

	require.NoError(t, os.WriteFile(again.Path(), []byte("{torn"), 0o644))
	_, err = consumer.NewLocalOffsetStore(dir, "G")
	assert.ErrorContains(t, err, "corrupt")
}

func TestRemoteOffsetStoreAgainstBroker(t *testing.T) {
	b, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.CreateTopic("T", 2))
	c := client.New(client.Config{NameServerAddrs: []string{b.NameServerAddr()}})
	require.NoError(t, c.Start())
	defer c.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Route(ctx, "T")
	require.NoError(t, err)

	s := consumer.NewRemoteOffsetStore(c, "G")
	mq := route.MessageQueue{Topic: "T", BrokerName: b.BrokerName(), QueueID: 1}
	o, err := s.Read(ctx, mq, true)
	require.NoError(t, err)
	assert.Equal(t, int64(0), o, "a new group on a young queue starts at 0, as the 4.x broker answers")

	s.Update(mq, 42, false)
	require.NoError(t, s.Persist(ctx, []route.MessageQueue{mq}))

	fresh := consumer.NewRemoteOffsetStore(c, "G")
	o, err = fresh.Read(ctx, mq, false)
	require.NoError(t, err)
	assert.Equal(t, int64(42), o, "read back from the broker")

	resp, err := c.Remote().InvokeSync(ctx, b.BrokerAddr(), remoting.NewRequest(remoting.QueryConsumerOffset,
		map[string]string{"consumerGroup": "G", "topic": "T", "queueId": strconv.Itoa(1)}, nil), time.Second)
	require.NoError(t, err)
	assert.Equal(t, "42", resp.Ext("offset"))
}

func TestRemoteOffsetStoreCommitsPastAStalledBroker(t *testing.T) {
	start := func(cfg devbroker.Config) *devbroker.Broker {
		cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
		b, err := devbroker.Start(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { b.Close() })
		require.NoError(t, b.CreateTopic("T", 4))
		return b
	}
	a := start(devbroker.Config{})
	stalled := start(devbroker.Config{BrokerName: "broker-b", RegisterTo: []string{a.NameServerAddr()}})
	stalled.SetHook(remoting.UpdateConsumerOffset, func(*remoting.Command) (*remoting.Command, bool) { return nil, true })
	c := client.New(client.Config{NameServerAddrs: []string{a.NameServerAddr()}, RequestTimeout: time.Second})
	require.NoError(t, c.Start())
	t.Cleanup(c.Shutdown)
	ctx := context.Background()
	require.Eventually(t, func() bool {
		r, err := c.UpdateRoute(ctx, "T")
		return err == nil && len(r.BrokerDatas) == 2
	}, 10*time.Second, 10*time.Millisecond)

	s := consumer.NewRemoteOffsetStore(c, "G")
	var mqs []route.MessageQueue
	for _, b := range []string{"broker-a", "broker-b"} {
		for q := range 4 {
			mq := route.MessageQueue{Topic: "T", BrokerName: b, QueueID: q}
			s.Update(mq, int64(10+q), false)
			mqs = append(mqs, mq)
		}
	}
	// Budget for one stalled commit: broker-b's other three get none, broker-a's four must
	// not wait behind them.
	pctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	err := s.Persist(pctx, mqs)
	require.Error(t, err, "broker-b never answered")
	for q := range 4 {
		resp, err := c.Remote().InvokeSync(ctx, a.BrokerAddr(), remoting.NewRequest(remoting.QueryConsumerOffset,
			map[string]string{"consumerGroup": "G", "topic": "T", "queueId": strconv.Itoa(q)}, nil), time.Second)
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(10+q), resp.Ext("offset"), "broker-a queue %d committed", q)
	}
}
