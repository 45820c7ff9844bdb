package reliability_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/devbroker"
	"github.com/rocketmq-go/librocketmq/internal/faultproxy"
)

// wait bounds every wait for something that should happen; the scenarios end far sooner.
// At full timings an outage alone lasts 60 s and a route refresh 30 s.
var wait = func() time.Duration {
	if full() {
		return 4 * time.Minute
	}
	return 60 * time.Second
}()

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// full reports whether the scenarios run at upstream's real timings (RMQ_RELIABILITY_FULL=1).
func full() bool { return os.Getenv("RMQ_RELIABILITY_FULL") == "1" }

// waitFor polls cond until it holds, failing the test with what after wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", wait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ledger records what was acknowledged and what was consumed, by message body.
type ledger struct {
	mu        sync.Mutex
	acked     map[string]bool
	consumed  map[string]int
	failed    atomic.Int64 // sends that returned an error
	ackedN    atomic.Int64
	consumedN atomic.Int64 // deliveries, duplicates included
}

func newLedger() *ledger {
	return &ledger{acked: map[string]bool{}, consumed: map[string]int{}}
}

func (l *ledger) ack(body string) {
	l.mu.Lock()
	l.acked[body] = true
	l.mu.Unlock()
	l.ackedN.Add(1)
}

func (l *ledger) listener(msgs []*message.MessageExt) consumer.ConsumeStatus {
	l.mu.Lock()
	for _, m := range msgs {
		l.consumed[string(m.Body)]++
	}
	l.mu.Unlock()
	l.consumedN.Add(int64(len(msgs)))
	return consumer.ConsumeSuccess
}

// missing lists acknowledged messages not consumed yet.
func (l *ledger) missing() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for b := range l.acked {
		if l.consumed[b] == 0 {
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return out
}

// consumedAll reports whether every acknowledged message was consumed.
func (l *ledger) consumedAll() bool { return len(l.missing()) == 0 }

// waitConsumed waits until every acknowledged message was consumed, and fails naming a few
// that never were.
func (l *ledger) waitConsumed(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !l.consumedAll() {
		if time.Now().After(deadline) {
			m := l.missing()
			t.Fatalf("%d acknowledged message(s) never consumed, e.g. %q", len(m), m[:min(len(m), 5)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// report prints the scenario's figures and fails the test if anything acknowledged was lost.
func (l *ledger) report(t *testing.T, scenario string, extra ...string) {
	t.Helper()
	l.mu.Lock()
	acked, distinct, deliveries, lost := len(l.acked), len(l.consumed), 0, 0
	for _, n := range l.consumed {
		deliveries += n
	}
	for b := range l.acked {
		if l.consumed[b] == 0 {
			lost++
		}
	}
	l.mu.Unlock()
	line := fmt.Sprintf("reliability: %s: acknowledged=%d consumed=%d lost=%d duplicated=%d failedSends=%d",
		scenario, acked, distinct, lost, deliveries-distinct, l.failed.Load())
	if len(extra) > 0 {
		line += " " + strings.Join(extra, " ")
	}
	t.Log(line)
	if path := os.Getenv("RMQ_RELIABILITY_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		_, err = fmt.Fprintln(f, line)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	require.Zero(t, lost, "acknowledged messages lost")
}

// startBroker starts an in-process dev broker on free ports.
func startBroker(t *testing.T, change func(*devbroker.Config)) *devbroker.Broker {
	t.Helper()
	cfg := devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"}
	if change != nil {
		change(&cfg)
	}
	b, err := devbroker.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// reserveProxy starts a proxy whose target is set later: a broker that advertises the
// proxy's address must know it before it starts.
func reserveProxy(t *testing.T) *faultproxy.Proxy { return newProxy(t, "127.0.0.1:1") }

// clientConfig is what every producer and consumer of a scenario shares.
func clientConfig(ns, instance string, refresh time.Duration) client.Config {
	return client.Config{NameServerAddrs: []string{ns}, InstanceName: instance, RouteRefreshInterval: refresh,
		HeartbeatInterval: time.Second}
}

func startProducer(t *testing.T, cfg producer.Config) *producer.Producer {
	t.Helper()
	p, err := producer.New(cfg)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(func() { p.Shutdown() })
	return p
}

func startConsumer(t *testing.T, cfg consumer.PushConfig, topic string, l *ledger) *consumer.PushConsumer {
	t.Helper()
	cfg.Model = consumer.Clustering
	cfg.FromWhere = consumer.FromFirstOffset
	if cfg.RebalanceInterval == 0 {
		cfg.RebalanceInterval = time.Second
	}
	if cfg.PersistInterval == 0 {
		cfg.PersistInterval = 500 * time.Millisecond
	}
	c, err := consumer.NewPush(cfg)
	require.NoError(t, err)
	require.NoError(t, c.Subscribe(topic, "*"))
	require.NoError(t, c.RegisterListener(l.listener))
	require.NoError(t, c.Start())
	t.Cleanup(func() { c.Shutdown() })
	return c
}

var ownedKey = regexp.MustCompile(`\{"topic":"([^"]+)","brokerName":"([^"]+)","queueId":(\d+)\}:`)

// owned lists the queues of topic a consumer pulls now, from its running info (the same
// table an admin tool reads).
func owned(t *testing.T, c *consumer.PushConsumer, topic string) []string {
	t.Helper()
	info, err := c.RunningInfo(false)
	require.NoError(t, err)
	table, _, _ := strings.Cut(string(info[bytes.Index(info, []byte(`"mqTable":`)):]), `,"statusTable":`)
	var out []string
	for _, m := range ownedKey.FindAllStringSubmatch(table, -1) {
		if m[1] == topic {
			out = append(out, m[2]+"/"+m[3])
		}
	}
	return out
}

// waitBalanced waits until the consumers of one group own queues disjoint queues that
// cover all of the topic's, so that the load starts on a settled group: two members that
// both pull a queue for a moment while they rebalance deliver its messages twice, and
// those duplicates say nothing about the fault a scenario injects.
func waitBalanced(t *testing.T, topic string, queues int, cs ...*consumer.PushConsumer) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d consumers to share the %d queues of %s", len(cs), queues, topic), func() bool {
		seen := map[string]bool{}
		for _, c := range cs {
			mine := owned(t, c, topic)
			if len(mine) == 0 {
				return false
			}
			for _, q := range mine {
				if seen[q] {
					return false
				}
				seen[q] = true
			}
		}
		return len(seen) == queues
	})
}

// sendPace caps each sender at 500 sends a second, so that a scenario leaves CPU to the
// tests of other packages that go test runs alongside.
const sendPace = 2 * time.Millisecond

// bodySeq numbers message bodies across all loads of a test binary, so that a body names
// one message even when a scenario runs several loads.
var bodySeq atomic.Int64

// load runs sync senders until stop is closed; each acknowledged send goes to the ledger.
type load struct {
	stop chan struct{}
	wg   sync.WaitGroup
	// slowest is the longest any one send took, ns.
	slowest atomic.Int64
}

func startLoad(l *ledger, topic string, producers []*producer.Producer, onResult func(*producer.SendResult, error)) *load {
	ld := &load{stop: make(chan struct{})}
	for i, p := range producers {
		ld.wg.Add(1)
		go func() {
			defer ld.wg.Done()
			pace := time.NewTicker(sendPace)
			defer pace.Stop()
			for {
				select {
				case <-ld.stop:
					return
				case <-pace.C:
				}
				body := fmt.Sprintf("p%d-%07d", i, bodySeq.Add(1))
				t0 := time.Now()
				res, err := p.SendSync(context.Background(), &message.Message{Topic: topic, Body: []byte(body)})
				// A maximum kept by several senders: a plain Load and Store could let a
				// shorter send overwrite a longer one.
				for d, old := int64(time.Since(t0)), ld.slowest.Load(); d > old && !ld.slowest.CompareAndSwap(old, d); {
					old = ld.slowest.Load()
				}
				if onResult != nil {
					onResult(res, err)
				}
				if err != nil {
					l.failed.Add(1)
					continue
				}
				l.ack(body)
			}
		}()
	}
	return ld
}

func (ld *load) end() {
	close(ld.stop)
	ld.wg.Wait()
}

// ackedMore waits until n more messages than now were acknowledged.
func ackedMore(t *testing.T, l *ledger, n int64) {
	t.Helper()
	target := l.ackedN.Load() + n
	waitFor(t, fmt.Sprintf("%d acknowledged sends", target), func() bool { return l.ackedN.Load() >= target })
}
