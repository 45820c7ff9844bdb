package producer_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
	"github.com/rocketmq-go/librocketmq/internal/cannedbroker"
)

// wait bounds every wait of these tests.
const wait = 5 * time.Second

func startBroker(t testing.TB, name string) *devbroker.Broker {
	t.Helper()
	return startBrokerWith(t, devbroker.Config{BrokerName: name})
}

// startBrokerWith starts a dev broker of cfg on free loopback ports.
func startBrokerWith(t testing.TB, cfg devbroker.Config) *devbroker.Broker {
	t.Helper()
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	b, err := devbroker.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

var instances atomic.Int64

// newProducer starts a producer on b's name server; mutate adjusts its config first.
func newProducer(t testing.TB, nameServer string, mutate func(*producer.Config)) *producer.Producer {
	t.Helper()
	// Producers of one test process must not share a client id.
	cfg := producer.Config{Group: "PG", Client: clientConfig(nameServer)}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := producer.New(cfg)
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(func() { _ = p.Shutdown() })
	return p
}

func clientConfig(nameServer string) client.Config {
	return client.Config{NameServerAddrs: []string{nameServer}, InstanceName: "test-" + strconv.FormatInt(instances.Add(1), 10)}
}

// recv receives from ch within the wait bound.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatal("timed out waiting")
		var zero T
		return zero
	}
}

func newMessage(topic, body string) *message.Message {
	m := &message.Message{Topic: topic, Body: []byte(body)}
	m.SetProperty(message.PropertyWaitStoreMsgOK, "true")
	return m
}

// puller reads a broker's queues with plain PULL_MESSAGE requests: consumers come later.
type puller struct {
	t      testing.TB
	remote *remoting.Client
}

func newPuller(t testing.TB) *puller {
	r := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { r.Close() })
	return &puller{t: t, remote: r}
}

// queue returns every message stored in one queue, bodies as stored (compressed or not).
func (pl *puller) queue(addr, topic string, queueID int) []*message.MessageExt {
	pl.t.Helper()
	var out []*message.MessageExt
	for offset := int64(0); ; {
		resp, err := pl.remote.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.PullMessage, map[string]string{
			"consumerGroup": "CG", "topic": topic, "queueId": strconv.Itoa(queueID),
			"queueOffset": strconv.FormatInt(offset, 10), "maxMsgNums": "32",
			"sysFlag": "4", "commitOffset": "0", "suspendTimeoutMillis": "0",
			"subscription": "*", "subVersion": "0", "expressionType": "TAG",
		}, nil), wait)
		require.NoError(pl.t, err)
		if resp.Code != remoting.Success {
			return out
		}
		msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{VerifyCRC: true})
		require.NoError(pl.t, err)
		out = append(out, msgs...)
		next, err := strconv.ParseInt(resp.Ext("nextBeginOffset"), 10, 64)
		require.NoError(pl.t, err)
		offset = next
	}
}

// all returns every message of the topic's first n queues.
func (pl *puller) all(addr, topic string, n int) []*message.MessageExt {
	pl.t.Helper()
	var out []*message.MessageExt
	for q := 0; q < n; q++ {
		out = append(out, pl.queue(addr, topic, q)...)
	}
	return out
}

// byID finds a stored message by UNIQ_KEY.
func byID(msgs []*message.MessageExt, id string) *message.MessageExt {
	for _, m := range msgs {
		if m.UniqKey() == id {
			return m
		}
	}
	return nil
}

// eventually polls cond until it holds or the bound passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// registerBroker makes a broker known to a name server under its own name, as
// REGISTER_BROKER from a real broker would, with topic of the given number of queues.
// The registration lives until the test ends.
func registerBroker(t testing.TB, nameServer, name, addr, topic string, queues int) {
	t.Helper()
	r := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { r.Close() })
	require.NoError(t, cannedbroker.Register(r, nameServer, name, addr, topic, queues))
}

// twoBrokers is broker-a and broker-b behind broker-a's name server, each with topic T
// of two queues.
func twoBrokers(t testing.TB, topic string) (a, b *devbroker.Broker) {
	t.Helper()
	a = startBroker(t, "broker-a")
	b = startBrokerWith(t, devbroker.Config{BrokerName: "broker-b", RegisterTo: []string{a.NameServerAddr()}})
	require.NoError(t, a.CreateTopic(topic, 2))
	require.NoError(t, b.CreateTopic(topic, 2))
	// broker-b registers on its own goroutine: the tests' producers must find both at once.
	c := client.New(clientConfig(a.NameServerAddr()))
	require.NoError(t, c.Start())
	defer c.Shutdown()
	eventually(t, "broker-b's queues of "+topic+" on broker-a's name server", func() bool {
		r, err := c.UpdateRoute(context.Background(), topic)
		return err == nil && len(r.BrokerDatas) == 2 && len(r.QueueDatas) == 2
	})
	return a, b
}

// counter counts requests a hook sees and remembers their UNIQ_KEYs.
type counter struct {
	mu  sync.Mutex
	ids []string
}

func (c *counter) see(req *remoting.Command) {
	props := message.ParseProperties([]byte(req.Ext("i")))
	c.mu.Lock()
	c.ids = append(c.ids, props[message.PropertyUniqClientMessageIDKeyIndex])
	c.mu.Unlock()
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ids)
}

func (c *counter) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...)
}

// refuse answers every send with code.
func refuse(c *counter, code int32) devbroker.Hook {
	return func(req *remoting.Command) (*remoting.Command, bool) {
		c.see(req)
		return remoting.NewResponse(code, "forced by the test"), true
	}
}

// stall never answers a send.
func stall(c *counter) devbroker.Hook {
	return func(req *remoting.Command) (*remoting.Command, bool) {
		c.see(req)
		return nil, true
	}
}

// goroutines waits for the goroutine count to fall to base.
func settleGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines left, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}
