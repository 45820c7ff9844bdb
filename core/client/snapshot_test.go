package client_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/internal/faultproxy"
)

func TestRouteSnapshotServesWhenNoNameServerAnswers(t *testing.T) {
	b := startBroker(t)
	require.NoError(t, b.CreateTopic("T%1|x", 3))
	proxy, err := faultproxy.New(b.NameServerAddr())
	require.NoError(t, err)
	t.Cleanup(func() { proxy.Close() })
	dir := t.TempDir()
	cfg := client.Config{NameServerAddrs: []string{proxy.Addr()}, InstanceName: "snap", RouteSnapshotDir: dir, RequestTimeout: wait}
	ctx := context.Background()

	first := client.New(cfg)
	require.NoError(t, first.Start())
	saved, err := first.Route(ctx, "T%1|x")
	require.NoError(t, err)
	first.Shutdown()
	files, err := filepath.Glob(filepath.Join(dir, "*.route.json"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one file for the topic, no temporary left behind")

	proxy.Drop()
	second := client.New(cfg)
	require.NoError(t, second.Start())
	t.Cleanup(second.Shutdown)
	got, err := second.Route(ctx, "T%1|x")
	require.NoError(t, err, "served from the snapshot")
	assert.Equal(t, saved, got)
	assert.Equal(t, b.BrokerAddr(), second.BrokerAddr(b.BrokerName()))
	_, err = second.Route(ctx, "Unknown")
	assert.Error(t, err, "no snapshot, no route")
	assert.NotErrorIs(t, err, route.ErrTopicNotExist)

	// Back: the name server's answer replaces the snapshot's and is saved.
	proxy.Heal()
	require.NoError(t, b.CreateTopic("T%1|x", 5))
	fresh, err := second.UpdateRoute(ctx, "T%1|x")
	require.NoError(t, err)
	assert.Len(t, fresh.PublishQueues("T%1|x"), 5)

	proxy.Drop()
	third := client.New(cfg)
	require.NoError(t, third.Start())
	t.Cleanup(third.Shutdown)
	got, err = third.Route(ctx, "T%1|x")
	require.NoError(t, err)
	assert.Len(t, got.PublishQueues("T%1|x"), 5, "the newest route was saved")
}

func TestRouteSnapshotOffOrUnreadable(t *testing.T) {
	b := startBroker(t)
	require.NoError(t, b.CreateTopic("T", 1))
	proxy, err := faultproxy.New(b.NameServerAddr())
	require.NoError(t, err)
	t.Cleanup(func() { proxy.Close() })
	proxy.Drop()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "T.route.json"), []byte("{not json"), 0o644))
	for name, d := range map[string]string{"off": "", "corrupt": dir} {
		c := client.New(client.Config{NameServerAddrs: []string{proxy.Addr()}, InstanceName: "snap-" + name, RouteSnapshotDir: d})
		require.NoError(t, c.Start())
		_, err := c.Route(context.Background(), "T")
		assert.Error(t, err, name)
		c.Shutdown()
	}
}

func TestRouteSnapshotDirFromEnv(t *testing.T) {
	t.Setenv(client.EnvRouteSnapshotDir, " /var/tmp/routes ")
	assert.Equal(t, "/var/tmp/routes", client.RouteSnapshotDirFromEnv())
	t.Setenv(client.EnvRouteSnapshotDir, "")
	assert.Empty(t, client.RouteSnapshotDirFromEnv())
}
