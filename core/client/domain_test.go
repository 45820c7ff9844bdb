package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
)

// An address server answering whatever list is stored in answer.
func addressServer(t *testing.T, answer *atomic.Value) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(answer.Load().(string)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/rocketmq/nsaddr"
}

// With only a domain, Start takes the list from the address server, routes come from the
// name server it named, and the list follows the address server while the client runs.
func TestNameServerDomainIsLookedUpAndRefreshed(t *testing.T) {
	first, second := startBroker(t), startBroker(t)
	require.NoError(t, first.CreateTopic("T", 2))
	var answer atomic.Value
	answer.Store(first.NameServerAddr())
	c := client.New(client.Config{
		NameServerDomain:         addressServer(t, &answer),
		NameServerDomainInterval: 20 * time.Millisecond,
		InstanceName:             "domain",
	})
	require.NoError(t, c.Start())
	defer c.Shutdown()
	assert.Equal(t, []string{first.NameServerAddr()}, c.NameServer().Addrs())
	_, err := c.Route(context.Background(), "T")
	require.NoError(t, err, "the route comes from the name server the address server named")

	answer.Store(second.NameServerAddr())
	require.Eventually(t, func() bool {
		addrs := c.NameServer().Addrs()
		return len(addrs) == 1 && addrs[0] == second.NameServerAddr()
	}, wait, 10*time.Millisecond, "the list did not follow the address server")
}

func TestNameServerDomainWithoutAnswerFailsStart(t *testing.T) {
	var answer atomic.Value
	answer.Store("")
	c := client.New(client.Config{NameServerDomain: addressServer(t, &answer), InstanceName: "nodomain"})
	err := c.Start()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no name server address")
	c.Shutdown()
}

// Addresses set explicitly win: the address server is never asked.
func TestNameServerAddrsWinOverDomain(t *testing.T) {
	b := startBroker(t)
	var asked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { asked.Store(true) }))
	defer srv.Close()
	c := client.New(client.Config{NameServerAddrs: []string{b.NameServerAddr()}, NameServerDomain: srv.URL + "/x", InstanceName: "both"})
	require.NoError(t, c.Start())
	c.Shutdown()
	assert.False(t, asked.Load())
}
