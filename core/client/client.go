package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// Config configures a Client. Zero values take the defaults named on each field.
type Config struct {
	// NameServerAddrs are the name servers to ask for routes.
	NameServerAddrs []string
	// NameServerDomain, used when NameServerAddrs is empty, is an address server (a
	// SetProducerNameServerDomain argument, see route.NameServerURL) that Start asks for
	// the list, and asks again every NameServerDomainInterval while the client runs
	// (default route.DefaultDomainRefreshInterval), as upstream's clients do.
	NameServerDomain         string
	NameServerDomainInterval time.Duration
	// InstanceName is part of the client id (default "DEFAULT", as upstream).
	InstanceName string
	// ClientIP is the address in the client id (default: the first non-loopback IPv4).
	ClientIP string
	// UnitName, when set, is appended to the client id.
	UnitName string

	// HeartbeatInterval is how often brokers hear from us (default 30s).
	HeartbeatInterval time.Duration
	// RouteRefreshInterval is how often cached routes are refreshed (default 30s).
	RouteRefreshInterval time.Duration
	// RequestTimeout bounds route queries, heartbeats and other housekeeping calls (default 3s).
	RequestTimeout time.Duration

	// RouteSnapshotDir, when set, keeps the last route fetched for each topic in this
	// directory (one file per topic, <topic>.route.json, replaced atomically), and a topic
	// for which no name server answers and no route is cached yet is served from its saved
	// route: a process started while every name server is unreachable can still send and
	// consume. Off by default; use one directory per cluster.
	RouteSnapshotDir string

	// Remoting configures the connections (TLS, ACL signing through BeforeRequest, ...).
	Remoting remoting.ClientOptions

	Logger *slog.Logger // default: discard
}

func (c *Config) applyDefaults() {
	if c.InstanceName == "" {
		c.InstanceName = "DEFAULT"
	}
	if c.ClientIP == "" {
		c.ClientIP = LocalIP()
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 30 * time.Second
	}
	if c.RouteRefreshInterval <= 0 {
		c.RouteRefreshInterval = 30 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 3 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// LocalIP is the first non-loopback IPv4 address of this host, or 127.0.0.1.
func LocalIP() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

// ProducerHandler is what a producer registers with its client.
type ProducerHandler interface {
	// CheckTransactionState answers a broker's CHECK_TRANSACTION_STATE for a half message
	// of this group. It runs on a client callback goroutine.
	CheckTransactionState(brokerAddr string, check TransactionCheck)
}

// ConsumerHandler is what a consumer registers with its client.
type ConsumerHandler interface {
	// ConsumerData is this consumer's part of every heartbeat.
	ConsumerData() ConsumerData
	// MembershipChanged is called when a broker says the group's members changed; the
	// consumer rebalances. It must not block.
	MembershipChanged()
}

// ConsumerAdmin is what a ConsumerHandler may also implement to answer the requests that
// brokers relay from admin tools. A consumer that does not gets SYSTEM_ERROR answers.
// The methods run on the client's callback goroutines.
type ConsumerAdmin interface {
	// RunningInfo is the body of a GET_CONSUMER_RUNNING_INFO answer (ConsumerRunningInfo
	// JSON); withStack asks for the goroutine dump in its jstack field.
	RunningInfo(withStack bool) ([]byte, error)
	// ConsumeMessageDirectly runs the listener on msg and returns the body of the
	// CONSUME_MESSAGE_DIRECTLY answer (ConsumeMessageDirectlyResult JSON).
	ConsumeMessageDirectly(msg *message.MessageExt, brokerName string) ([]byte, error)
	// ResetOffset moves the consumer's owned queues of topic to the given offsets
	// (RESET_CONSUMER_CLIENT_OFFSET).
	ResetOffset(topic string, offsets map[route.MessageQueue]int64)
	// ConsumerStatus is the consumer's offset of each owned queue of topic
	// (GET_CONSUMER_STATUS_FROM_CLIENT).
	ConsumerStatus(topic string) map[route.MessageQueue]int64
}

// ErrGroupInUse is returned when a group is registered twice under one client id.
var ErrGroupInUse = errors.New("client: group already registered under this client id")

// Client is one client id's view of the cluster. See the package doc.
type Client struct {
	cfg    Config
	id     string
	log    *slog.Logger
	remote *remoting.Client
	ns     *route.NameServer

	mu        sync.RWMutex
	routes    map[string]*cachedRoute
	producers map[string]ProducerHandler
	consumers map[string]ConsumerHandler

	lifecycle sync.Mutex
	started   bool
	closed    bool
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	resolver  *route.DomainResolver // nil without NameServerDomain
}

// New returns a client that is not yet started.
func New(cfg Config) *Client {
	cfg.applyDefaults()
	id := cfg.ClientIP + "@" + fmt.Sprint(os.Getpid()) + "#" + cfg.InstanceName
	if cfg.UnitName != "" {
		id += "@" + cfg.UnitName
	}
	c := &Client{
		cfg:       cfg,
		id:        id,
		log:       cfg.Logger.With("client", id),
		remote:    remoting.NewClient(cfg.Remoting),
		routes:    make(map[string]*cachedRoute),
		producers: make(map[string]ProducerHandler),
		consumers: make(map[string]ConsumerHandler),
	}
	c.ns = route.NewNameServer(c.remote, cfg.NameServerAddrs)
	c.remote.RegisterProcessor(remoting.CheckTransactionState, c.onCheckTransactionState)
	c.remote.RegisterProcessor(remoting.NotifyConsumerIDsChanged, c.onConsumerIDsChanged)
	c.remote.RegisterProcessor(remoting.GetConsumerRunningInfo, c.onGetConsumerRunningInfo)
	c.remote.RegisterProcessor(remoting.ConsumeMessageDirectly, c.onConsumeMessageDirectly)
	c.remote.RegisterProcessor(remoting.ResetConsumerClientOffset, c.onResetConsumerClientOffset)
	c.remote.RegisterProcessor(remoting.GetConsumerStatusFromClient, c.onGetConsumerStatus)
	return c
}

// ID is the client id brokers know this client by: ip@pid#instance[@unit].
func (c *Client) ID() string { return c.id }

// Remote is the connection pool, for requests the client does not wrap.
func (c *Client) Remote() *remoting.Client { return c.remote }

// NameServer is the name server client (to change its addresses, say).
func (c *Client) NameServer() *route.NameServer { return c.ns }

// RequestTimeout is the timeout for housekeeping calls.
func (c *Client) RequestTimeout() time.Duration { return c.cfg.RequestTimeout }

// Start begins heartbeats and route refreshes. It fails if there is no name server: none
// set, and none from the address server when a domain is set.
func (c *Client) Start() error {
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	switch {
	case c.closed:
		return errors.New("client: already shut down")
	case c.started:
		return nil
	case len(c.ns.Addrs()) == 0 && c.cfg.NameServerDomain != "":
		if err := c.startResolver(); err != nil {
			return err
		}
	case len(c.ns.Addrs()) == 0:
		return errors.New("client: no name server address set")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.started = true
	c.wg.Add(2)
	go c.every(ctx, c.cfg.HeartbeatInterval, func(ctx context.Context) { _ = c.SendHeartbeat(ctx) })
	go c.every(ctx, c.cfg.RouteRefreshInterval, c.refreshRoutes)
	return nil
}

// startResolver fills the name server list from the address server and keeps it in step.
// Without a first list the client cannot work, so a failed first lookup fails Start.
func (c *Client) startResolver() error {
	r := route.NewDomainResolver(c.ns, route.DomainResolverConfig{
		Domain:   c.cfg.NameServerDomain,
		Interval: c.cfg.NameServerDomainInterval,
		OnError: func(err error) {
			c.log.Warn("name server lookup failed", "domain", c.cfg.NameServerDomain, "err", err)
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
	err := r.Start(ctx)
	cancel()
	if len(c.ns.Addrs()) == 0 {
		r.Stop()
		return fmt.Errorf("client: no name server address: %w", err)
	}
	c.resolver = r
	return nil
}

func (c *Client) every(ctx context.Context, d time.Duration, f func(context.Context)) {
	defer c.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}

// Shutdown unregisters every group from the brokers, stops the background work and closes
// the connections. It is safe to call more than once.
func (c *Client) Shutdown() {
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	if c.cancel != nil {
		c.cancel()
	}
	if c.resolver != nil {
		c.resolver.Stop()
	}
	c.wg.Wait()
	if c.started {
		c.mu.RLock()
		var pgs, cgs []string
		for g := range c.producers {
			pgs = append(pgs, g)
		}
		for g := range c.consumers {
			cgs = append(cgs, g)
		}
		c.mu.RUnlock()
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
		for _, g := range pgs {
			c.unregister(ctx, g, "")
		}
		for _, g := range cgs {
			c.unregister(ctx, "", g)
		}
		cancel()
	}
	c.remote.Close()
	releaseGroups(c)
}

// RegisterProducer adds a producer group to this client's heartbeats.
func (c *Client) RegisterProducer(group string, h ProducerHandler) error {
	if err := claimGroup(c, "producer", group); err != nil {
		return err
	}
	c.mu.Lock()
	c.producers[group] = h
	c.mu.Unlock()
	return nil
}

// RegisterConsumer adds a consumer group to this client's heartbeats.
func (c *Client) RegisterConsumer(group string, h ConsumerHandler) error {
	if err := claimGroup(c, "consumer", group); err != nil {
		return err
	}
	c.mu.Lock()
	c.consumers[group] = h
	c.mu.Unlock()
	return nil
}

// groupsInUse is process-wide on purpose: it is what makes a second producer or consumer of
// the same group and client id fail to start, as it does with the C++ library, instead of
// both silently sharing the broker's view of one member.
var (
	groupsMu    sync.Mutex
	groupsInUse = map[string]*Client{}
)

func claimGroup(c *Client, kind, group string) error {
	key := kind + "\x00" + c.id + "\x00" + group
	groupsMu.Lock()
	defer groupsMu.Unlock()
	if owner, ok := groupsInUse[key]; ok && owner != c {
		return fmt.Errorf("%w: the %s group[%s] has been created before, specify another instance name", ErrGroupInUse, kind, group)
	}
	groupsInUse[key] = c
	return nil
}

func releaseGroups(c *Client) {
	groupsMu.Lock()
	defer groupsMu.Unlock()
	for k, owner := range groupsInUse {
		if owner == c {
			delete(groupsInUse, k)
		}
	}
}
