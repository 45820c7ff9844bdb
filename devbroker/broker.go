package devbroker

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// Config configures a dev broker. The zero value, after defaults, serves the name server on
// 127.0.0.1:9876 and the broker on 127.0.0.1:10911 like a stock RocketMQ install; tests use
// "127.0.0.1:0" for both to get free ports.
type Config struct {
	NameServerAddr string // listen address of the name server (default 127.0.0.1:9876)
	BrokerAddr     string // listen address of the broker (default 127.0.0.1:10911)
	BrokerName     string // default "broker-a"
	// BrokerAdvertiseAddr, when set, is the broker address published in routes instead of
	// the listen address (as brokerIP1 is): a proxy in front of the broker, say.
	BrokerAdvertiseAddr string
	ClusterName         string // default "DefaultCluster"

	// RegisterTo are other name servers this broker registers with, as a Java broker
	// registers with its namesrvAddr, so that brokers of several dev brokers share one name
	// server's routes (register.go). Its own name server serves it regardless.
	RegisterTo []string
	// RegisterInterval is how often it registers again (default 30s, as upstream).
	RegisterInterval time.Duration

	// DefaultQueueNums is the queue count of auto-created topics (default 4).
	DefaultQueueNums int
	// DisableAutoCreateTopic makes sends to unknown topics fail with TOPIC_NOT_EXIST and
	// route queries answer TOPIC_NOT_EXIST, as autoCreateTopicEnable=false does.
	DisableAutoCreateTopic bool
	// MaxMessageSize is the largest body accepted (default 4 MiB).
	MaxMessageSize int
	// MaxStoreBytes bounds the commit log; the oldest messages are dropped past it (default
	// 1 GiB).
	MaxStoreBytes int64

	// DataDir, when set, keeps the commit log, consumer offsets, topics, delay progress and
	// pending half messages there, so they survive a restart (persist.go). Empty: memory.
	DataDir string
	// SyncFlush fsyncs every append before the send is answered; without it a send is
	// answered once its bytes are written to the OS (write(2)), like ASYNC_FLUSH.
	SyncFlush bool
	// FlushInterval is how often the JSON state (offsets, topics, delay progress) is saved
	// to DataDir (default 1s); it is also saved on Close.
	FlushInterval time.Duration

	// ClientExpiry drops clients that have not sent a heartbeat for this long (default 120s).
	ClientExpiry time.Duration
	// LockExpiry is how long a queue lock of an orderly consumer lives (default 60s).
	LockExpiry time.Duration

	// DelayLevels are the delays of DELAY levels 1, 2, ... (default DefaultDelayLevels,
	// Java's messageDelayLevel); a higher level is the last one (schedule.go).
	DelayLevels []time.Duration
	// TransactionTimeout is how long a half message waits for END_TRANSACTION before its
	// producer is asked (default 6s), TransactionCheckInterval the time between two checks
	// (default 60s), TransactionCheckMax the checks before it is given up (default 15).
	TransactionTimeout       time.Duration
	TransactionCheckInterval time.Duration
	TransactionCheckMax      int

	// ACL, when set, makes the broker check every request's signature (acl.go).
	ACL *ACLConfig
	// TLS, when set, serves TLS on both ports (tls.go).
	TLS *TLSConfig

	Logger *slog.Logger // default: discard
}

func (c *Config) applyDefaults() {
	if c.NameServerAddr == "" {
		c.NameServerAddr = "127.0.0.1:9876"
	}
	if c.BrokerAddr == "" {
		c.BrokerAddr = "127.0.0.1:10911"
	}
	if c.BrokerName == "" {
		c.BrokerName = "broker-a"
	}
	if c.ClusterName == "" {
		c.ClusterName = "DefaultCluster"
	}
	if c.RegisterInterval <= 0 {
		c.RegisterInterval = 30 * time.Second
	}
	if c.DefaultQueueNums <= 0 {
		c.DefaultQueueNums = 4
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 4 << 20
	}
	if c.MaxStoreBytes <= 0 {
		c.MaxStoreBytes = 1 << 30
	}
	if c.ClientExpiry <= 0 {
		c.ClientExpiry = 120 * time.Second
	}
	if c.LockExpiry <= 0 {
		c.LockExpiry = 60 * time.Second
	}
	if len(c.DelayLevels) == 0 {
		c.DelayLevels = DefaultDelayLevels
	}
	c.DelayLevels = slices.Clone(c.DelayLevels)
	if c.TransactionTimeout <= 0 {
		c.TransactionTimeout = 6 * time.Second
	}
	if c.TransactionCheckInterval <= 0 {
		c.TransactionCheckInterval = 60 * time.Second
	}
	if c.TransactionCheckMax <= 0 {
		c.TransactionCheckMax = 15
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Broker is a running name server and broker.
type Broker struct {
	cfg Config
	log *slog.Logger

	nsServer     *remoting.Server
	brokerServer *remoting.Server
	nsAddr       string
	brokerAddr   string // as published, BrokerAdvertiseAddr when set
	listenAddr   string

	topics  *topicTable
	store   *store
	holds   *pullHolds
	offsets *offsetTable
	clients *clientTable
	locks   *lockTable
	ns      *nameServer
	sched   *scheduler
	tx      *txTable
	admin   *adminState
	persist *persister // nil: in memory only
	reg     *registrar // nil: no RegisterTo

	hooksMu sync.RWMutex
	hooks   map[int32]Hook
	acl     *aclChecker // nil: no ACL

	stop chan struct{}
	wg   sync.WaitGroup
}

// Hook intercepts requests of one code before the broker handles them, so tests can force
// errors (SYSTEM_BUSY, a timeout by returning handled=true and no response, ...). It returns
// handled=false to let the broker process the request normally.
type Hook func(req *remoting.Command) (resp *remoting.Command, handled bool)

// Start starts the name server and the broker and returns once both listen.
func Start(cfg Config) (*Broker, error) {
	cfg.applyDefaults()
	acl, err := newACLChecker(cfg.ACL)
	if err != nil {
		return nil, err
	}
	tlsCfg, tlsPermissive, err := cfg.TLS.server()
	if err != nil {
		return nil, err
	}
	b := &Broker{
		cfg:   cfg,
		log:   cfg.Logger,
		hooks: make(map[int32]Hook),
		acl:   acl,
		stop:  make(chan struct{}),
	}
	b.nsServer = remoting.NewServer(remoting.ServerOptions{TLS: tlsCfg, TLSPermissive: tlsPermissive})
	b.brokerServer = remoting.NewServer(remoting.ServerOptions{OnDisconnect: b.onDisconnect, TLS: tlsCfg, TLSPermissive: tlsPermissive})

	nsAddr, err := b.nsServer.Listen(cfg.NameServerAddr)
	if err != nil {
		b.nsServer.Close()
		b.brokerServer.Close()
		return nil, fmt.Errorf("devbroker: name server: %w", err)
	}
	brokerAddr, err := b.brokerServer.Listen(cfg.BrokerAddr)
	if err != nil {
		b.nsServer.Close()
		b.brokerServer.Close()
		return nil, fmt.Errorf("devbroker: broker: %w", err)
	}
	b.nsAddr = advertise(nsAddr)
	b.brokerAddr = advertise(brokerAddr)
	b.listenAddr = b.brokerAddr
	if cfg.BrokerAdvertiseAddr != "" {
		b.brokerAddr = cfg.BrokerAdvertiseAddr
	}

	b.topics = newTopicTable(b)
	b.store = newStore(b)
	b.holds = newPullHolds(b)
	b.offsets = newOffsetTable(b)
	b.clients = newClientTable(b)
	b.locks = newLockTable(b)
	b.ns = newNameServer(b)
	b.sched = newScheduler(b)
	b.tx = newTxTable(b)
	b.admin = newAdminState(b)
	if len(cfg.RegisterTo) > 0 {
		b.reg = newRegistrar(b)
	}
	if b.persist, err = openPersistence(b); err != nil {
		b.nsServer.Close()
		b.brokerServer.Close()
		if b.store.files != nil {
			b.store.files.close()
		}
		return nil, err
	}

	b.registerNameServer()
	b.registerBroker()
	b.startBackground()
	b.sched.start()
	b.tx.start()
	if b.persist != nil {
		b.persist.start()
	}
	if b.reg != nil {
		b.reg.start()
	}
	return b, nil
}

// advertise turns a listen address into one clients can dial: an unspecified host becomes
// 127.0.0.1.
func advertise(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	return tcp.String()
}

// NameServerAddr is the name server's address, for clients' name server setting.
func (b *Broker) NameServerAddr() string { return b.nsAddr }

// BrokerAddr is the broker's address as published in routes.
func (b *Broker) BrokerAddr() string { return b.brokerAddr }

// BrokerListenAddr is where the broker listens, which differs from BrokerAddr with
// BrokerAdvertiseAddr.
func (b *Broker) BrokerListenAddr() string { return b.listenAddr }

// BrokerName is the broker's name as published in routes.
func (b *Broker) BrokerName() string { return b.cfg.BrokerName }

// CreateTopic creates a topic, or updates its queue counts, with read and write permission.
func (b *Broker) CreateTopic(topic string, queueNums int) error {
	_, err := b.topics.createOrUpdate(topic, queueNums, queueNums, PermRead|PermWrite)
	return err
}

// topicsChanged tells the name servers of RegisterTo about a new or changed topic.
func (b *Broker) topicsChanged() {
	if b.reg != nil {
		b.reg.topicsChanged()
	}
}

// SetHook installs a hook for one request code (nil removes it).
func (b *Broker) SetHook(code int32, h Hook) {
	b.hooksMu.Lock()
	defer b.hooksMu.Unlock()
	if h == nil {
		delete(b.hooks, code)
	} else {
		b.hooks[code] = h
	}
}

// handle registers a broker processor behind the ACL and hook checks.
func (b *Broker) handle(srv *remoting.Server, code int32, p remoting.Processor) {
	checkACL := b.acl != nil && (srv == b.brokerServer || b.acl.nameServer)
	srv.RegisterProcessor(code, func(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
		if checkACL {
			if resp := b.acl.check(req); resp != nil {
				return resp
			}
		}
		b.hooksMu.RLock()
		h := b.hooks[code]
		b.hooksMu.RUnlock()
		if h != nil {
			if resp, handled := h(req); handled {
				return resp
			}
		}
		return p(conn, req)
	})
}

func (b *Broker) registerNameServer() {
	b.handle(b.nsServer, remoting.GetRouteInfoByTopic, b.ns.getRouteInfo)
	b.handle(b.nsServer, remoting.GetBrokerClusterInfo, b.ns.getClusterInfo)
	b.handle(b.nsServer, remoting.GetAllTopicListFromNameServer, b.ns.getAllTopics)
	b.handle(b.nsServer, remoting.RegisterBroker, b.ns.registerBroker)
	b.handle(b.nsServer, remoting.UnregisterBroker, b.ns.unregisterBroker)
}

func (b *Broker) registerBroker() {
	s := b.brokerServer
	b.handle(s, remoting.SendMessage, b.handleSend)
	b.handle(s, remoting.SendMessageV2, b.handleSend)
	b.handle(s, remoting.SendBatchMessage, b.handleSend)
	b.handle(s, remoting.PullMessage, b.handlePull)
	b.handle(s, remoting.QueryConsumerOffset, b.handleQueryConsumerOffset)
	b.handle(s, remoting.UpdateConsumerOffset, b.handleUpdateConsumerOffset)
	b.handle(s, remoting.GetMaxOffset, b.handleGetMaxOffset)
	b.handle(s, remoting.GetMinOffset, b.handleGetMinOffset)
	b.handle(s, remoting.SearchOffsetByTimestamp, b.handleSearchOffset)
	b.handle(s, remoting.GetEarliestMsgStoreTime, b.handleGetEarliestMsgStoreTime)
	b.handle(s, remoting.HeartBeat, b.admin.notingClient(b.handleHeartbeat))
	b.handle(s, remoting.UnregisterClient, b.handleUnregisterClient)
	b.handle(s, remoting.GetConsumerListByGroup, b.handleGetConsumerList)
	b.handle(s, remoting.LockBatchMQ, b.handleLockBatch)
	b.handle(s, remoting.UnlockBatchMQ, b.handleUnlockBatch)
	b.handle(s, remoting.UpdateAndCreateTopic, b.handleUpdateAndCreateTopic)
	b.handle(s, remoting.ConsumerSendMsgBack, b.handleConsumerSendMsgBack)
	b.handle(s, remoting.EndTransaction, b.handleEndTransaction)
	b.handle(s, remoting.QueryMessage, b.handleQueryMessage)
	b.handle(s, remoting.ViewMessageByID, b.handleViewMessageByID)
	b.registerAdmin(s)
}

// startBackground runs the periodic work: client, lock and registered-broker expiry.
func (b *Broker) startBackground() {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case now := <-t.C:
				b.clients.expire(now)
				b.locks.expire(now)
				b.ns.expire(now)
			}
		}
	}()
}

func (b *Broker) onDisconnect(conn *remoting.Conn) {
	b.clients.connectionClosed(conn)
	b.holds.connectionClosed(conn)
	b.admin.connectionClosed(conn)
}

// Close stops both servers and every background goroutine.
func (b *Broker) Close() error {
	select {
	case <-b.stop:
		return nil
	default:
	}
	close(b.stop)
	b.brokerServer.Close()
	b.nsServer.Close()
	b.holds.close()
	b.wg.Wait()
	if b.reg != nil {
		b.reg.close()
	}
	if b.persist != nil {
		return b.persist.close()
	}
	return nil
}

// ok is a SUCCESS response.
func ok() *remoting.Command { return remoting.NewResponse(remoting.Success, "") }

// fail is an error response.
func fail(code int32, format string, args ...any) *remoting.Command {
	return remoting.NewResponse(code, fmt.Sprintf(format, args...))
}
