package interop

// The harness every interop test shares: a target (an in-process dev broker on ephemeral
// ports, or a real name server named by ROCKETMQ_NAMESRV), unique names, Apache clients
// with unique instance names and fast-test options, bounded waits, and a collector of
// consumed messages.
//
// Environment:
//
//	ROCKETMQ_NAMESRV=host:port  run against that real name server instead of a dev broker;
//	                            checks of dev-broker internals are skipped.
//	INTEROP_TRACE=1             log every request the Apache client sends to the dev broker
//	                            (through hooks) and every name-server frame in both
//	                            directions (through a logging proxy).
//	ROCKETMQ_GO_LOG_LEVEL=...   keep the Apache client's own logging at this level
//	                            (default here: error).

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// idProp is the user property carrying each test message's own identity ("kind-seq"),
// which is what exactly-once checks count (oneway sends return no ids).
const idProp = "interopId"

func TestMain(m *testing.M) {
	if os.Getenv("ROCKETMQ_GO_LOG_LEVEL") == "" {
		rlog.SetLogLevel("error")
	}
	if ns := os.Getenv("ROCKETMQ_NAMESRV"); ns != "" {
		fmt.Fprintf(os.Stderr, "interop: target is the REAL name server %s (ROCKETMQ_NAMESRV); dev-broker internal checks are skipped\n", ns)
	} else {
		fmt.Fprintln(os.Stderr, "interop: target is an in-process dev broker per test (set ROCKETMQ_NAMESRV to use a real name server)")
	}
	os.Exit(m.Run())
}

var (
	traceOn    = os.Getenv("INTEROP_TRACE") != ""
	nameSeq    atomic.Int64
	runID      = strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	nameFilter = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)
)

// env is one test's target.
type env struct {
	t        *testing.T
	broker   *devbroker.Broker // nil against a real name server
	nsAddr   string            // what clients are given
	external bool
	rc       *remoting.Client // our own remoting client, for route and offset probes
	base     string           // unique prefix of this test's names
}

// newEnv starts a dev broker (or picks the real name server) for one test.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t}
	e.base = fmt.Sprintf("it_%s_%s", runID, shorten(nameFilter.ReplaceAllString(t.Name(), "_"), 60))
	e.rc = remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { e.rc.Close() })

	if ns := os.Getenv("ROCKETMQ_NAMESRV"); ns != "" {
		e.external = true
		e.nsAddr = ns
		t.Logf("target: real name server %s", ns)
		return e
	}
	b, err := devbroker.Start(devbroker.Config{
		NameServerAddr: "127.0.0.1:0",
		BrokerAddr:     "127.0.0.1:0",
		ClientExpiry:   30 * time.Second,
		LockExpiry:     30 * time.Second,
		// Fast retries, delays and transaction checks; against a real broker the tests
		// wait for Java's defaults instead (see env.delay).
		DelayLevels:              fastDelayLevels(),
		TransactionTimeout:       200 * time.Millisecond,
		TransactionCheckInterval: 300 * time.Millisecond,
	})
	require.NoError(t, err, "start dev broker")
	t.Cleanup(func() { b.Close() })
	e.broker = b
	e.nsAddr = b.NameServerAddr()
	if traceOn {
		e.nsAddr = startTraceProxy(t, b.NameServerAddr())
		traceBrokerRequests(t, b)
	}
	t.Logf("target: dev broker, name server %s (clients use %s), broker %s %s",
		b.NameServerAddr(), e.nsAddr, b.BrokerName(), b.BrokerAddr())
	return e
}

// fastDelayStep is the dev broker's delay per level in these tests: level n waits n steps.
const fastDelayStep = 100 * time.Millisecond

func fastDelayLevels() []time.Duration {
	out := make([]time.Duration, len(devbroker.DefaultDelayLevels))
	for i := range out {
		out[i] = time.Duration(i+1) * fastDelayStep
	}
	return out
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// name returns a unique topic or group name for this test.
func (e *env) name(kind string) string {
	return fmt.Sprintf("%s_%s_%d", e.base, kind, nameSeq.Add(1))
}

// instance returns a unique client instance name: Apache's client shares one client object
// per client id (ip@instance) process-wide, so every producer and consumer gets its own.
func (e *env) instance(kind string) string {
	return fmt.Sprintf("interop-%s-%d-%d", kind, os.Getpid(), nameSeq.Add(1))
}

// skipIfExternal skips a check that needs the dev broker's internals.
func (e *env) internal() bool {
	if e.external {
		e.t.Logf("skipping a dev-broker internal check: target is a real name server")
	}
	return !e.external
}

// createTopic creates a topic with the given queue count and waits for its route.
func (e *env) createTopic(queues int) string {
	e.t.Helper()
	topic := e.name("topic")
	e.createTopicNamed(topic, queues)
	return topic
}

// createTopicNamed creates the named topic and waits for its route.
func (e *env) createTopicNamed(topic string, queues int) {
	e.t.Helper()
	if e.external {
		addrs := e.clusterBrokerAddrs()
		require.NotEmpty(e.t, addrs, "no broker address in the cluster info of %s", e.nsAddr)
		adm, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver([]string{e.nsAddr})))
		require.NoError(e.t, err)
		defer adm.Close()
		for _, a := range addrs {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := adm.CreateTopic(ctx, admin.WithTopicCreate(topic), admin.WithBrokerAddrCreate(a),
				admin.WithReadQueueNums(queues), admin.WithWriteQueueNums(queues))
			cancel()
			require.NoError(e.t, err, "create topic %s on %s", topic, a)
		}
	} else {
		require.NoError(e.t, e.broker.CreateTopic(topic, queues), "CreateTopic(%s, %d)", topic, queues)
	}
	waitFor(e.t, 10*time.Second, func() bool {
		r, err := e.route(topic)
		if err != nil && !strings.Contains(err.Error(), "code 17 ") {
			e.t.Fatalf("route of freshly created topic %s: %v", topic, err)
		}
		return err == nil && len(r.QueueDatas) > 0
	}, func() string {
		_, err := e.route(topic)
		return fmt.Sprintf("route of freshly created topic %s never appeared on the name server: last answer: %v", topic, err)
	})
}

// clusterBrokerAddrs reads broker addresses out of GET_BROKER_CLUSTER_INFO (a real name
// server answers fastjson with bare integer keys, so addresses are matched, not decoded).
func (e *env) clusterBrokerAddrs() []string {
	resp, err := e.rc.InvokeSync(context.Background(), e.nsAddr,
		remoting.NewRequest(remoting.GetBrokerClusterInfo, nil, nil), 3*time.Second)
	require.NoError(e.t, err, "GET_BROKER_CLUSTER_INFO")
	require.Equal(e.t, remoting.Success, resp.Code, "GET_BROKER_CLUSTER_INFO: %s", resp.Remark)
	seen := map[string]bool{}
	var out []string
	for _, m := range regexp.MustCompile(`"([0-9.]+:[0-9]+)"`).FindAllStringSubmatch(string(resp.Body), -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// routeData is TopicRouteData as the name server sends it.
type routeData struct {
	OrderTopicConf string `json:"orderTopicConf"`
	QueueDatas     []struct {
		BrokerName     string `json:"brokerName"`
		ReadQueueNums  int    `json:"readQueueNums"`
		WriteQueueNums int    `json:"writeQueueNums"`
		Perm           int    `json:"perm"`
		TopicSynFlag   int    `json:"topicSynFlag"`
	} `json:"queueDatas"`
	BrokerDatas []struct {
		Cluster     string            `json:"cluster"`
		BrokerName  string            `json:"brokerName"`
		BrokerAddrs map[string]string `json:"brokerAddrs"`
	} `json:"brokerDatas"`
}

var bareIntKey = regexp.MustCompile(`([{,])(-?\d+):`)

// route asks the name server for a topic's route with our own remoting client.
func (e *env) route(topic string) (*routeData, error) {
	req := remoting.NewRequest(remoting.GetRouteInfoByTopic, map[string]string{"topic": topic}, nil)
	resp, err := e.rc.InvokeSync(context.Background(), e.nsAddr, req, 3*time.Second)
	if err != nil {
		return nil, fmt.Errorf("GET_ROUTE_INFO_BY_TOPIC(%s): %w", topic, err)
	}
	if resp.Code != remoting.Success {
		return nil, fmt.Errorf("GET_ROUTE_INFO_BY_TOPIC(%s): code %d remark %q", topic, resp.Code, resp.Remark)
	}
	var r routeData
	body := bareIntKey.ReplaceAll(resp.Body, []byte(`$1"$2":`))
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("GET_ROUTE_INFO_BY_TOPIC(%s): undecodable body %q: %w", topic, resp.Body, err)
	}
	return &r, nil
}

// brokerAddr returns the master address of the broker that holds a topic.
func (e *env) brokerAddrOf(topic string) string {
	e.t.Helper()
	r, err := e.route(topic)
	require.NoError(e.t, err)
	for _, bd := range r.BrokerDatas {
		if a := bd.BrokerAddrs["0"]; a != "" {
			return a
		}
	}
	e.t.Fatalf("route of %s has no master address: %+v", topic, r)
	return ""
}

// committedOffset asks the broker for a group's committed offset of one queue
// (QUERY_CONSUMER_OFFSET); -1 when it has none (QUERY_NOT_FOUND).
func (e *env) committedOffset(brokerAddr, group, topic string, queueID int) (int64, error) {
	req := remoting.NewRequest(remoting.QueryConsumerOffset, map[string]string{
		"consumerGroup": group, "topic": topic, "queueId": strconv.Itoa(queueID),
	}, nil)
	resp, err := e.rc.InvokeSync(context.Background(), brokerAddr, req, 3*time.Second)
	if err != nil {
		return -2, err
	}
	switch resp.Code {
	case remoting.Success:
		return strconv.ParseInt(resp.Ext("offset"), 10, 64)
	case remoting.QueryNotFound:
		return -1, nil
	default:
		return -2, fmt.Errorf("QUERY_CONSUMER_OFFSET: code %d remark %q", resp.Code, resp.Remark)
	}
}

// maxOffset asks the broker for a queue's max offset (GET_MAX_OFFSET).
func (e *env) maxOffset(brokerAddr, topic string, queueID int) (int64, error) {
	req := remoting.NewRequest(remoting.GetMaxOffset, map[string]string{
		"topic": topic, "queueId": strconv.Itoa(queueID),
	}, nil)
	resp, err := e.rc.InvokeSync(context.Background(), brokerAddr, req, 3*time.Second)
	if err != nil {
		return -1, err
	}
	if resp.Code != remoting.Success {
		return -1, fmt.Errorf("GET_MAX_OFFSET: code %d remark %q", resp.Code, resp.Remark)
	}
	return strconv.ParseInt(resp.Ext("offset"), 10, 64)
}

// newProducer starts an Apache producer with a unique group and instance.
func (e *env) newProducer(opts ...producer.Option) rocketmq.Producer {
	e.t.Helper()
	all := append([]producer.Option{
		producer.WithNameServer([]string{e.nsAddr}),
		producer.WithGroupName(e.name("pg")),
		producer.WithInstanceName(e.instance("p")),
		producer.WithRetry(2),
		producer.WithSendMsgTimeout(3 * time.Second),
	}, opts...)
	p, err := rocketmq.NewProducer(all...)
	require.NoError(e.t, err, "NewProducer")
	require.NoError(e.t, p.Start(), "producer Start")
	e.t.Cleanup(func() { _ = p.Shutdown() })
	return p
}

// msgHandler is a push consumer's callback.
type msgHandler func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error)

// newPushConsumer creates, subscribes and starts an Apache push consumer of group with a
// unique instance name, tuned for fast tests and reading from the first offset. Its
// Shutdown is registered for cleanup (calling it earlier is fine: it runs once).
func (e *env) newPushConsumer(group, topic string, sel consumer.MessageSelector, h msgHandler, opts ...consumer.Option) rocketmq.PushConsumer {
	e.t.Helper()
	c, err := e.tryPushConsumer(group, topic, sel, h, opts...)
	require.NoError(e.t, err)
	return c
}

func (e *env) tryPushConsumer(group, topic string, sel consumer.MessageSelector, h msgHandler, opts ...consumer.Option) (rocketmq.PushConsumer, error) {
	all := append([]consumer.Option{
		consumer.WithNameServer([]string{e.nsAddr}),
		consumer.WithGroupName(group),
		consumer.WithInstance(e.instance("c")),
		consumer.WithConsumerModel(consumer.Clustering),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
		consumer.WithPullInterval(0),
		consumer.WithRebalanceLockInterval(time.Second),
		consumer.WithConsumeMessageBatchMaxSize(16),
		consumer.WithPullBatchSize(32),
	}, opts...)
	c, err := rocketmq.NewPushConsumer(all...)
	if err != nil {
		return nil, fmt.Errorf("NewPushConsumer: %w", err)
	}
	if err := c.Subscribe(topic, sel, h); err != nil {
		return nil, fmt.Errorf("Subscribe(%s): %w", topic, err)
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("push consumer Start (group %s, topic %s): %w", group, topic, err)
	}
	e.t.Cleanup(func() { _ = c.Shutdown() })
	return c, nil
}

// newMsg builds a message carrying its identity in a property, the keys and the body.
func newMsg(topic, id string) *primitive.Message {
	m := primitive.NewMessage(topic, []byte("body of "+id))
	m.WithProperty(idProp, id)
	m.WithKeys([]string{id})
	return m
}

// waitFor polls cond until it holds or the timeout passes, then fails with what() —
// a bounded wait with a useful message, never a bare sleep.
func waitFor(t testing.TB, timeout time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v: %s", timeout, what())
		}
		<-tick.C
	}
}

// collector records consumed messages by their interop id.
type collector struct {
	mu       sync.Mutex
	first    map[string]*primitive.MessageExt // id → first delivery
	count    map[string]int                   // id → deliveries
	uniq     map[string]string                // id → UNIQ_KEY (MsgId) first seen
	who      map[string][]delivery            // id → every delivery
	byWho    map[string]int                   // consumer label → deliveries
	queues   map[string]map[int]bool          // consumer label → queue ids seen
	total    int
	foreign  []string // messages without an interop id
	onRecord func(label string, m *primitive.MessageExt)
}

// delivery is one consumption of a message: by which consumer, from which queue.
type delivery struct {
	label string
	queue int
}

func newCollector() *collector {
	return &collector{
		count:  map[string]int{},
		uniq:   map[string]string{},
		first:  map[string]*primitive.MessageExt{},
		who:    map[string][]delivery{},
		byWho:  map[string]int{},
		queues: map[string]map[int]bool{},
	}
}

// handler returns a push-consumer callback that records under label.
func (c *collector) handler(label string) msgHandler {
	return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			c.record(label, m)
		}
		return consumer.ConsumeSuccess, nil
	}
}

func (c *collector) record(label string, m *primitive.MessageExt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := m.GetProperty(idProp)
	if id == "" {
		c.foreign = append(c.foreign, m.String())
		return
	}
	c.count[id]++
	if _, ok := c.uniq[id]; !ok {
		c.uniq[id] = m.MsgId
		c.first[id] = m
	}
	c.byWho[label]++
	if c.queues[label] == nil {
		c.queues[label] = map[int]bool{}
	}
	q := -1
	if m.Queue != nil {
		q = m.Queue.QueueId
		c.queues[label][q] = true
	}
	c.who[id] = append(c.who[id], delivery{label, q})
	c.total++
	if c.onRecord != nil {
		c.onRecord(label, m)
	}
}

// split summarises who consumed the given ids: per consumer label, how many deliveries
// and which queues; and how many ids were delivered more than once.
func (c *collector) split(idList []string) (perLabel map[string]int, queues map[string]map[int]bool, dups []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	perLabel = map[string]int{}
	queues = map[string]map[int]bool{}
	for _, id := range idList {
		ds := c.who[id]
		if len(ds) > 1 {
			dups = append(dups, fmt.Sprintf("%s×%d%v", id, len(ds), ds))
		}
		for _, d := range ds {
			perLabel[d.label]++
			if queues[d.label] == nil {
				queues[d.label] = map[int]bool{}
			}
			queues[d.label][d.queue] = true
		}
	}
	return perLabel, queues, dups
}

// distinct is the number of different ids received.
func (c *collector) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.count)
}

func (c *collector) deliveries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// has reports whether every id was received at least once.
func (c *collector) hasAll(ids []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if c.count[id] == 0 {
			return false
		}
	}
	return true
}

// missing lists ids not yet received (at most max of them) and how many there are.
func (c *collector) missing(ids []string, max int) ([]string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	n := 0
	for _, id := range ids {
		if c.count[id] == 0 {
			n++
			if len(out) < max {
				out = append(out, id)
			}
		}
	}
	return out, n
}

// duplicates lists ids received more than once (at most max) and how many there are.
func (c *collector) duplicates(max int) ([]string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	n := 0
	for id, k := range c.count {
		if k > 1 {
			n++
			if len(out) < max {
				out = append(out, fmt.Sprintf("%s×%d", id, k))
			}
		}
	}
	sort.Strings(out)
	return out, n
}

// unexpected lists received ids not in want.
func (c *collector) unexpected(want []string, max int) ([]string, int) {
	set := make(map[string]bool, len(want))
	for _, id := range want {
		set[id] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	n := 0
	for id := range c.count {
		if !set[id] {
			n++
			if len(out) < max {
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out, n
}

// waitAll waits until every id arrived, failing with the missing ones.
func (c *collector) waitAll(t testing.TB, ids []string, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, func() bool { return c.hasAll(ids) }, func() string {
		miss, n := c.missing(ids, 10)
		return fmt.Sprintf("%d of %d messages never consumed (%d deliveries so far); first missing: %v",
			n, len(ids), c.deliveries(), miss)
	})
}

// requireExactlyOnce checks that ids arrived once each and nothing else arrived.
func (c *collector) requireExactlyOnce(t testing.TB, ids []string) {
	t.Helper()
	miss, nm := c.missing(ids, 10)
	dup, nd := c.duplicates(10)
	extra, ne := c.unexpected(ids, 10)
	if nm+nd+ne > 0 {
		t.Fatalf("not exactly once: %d missing %v, %d duplicated %v, %d unexpected %v",
			nm, miss, nd, dup, ne, extra)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.foreign) > 0 {
		t.Fatalf("%d messages without an %s property were consumed, first: %s", len(c.foreign), idProp, c.foreign[0])
	}
}

// ids returns kind-0 … kind-(n-1).
func ids(kind string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", kind, from+i)
	}
	return out
}

// sendSync sends each id synchronously with a few workers and returns the send results.
func sendSync(t testing.TB, p rocketmq.Producer, topic string, idList []string, workers int) map[string]*primitive.SendResult {
	t.Helper()
	res, err := trySendSync(p, topic, idList, workers)
	require.NoError(t, err)
	return res
}

// trySendSync is sendSync for goroutines other than the test's: it returns the first error.
func trySendSync(p rocketmq.Producer, topic string, idList []string, workers int) (map[string]*primitive.SendResult, error) {
	var mu sync.Mutex
	res := make(map[string]*primitive.SendResult, len(idList))
	var firstErr error
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				r, err := p.SendSync(ctx, newMsg(topic, id))
				cancel()
				mu.Lock()
				if err == nil && r.Status != primitive.SendOK {
					err = fmt.Errorf("status %d", r.Status)
				}
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("SendSync %s: %w", id, err)
				}
				if err == nil {
					res[id] = r
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range idList {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		work <- id
	}
	close(work)
	wg.Wait()
	return res, firstErr
}

// --- tracing (INTEROP_TRACE=1) ---

// traceBrokerRequests logs every request the broker receives, through hooks that let the
// broker handle the request normally.
func traceBrokerRequests(t *testing.T, b *devbroker.Broker) {
	codes := []int32{remoting.SendMessage, remoting.SendMessageV2, remoting.SendBatchMessage,
		remoting.PullMessage, remoting.QueryConsumerOffset, remoting.UpdateConsumerOffset,
		remoting.GetMaxOffset, remoting.GetMinOffset, remoting.SearchOffsetByTimestamp,
		remoting.GetEarliestMsgStoreTime, remoting.HeartBeat, remoting.UnregisterClient,
		remoting.GetConsumerListByGroup, remoting.LockBatchMQ, remoting.UnlockBatchMQ,
		remoting.UpdateAndCreateTopic, remoting.ConsumerSendMsgBack, remoting.EndTransaction,
		remoting.QueryMessage, remoting.ViewMessageByID}
	for _, code := range codes {
		b.SetHook(code, func(req *remoting.Command) (*remoting.Command, bool) {
			body := string(req.Body)
			if req.Code == remoting.SendMessage || req.Code == remoting.SendMessageV2 || req.Code == remoting.PullMessage {
				body = fmt.Sprintf("<%d bytes>", len(req.Body))
			}
			t.Logf("trace broker ← code=%d flag=%d ext=%v body=%s", req.Code, req.Flag, req.ExtFields, shortStr(body, 400))
			return nil, false
		})
	}
}

func shortStr(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// startTraceProxy forwards TCP to target, logging every remoting frame both ways.
func startTraceProxy(t *testing.T, target string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	done := make(chan struct{})
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	pipe := func(dir string, dst, src net.Conn) {
		defer wg.Done()
		defer dst.Close()
		for {
			frame, err := remoting.ReadFrame(src, 64<<20)
			if err != nil {
				return
			}
			if cmd, err := remoting.DecodeFrame(frame); err == nil {
				select {
				case <-done:
				default:
					t.Logf("trace namesrv %s code=%d flag=%d opaque=%d remark=%q ext=%v body=%s",
						dir, cmd.Code, cmd.Flag, cmd.Opaque, cmd.Remark, cmd.ExtFields, shortStr(string(cmd.Body), 600))
				}
			}
			var lenBuf [4]byte
			lenBuf[0], lenBuf[1], lenBuf[2], lenBuf[3] = byte(len(frame)>>24), byte(len(frame)>>16), byte(len(frame)>>8), byte(len(frame))
			if _, err := dst.Write(append(lenBuf[:], frame...)); err != nil {
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, u)
			mu.Unlock()
			wg.Add(2)
			go pipe("→", u, c)
			go pipe("←", c, u)
		}
	}()
	return ln.Addr().String()
}
