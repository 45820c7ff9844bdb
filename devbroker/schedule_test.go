package devbroker

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// fastDelays is a delay table for tests: level n waits n×50 ms.
var fastDelays = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}

func delayProps(level int, extra map[string]string) map[string]string {
	p := map[string]string{message.PropertyDelayTimeLevel: strconv.Itoa(level)}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func TestDelayLevelOneTakesOneSecond(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))

	start := time.Now()
	held := w.heldPull(w.c, "T", 0, 5000, "*")
	resp := w.send("T", 0, "later", delayProps(1, map[string]string{"user": "v", message.PropertyTags: "A"}))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, "0", resp.Ext("queueId"), "the answer names the queue asked for")
	assert.Equal(t, "0", resp.Ext("queueOffset"), "the schedule queue's offset")
	sched := w.sentRecord(resp)
	assert.Equal(t, message.ScheduleTopic, sched.Topic)
	assert.Equal(t, int32(0), sched.QueueID, "level 1 waits in queue 0")
	assert.Equal(t, "T", sched.Property(message.PropertyRealTopic))
	assert.Equal(t, "0", sched.Property(message.PropertyRealQueueID))

	o := w.outcome(held)
	elapsed := o.at.Sub(start)
	msgs := w.decode(o.resp)
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.GreaterOrEqual(t, m.StoreTimestamp-sched.StoreTimestamp, int64(1000), "delivered a second after it was stored")
	assert.GreaterOrEqual(t, elapsed, 999*time.Millisecond)
	assert.Less(t, elapsed, 1500*time.Millisecond, "delivery is timely")

	assert.Equal(t, "T", m.Topic)
	assert.Equal(t, int32(0), m.QueueID)
	assert.Equal(t, int64(0), m.QueueOffset)
	assert.Equal(t, []byte("later"), m.Body)
	assert.Equal(t, "v", m.Property("user"))
	assert.Equal(t, "A", m.Tags(), "tag filtering works on the delivered message")
	// As Java, which encodes the properties before it drops DELAY.
	assert.Equal(t, "1", m.Property(message.PropertyDelayTimeLevel))
	assert.Equal(t, "T", m.Property(message.PropertyRealTopic))
	assert.Equal(t, sched.BornTimestamp, m.BornTimestamp)
	assert.Equal(t, sched.BornHost, m.BornHost)
}

func TestDelayLevelsDeliverInDueOrder(t *testing.T) {
	// Levels far enough apart that a slow machine sending the four messages cannot
	// reorder their due times.
	delays := []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 900 * time.Millisecond}
	w := newWireFixture(t, Config{DelayLevels: delays})
	require.NoError(t, w.b.CreateTopic("T", 1))

	stored := map[string]*message.MessageExt{}
	for _, s := range []struct {
		body  string
		level int
	}{{"a3", 3}, {"b1", 1}, {"c2", 2}, {"d99", 99}} {
		stored[s.body] = w.sentRecord(w.send("T", 0, s.body, delayProps(s.level, nil)))
	}
	assert.Equal(t, int32(2), stored["d99"].QueueID, "a level past the table is the last level")
	assert.Equal(t, "3", stored["d99"].Property(message.PropertyDelayTimeLevel), "and DELAY says so")
	assert.Equal(t, int64(2), w.b.store.maxOffset(message.ScheduleTopic, 2))
	assert.Equal(t, int64(0), w.b.store.maxOffset("T", 0), "nothing visible yet")

	w.waitFor("all delivered", func() bool { return w.b.store.maxOffset("T", 0) == 4 })
	msgs := w.decode(w.pull("T", 0, 0, 32, "*"))
	require.Len(t, msgs, 4)
	var order []string
	for _, m := range msgs {
		order = append(order, string(m.Body))
		s := stored[string(m.Body)]
		level, _ := strconv.Atoi(s.Property(message.PropertyDelayTimeLevel))
		assert.GreaterOrEqual(t, m.StoreTimestamp-s.StoreTimestamp, delays[level-1].Milliseconds(), "%s too early", m.Body)
	}
	assert.Equal(t, []string{"b1", "c2", "a3", "d99"}, order)
}

func TestDelayIgnoredWhereJavaIgnoresIt(t *testing.T) {
	w := newWireFixture(t, Config{DelayLevels: fastDelays})
	require.NoError(t, w.b.CreateTopic("T", 1))

	for _, level := range []string{"0", "-2", "x"} {
		m := w.sentRecord(w.send("T", 0, "now", map[string]string{message.PropertyDelayTimeLevel: level}))
		assert.Equal(t, "T", m.Topic, "DELAY=%s", level)
	}
	// A committed transactional message may be delayed; a prepared one may not.
	ext := wireSendV1("T", 0, delayProps(1, nil))
	ext["sysFlag"] = strconv.Itoa(int(message.SysFlagTransactionCommit))
	assert.Equal(t, message.ScheduleTopic, w.sentRecord(w.call(remoting.SendMessage, ext, []byte("c"))).Topic)
	half := w.sentRecord(w.send("T", 0, "h", delayProps(1, map[string]string{message.PropertyTransactionPrepared: "true"})))
	assert.Equal(t, message.TransactionHalfTopic, half.Topic)
}

func TestEditProperties(t *testing.T) {
	props := []byte("A\x01a\x02DELAY\x013\x02B\x01b\x02")
	got := editProperties(props, "DELAY", "5", "REAL_TOPIC", "T")
	assert.Equal(t, "A\x01a\x02B\x01b\x02DELAY\x015\x02REAL_TOPIC\x01T", string(got))
	assert.Equal(t, "K\x01v", string(editProperties(nil, "K", "v")))
	assert.Equal(t, map[string]string{"A": "a", "B": "b", "DELAY": "5", "REAL_TOPIC": "T"}, message.ParseProperties(got))
}

func TestCloseStopsSchedulerAndChecker(t *testing.T) {
	before := runtime.NumGoroutine()
	b, err := Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0", DelayLevels: fastDelays,
		TransactionTimeout: time.Hour})
	require.NoError(t, err)
	c := remoting.NewClient(remoting.ClientOptions{})
	w := &wireFixture{t: t, b: b, c: c}
	require.NoError(t, b.CreateTopic("T", 1))
	// Work in progress for both: a message waiting for its level, a half message waiting
	// for its check.
	w.sentRecord(w.send("T", 0, "x", delayProps(3, nil)))
	w.sentRecord(w.send("T", 0, "h", map[string]string{message.PropertyTransactionPrepared: "true"}))
	require.Equal(t, 1, b.tx.count())

	require.NoError(t, b.Close())
	c.Close()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for runtime.NumGoroutine() > before {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%d goroutines after Close, %d before Start", runtime.NumGoroutine(), before)
		}
	}
}
