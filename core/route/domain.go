package route

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/log"
)

// EnvNameServerAddr is the environment variable every RocketMQ client reads for its name
// server list when none is set explicitly.
const EnvNameServerAddr = "NAMESRV_ADDR"

// NameServerFromEnv parses NAMESRV_ADDR. It returns nil and no error when the variable is
// unset or blank. Upstream's C++ client reads it once, when a producer or consumer is
// created; callers should do the same, so a later change to the environment does not
// move a running client.
func NameServerFromEnv() ([]string, error) {
	v := strings.TrimSpace(os.Getenv(EnvNameServerAddr))
	if v == "" {
		return nil, nil
	}
	// The address setters accept (and drop) an "http://" prefix; be as lenient here.
	return ParseAddrs(strings.TrimPrefix(v, "http://"))
}

// DefaultDomainRefreshInterval is how often Java's and the C++ clients ask the address
// server again.
const DefaultDomainRefreshInterval = 2 * time.Minute

// Upstream's C++ client gives up on the address server after 3 s.
const domainLookupTimeout = 3 * time.Second

// maxNameServerListSize bounds what we read from the address server: a name server list
// is a line, and a misconfigured URL can point at anything.
const maxNameServerListSize = 64 << 10

var defaultLookupClient = &http.Client{Timeout: domainLookupTimeout}

// NameServerURL is the address-server URL for a SetProducerNameServerDomain argument.
// Java's client builds http://{domain}:8080/rocketmq/nsaddr, leaving out :8080 when the
// domain has a port; upstream's C++ client takes the argument as the whole URL instead
// (and fails on a bare host name). We accept both: anything with a scheme, or with a
// path, is a URL and used as it is; a host with or without a port gets Java's URL.
func NameServerURL(domain string) (string, error) {
	domain = strings.TrimSpace(domain)
	if domain == "" {
		return "", errors.New("route: no name server domain set")
	}
	raw := domain
	if !strings.Contains(domain, "://") {
		if strings.Contains(domain, "/") {
			raw = "http://" + domain
		} else {
			hostPort := domain
			if _, _, err := net.SplitHostPort(domain); err != nil {
				hostPort = net.JoinHostPort(strings.Trim(domain, "[]"), "8080")
			}
			raw = "http://" + hostPort + "/rocketmq/nsaddr"
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("route: bad name server domain %q: %w", domain, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("route: bad name server domain %q: want a host[:port] or an http(s) URL", domain)
	}
	return u.String(), nil
}

// LookupNameServers asks the address server for the name server list: GET the URL from
// NameServerURL, expect 200 and a body of "host:port;host:port", of which only the first
// line counts. A nil client means a 3 s timeout, as upstream.
func LookupNameServers(ctx context.Context, domain string, client *http.Client) ([]string, error) {
	u, err := NameServerURL(domain)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = defaultLookupClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("route: name server lookup: %w", err)
	}
	// One request every two minutes gains nothing from keep-alive, and an idle
	// connection would outlive the resolver that made it. Upstream closes too.
	req.Close = true
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("route: name server lookup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("route: name server lookup %s: HTTP status %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxNameServerListSize+1))
	if err != nil {
		return nil, fmt.Errorf("route: name server lookup %s: %w", u, err)
	}
	if len(body) > maxNameServerListSize {
		return nil, fmt.Errorf("route: name server lookup %s: answer larger than %d bytes", u, maxNameServerListSize)
	}
	line := strings.TrimSpace(string(body))
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	addrs, err := ParseAddrs(line)
	if err != nil {
		return nil, fmt.Errorf("route: name server lookup %s: %w", u, err)
	}
	return addrs, nil
}

// DomainResolverConfig configures a DomainResolver; zero values mean the defaults named.
type DomainResolverConfig struct {
	// Domain is the SetProducerNameServerDomain argument (see NameServerURL).
	Domain string
	// Interval between lookups (default DefaultDomainRefreshInterval).
	Interval time.Duration
	// Client makes the requests (default: 3 s timeout).
	Client *http.Client
	// OnError sees each failed lookup (default: logged as a warning). The name server
	// list is left as it was: a flaky address server must not empty it.
	OnError func(error)
}

// DomainResolver keeps a NameServer's list in step with an address server.
type DomainResolver struct {
	ns  *NameServer
	cfg DomainResolverConfig

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewDomainResolver returns a resolver updating ns; it does nothing until Start.
func NewDomainResolver(ns *NameServer, cfg DomainResolverConfig) *DomainResolver {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultDomainRefreshInterval
	}
	if cfg.OnError == nil {
		domain := cfg.Domain
		cfg.OnError = func(err error) { log.Warn("name server lookup failed", "domain", domain, "err", err) }
	}
	return &DomainResolver{ns: ns, cfg: cfg}
}

// Refresh looks the list up once and, when it differs from the NameServer's, replaces
// it. An unchanged list is left alone so the NameServer keeps the server it is using.
func (r *DomainResolver) Refresh(ctx context.Context) error {
	addrs, err := LookupNameServers(ctx, r.cfg.Domain, r.cfg.Client)
	if err != nil {
		return err
	}
	if !slices.Equal(addrs, r.ns.Addrs()) {
		log.Info("name server list from address server", "domain", r.cfg.Domain, "addrs", strings.Join(addrs, ";"))
		r.ns.SetAddrs(addrs)
	}
	return nil
}

// Start looks the list up once, then again every interval on a goroutine of its own
// until Stop. It returns the first lookup's error, if any, but keeps running either way,
// as upstream does: a client can start before its address server answers, and later
// lookups fill the list in. ctx bounds only that first lookup.
func (r *DomainResolver) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("route: domain resolver already started")
	}
	r.started = true
	loopCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	r.mu.Unlock()

	// Stop may run while the first lookup is under way; it must end that lookup too.
	first, stopFirst := context.WithCancel(ctx)
	go func() {
		select {
		case <-loopCtx.Done():
			stopFirst()
		case <-first.Done():
		}
	}()
	err := r.Refresh(first)
	stopFirst()

	go r.loop(loopCtx)
	return err
}

func (r *DomainResolver) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
				r.cfg.OnError(err)
			}
		}
	}
}

// Stop ends the refreshes, cancelling a lookup in progress, and returns once the
// resolver's goroutine has exited. It may be called more than once, and before Start.
func (r *DomainResolver) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}
