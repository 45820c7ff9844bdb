package route

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNameServerURL(t *testing.T) {
	for domain, want := range map[string]string{
		"jmenv.tbsite.net":       "http://jmenv.tbsite.net:8080/rocketmq/nsaddr",
		" jmenv.tbsite.net ":     "http://jmenv.tbsite.net:8080/rocketmq/nsaddr",
		"10.0.0.1:9090":          "http://10.0.0.1:9090/rocketmq/nsaddr",
		"[::1]":                  "http://[::1]:8080/rocketmq/nsaddr",
		"[::1]:81":               "http://[::1]:81/rocketmq/nsaddr",
		"http://ns.example/list": "http://ns.example/list",
		// What upstream's C++ client expects: the whole URL, used as is.
		"http://jmenv.tbsite.net:8080/rocketmq/nsaddr":  "http://jmenv.tbsite.net:8080/rocketmq/nsaddr",
		"https://ns.example:8443/rocketmq/nsaddr-unit1": "https://ns.example:8443/rocketmq/nsaddr-unit1",
		"ns.example:8080/rocketmq/nsaddr":               "http://ns.example:8080/rocketmq/nsaddr",
	} {
		got, err := NameServerURL(domain)
		if assert.NoError(t, err, domain) {
			assert.Equal(t, want, got, domain)
		}
	}
	for _, bad := range []string{"", "  ", "ftp://ns.example/x", "http://", "://x"} {
		_, err := NameServerURL(bad)
		assert.Error(t, err, bad)
	}
}

// addressServer answers /rocketmq/nsaddr with whatever body() returns.
func addressServer(t *testing.T, body func() string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rocketmq/nsaddr" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hostPort(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func TestLookupNameServers(t *testing.T) {
	srv := addressServer(t, func() string { return "  10.0.0.1:9876;10.0.0.2:9876\r\nsecond line ignored\n" })
	ctx := context.Background()

	// host:port form: the port is the server's, no :8080 added.
	addrs, err := LookupNameServers(ctx, hostPort(srv), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1:9876", "10.0.0.2:9876"}, addrs)

	// The full URL form.
	addrs, err = LookupNameServers(ctx, srv.URL+"/rocketmq/nsaddr", srv.Client())
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1:9876", "10.0.0.2:9876"}, addrs)

	// A wrong path is a 404, which is an error.
	_, err = LookupNameServers(ctx, srv.URL+"/other", nil)
	assert.ErrorContains(t, err, "404")
}

func TestLookupNameServersGarbage(t *testing.T) {
	for _, body := range []string{"", "\n\n", "<html>not found</html>", "10.0.0.1", strings.Repeat("x", maxNameServerListSize+10)} {
		srv := addressServer(t, func() string { return body })
		_, err := LookupNameServers(context.Background(), hostPort(srv), nil)
		assert.Error(t, err, "%.40q", body)
	}
}

func TestLookupNameServersDown(t *testing.T) {
	srv := addressServer(t, func() string { return "10.0.0.1:9876" })
	addr := hostPort(srv)
	srv.Close()
	_, err := LookupNameServers(context.Background(), addr, nil)
	assert.Error(t, err)

	// A server that never answers is bounded by the context.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = LookupNameServers(ctx, hostPort(hang), nil)
	assert.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestNameServerFromEnv(t *testing.T) {
	t.Setenv(EnvNameServerAddr, "")
	addrs, err := NameServerFromEnv()
	assert.NoError(t, err)
	assert.Nil(t, addrs)

	t.Setenv(EnvNameServerAddr, " 127.0.0.1:9876;127.0.0.2:9876 ")
	addrs, err = NameServerFromEnv()
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:9876", "127.0.0.2:9876"}, addrs)

	t.Setenv(EnvNameServerAddr, "http://127.0.0.1:9876")
	addrs, err = NameServerFromEnv()
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:9876"}, addrs)

	t.Setenv(EnvNameServerAddr, "nonsense")
	_, err = NameServerFromEnv()
	assert.Error(t, err)
}

// waitGoroutines waits for the goroutine count to come back to n: the server's and the
// transport's goroutines end asynchronously after Close.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDomainResolverRefreshes(t *testing.T) {
	before := runtime.NumGoroutine()

	var mu sync.Mutex
	list := "10.0.0.1:9876"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if list == "" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(list))
	}))

	ns := NewNameServer(nil, nil)
	var errs atomic.Int32
	r := NewDomainResolver(ns, DomainResolverConfig{
		Domain:   hostPort(srv),
		Interval: 20 * time.Millisecond,
		OnError:  func(error) { errs.Add(1) },
	})
	require.NoError(t, r.Start(context.Background()))
	assert.Equal(t, []string{"10.0.0.1:9876"}, ns.Addrs(), "Start does the first lookup itself")
	assert.ErrorContains(t, r.Start(context.Background()), "already started")

	mu.Lock()
	list = "10.0.0.2:9876;10.0.0.3:9876"
	mu.Unlock()
	assert.Eventually(t, func() bool { return len(ns.Addrs()) == 2 }, 3*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"10.0.0.2:9876", "10.0.0.3:9876"}, ns.Addrs())

	// A failing address server leaves the list alone and is reported.
	mu.Lock()
	list = ""
	mu.Unlock()
	assert.Eventually(t, func() bool { return errs.Load() >= 2 }, 3*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"10.0.0.2:9876", "10.0.0.3:9876"}, ns.Addrs())

	r.Stop()
	r.Stop() // twice is fine
	n := hits.Load()
	time.Sleep(60 * time.Millisecond)
	assert.Equal(t, n, hits.Load(), "no lookups after Stop")

	srv.Close()
	waitGoroutines(t, before)
}

func TestDomainResolverUnchangedListKeepsCurrent(t *testing.T) {
	srv := addressServer(t, func() string { return "10.0.0.1:9876;10.0.0.2:9876" })
	ns := NewNameServer(nil, []string{"10.0.0.1:9876", "10.0.0.2:9876"})
	ns.mu.Lock()
	ns.current = 1 // failed over to the second earlier
	ns.mu.Unlock()
	r := NewDomainResolver(ns, DomainResolverConfig{Domain: hostPort(srv)})
	require.NoError(t, r.Refresh(context.Background()))
	ns.mu.Lock()
	assert.Equal(t, 1, ns.current)
	ns.mu.Unlock()
}

func TestDomainResolverStartFailsButRuns(t *testing.T) {
	before := runtime.NumGoroutine()
	var mu sync.Mutex
	up := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !up {
			http.Error(w, "not yet", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("10.0.0.9:9876"))
	}))
	ns := NewNameServer(nil, nil)
	r := NewDomainResolver(ns, DomainResolverConfig{Domain: hostPort(srv), Interval: 20 * time.Millisecond, OnError: func(error) {}})
	assert.Error(t, r.Start(context.Background()))
	mu.Lock()
	up = true
	mu.Unlock()
	assert.Eventually(t, func() bool { return len(ns.Addrs()) == 1 }, 3*time.Second, 5*time.Millisecond)
	r.Stop()
	srv.Close()
	waitGoroutines(t, before)
}

// Stop must end a lookup that is hanging, not wait for the HTTP timeout.
func TestDomainResolverStopCancelsLookup(t *testing.T) {
	before := runtime.NumGoroutine()
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			_, _ = w.Write([]byte("10.0.0.1:9876"))
			return
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	ns := NewNameServer(nil, nil)
	r := NewDomainResolver(ns, DomainResolverConfig{
		Domain: hostPort(srv), Interval: 10 * time.Millisecond, OnError: func(error) {},
		Client: &http.Client{Timeout: time.Minute},
	})
	require.NoError(t, r.Start(context.Background()))
	assert.Eventually(t, func() bool { return calls.Load() >= 2 }, 3*time.Second, 5*time.Millisecond)
	start := time.Now()
	r.Stop()
	assert.Less(t, time.Since(start), time.Second)
	close(release)
	srv.Close()
	waitGoroutines(t, before)
}

func TestDomainResolverStopBeforeStart(t *testing.T) {
	r := NewDomainResolver(NewNameServer(nil, nil), DomainResolverConfig{Domain: "x"})
	r.Stop()
}
