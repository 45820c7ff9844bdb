package consumer_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// wait bounds every wait for something to happen.
const wait = 15 * time.Second

// testLogger logs to stderr when CONSUMER_TEST_LOG is set, else nowhere.
func testLogger() *slog.Logger {
	if os.Getenv("CONSUMER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// env is a dev broker and a raw connection to it for producing and inspecting.
type env struct {
	t   *testing.T
	b   *devbroker.Broker
	raw *remoting.Client
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith lets a test change the dev broker's configuration.
func newEnvWith(t *testing.T, change func(*devbroker.Config)) *env {
	t.Helper()
	consumer.FastTimings(t)
	cfg := devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"}
	if change != nil {
		change(&cfg)
	}
	b, err := devbroker.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	raw := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { raw.Close() })
	// A round trip now, so that goroutine counts taken after newEnv include both ends of
	// this connection.
	_, err = raw.InvokeSync(context.Background(), b.BrokerAddr(), remoting.NewRequest(remoting.GetMaxOffset,
		map[string]string{"topic": "T", "queueId": "0"}, nil), wait)
	require.NoError(t, err)
	return &env{t: t, b: b, raw: raw}
}

func (e *env) topic(name string, queues int) {
	e.t.Helper()
	require.NoError(e.t, e.b.CreateTopic(name, queues))
}

// send stores one message with SEND_MESSAGE_V2 and returns its queue offset.
func (e *env) send(topic string, queueID int, tags, body string) int64 {
	e.t.Helper()
	props := map[string]string{message.PropertyWaitStoreMsgOK: "true", message.PropertyKeys: body[:min(len(body), 32)]}
	if tags != "" {
		props[message.PropertyTags] = tags
	}
	ext := map[string]string{
		"a": "TestProducer", "b": topic, "c": message.DefaultTopic, "d": "4", "e": strconv.Itoa(queueID),
		"f": "0", "g": strconv.FormatInt(time.Now().UnixMilli(), 10), "h": "0",
		"i": message.PropertiesString(props), "j": "0", "k": "false", "m": "false",
	}
	resp, err := e.raw.InvokeSync(context.Background(), e.b.BrokerAddr(), remoting.NewRequest(remoting.SendMessageV2, ext, []byte(body)), wait)
	require.NoError(e.t, err)
	require.Equal(e.t, remoting.Success, resp.Code, resp.Remark)
	o, err := strconv.ParseInt(resp.Ext("queueOffset"), 10, 64)
	require.NoError(e.t, err)
	return o
}

// committed is the group's offset of a queue on the broker, -1 when none is stored.
func (e *env) committed(group, topic string, queueID int) int64 {
	e.t.Helper()
	resp, err := e.raw.InvokeSync(context.Background(), e.b.BrokerAddr(), remoting.NewRequest(remoting.QueryConsumerOffset,
		map[string]string{"consumerGroup": group, "topic": topic, "queueId": strconv.Itoa(queueID)}, nil), wait)
	require.NoError(e.t, err)
	if resp.Code != remoting.Success {
		return -1
	}
	o, err := strconv.ParseInt(resp.Ext("offset"), 10, 64)
	require.NoError(e.t, err)
	return o
}

// quickDelays makes every delay level short, so retries come back at once.
func quickDelays(cfg *devbroker.Config) {
	cfg.DelayLevels = []time.Duration{20 * time.Millisecond}
}

// dlq waits until the group's dead-letter queue holds n messages and returns them.
func (e *env) dlq(group string, n int) []*message.MessageExt {
	e.t.Helper()
	p, err := consumer.NewPull(consumer.PullConfig{Group: "Inspect", Client: client.Config{NameServerAddrs: []string{e.b.NameServerAddr()}}})
	require.NoError(e.t, err)
	require.NoError(e.t, p.Start())
	defer p.Shutdown()
	var found []*message.MessageExt
	require.Eventually(e.t, func() bool {
		mqs, err := p.FetchSubscribeMessageQueues(context.Background(), message.DLQTopic(group))
		if err != nil || len(mqs) == 0 {
			return false
		}
		res, err := p.Pull(context.Background(), mqs[0], "*", 0, 32)
		if err != nil || res.Status != consumer.Found {
			return false
		}
		found = res.Messages
		return len(found) >= n
	}, wait, 20*time.Millisecond, "the dead-letter queue did not fill")
	return found
}

// config is a push consumer configuration against the env's broker with quick intervals.
func (e *env) config(group, instance string) consumer.PushConfig {
	cfg := consumer.DefaultPushConfig(group)
	cfg.Client = client.Config{NameServerAddrs: []string{e.b.NameServerAddr()}, InstanceName: instance}
	cfg.ThreadCount = 4
	cfg.PersistInterval = 100 * time.Millisecond
	cfg.RebalanceInterval = 2 * time.Second
	cfg.SuspendCurrentQueue = 20 * time.Millisecond
	cfg.Logger = testLogger()
	return cfg
}

// push creates and starts a push consumer; it is shut down when the test ends.
func (e *env) push(cfg consumer.PushConfig, subs map[string]string, orderly bool, l consumer.Listener) *consumer.PushConsumer {
	e.t.Helper()
	c, err := consumer.NewPush(cfg)
	require.NoError(e.t, err)
	for topic, expr := range subs {
		require.NoError(e.t, c.Subscribe(topic, expr))
	}
	if orderly {
		require.NoError(e.t, c.RegisterOrderlyListener(l))
	} else {
		require.NoError(e.t, c.RegisterListener(l))
	}
	require.NoError(e.t, c.Start())
	e.t.Cleanup(func() { _ = c.Shutdown() })
	return c
}

// recorder remembers every delivery.
type recorder struct {
	mu         sync.Mutex
	deliveries map[string]int // body → times delivered
	succeeded  map[string]int // body → times the listener returned success
	msgs       []*message.MessageExt
}

func newRecorder() *recorder {
	return &recorder{deliveries: map[string]int{}, succeeded: map[string]int{}}
}

// listener records each message and answers what verdict says (success when nil).
func (r *recorder) listener(verdict func(*message.MessageExt) consumer.ConsumeStatus) consumer.Listener {
	return func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		status := consumer.ConsumeSuccess
		for _, m := range msgs {
			if verdict != nil && verdict(m) != consumer.ConsumeSuccess {
				status = consumer.ReconsumeLater
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, m := range msgs {
			r.deliveries[string(m.Body)]++
			if status == consumer.ConsumeSuccess {
				r.succeeded[string(m.Body)]++
			}
			r.msgs = append(r.msgs, m)
		}
		return status
	}
}

func (r *recorder) count(body string) (delivered, succeeded int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.deliveries[body], r.succeeded[body]
}

// hasAll reports whether every body succeeded at least once.
func (r *recorder) hasAll(bodies []string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range bodies {
		if r.succeeded[b] == 0 {
			return false
		}
	}
	return true
}

func (r *recorder) waitAll(t *testing.T, bodies []string) {
	t.Helper()
	require.Eventually(t, func() bool { return r.hasAll(bodies) }, wait, 10*time.Millisecond,
		"not every message was consumed")
}

// duplicates counts successful deliveries beyond the first, over bodies.
func (r *recorder) duplicates(bodies []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range bodies {
		if k := r.succeeded[b]; k > 1 {
			n += k - 1
		}
	}
	return n
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// leakBase counts the goroutines running before a test's consumers start.
func leakBase() int {
	baseDump.Reset()
	_ = pprof.Lookup("goroutine").WriteTo(&baseDump, 1)
	return runtime.NumGoroutine()
}

var baseDump bytes.Buffer

// checkNoLeak fails if, within a bounded wait, more goroutines run than at base.
func checkNoLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling a bounded wait, not synchronising
	}
	if n := runtime.NumGoroutine(); n > base {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Fatalf("%d goroutines after shutdown, %d before:\n%s\nBEFORE:\n%s", n, base, buf.String(), baseDump.String())
	}
}

func bodies(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "-" + strconv.Itoa(i)
	}
	return out
}
