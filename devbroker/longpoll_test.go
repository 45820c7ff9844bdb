package devbroker

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

type pullOutcome struct {
	resp *remoting.Command
	err  error
	at   time.Time
}

// heldPull sends a suspended pull from client c and returns where its answer will land.
func (w *wireFixture) heldPull(c *remoting.Client, topic string, offset int64, suspendMs int64, sub string) <-chan pullOutcome {
	w.t.Helper()
	out := make(chan pullOutcome, 1)
	ext := wirePull(topic, 0, offset, 32, pullFlagSuspend|pullFlagSubscription, suspendMs, sub)
	err := c.InvokeAsync(context.Background(), w.b.BrokerAddr(), remoting.NewRequest(remoting.PullMessage, ext, nil),
		time.Duration(suspendMs)*time.Millisecond+10*time.Second,
		func(resp *remoting.Command, err error) { out <- pullOutcome{resp, err, time.Now()} })
	require.NoError(w.t, err)
	return out
}

func (w *wireFixture) outcome(ch <-chan pullOutcome) pullOutcome {
	w.t.Helper()
	select {
	case o := <-ch:
		require.NoError(w.t, o.err)
		return o
	case <-time.After(15 * time.Second):
		w.t.Fatal("held pull never answered")
		return pullOutcome{}
	}
}

func (w *wireFixture) assertStillHeld(ch <-chan pullOutcome) {
	w.t.Helper()
	select {
	case o := <-ch:
		w.t.Fatalf("held pull answered early: %v %v", o.resp, o.err)
	default:
	}
}

func TestLongPollAnsweredByArrival(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.sendOK("T", 0, "old", nil)

	held := w.heldPull(w.c, "T", 1, 20000, "*")
	w.waitFor("pull held", func() bool { return w.b.holds.count() == 1 })
	w.assertStillHeld(held)

	sent := time.Now()
	w.sendOK("T", 0, "new", nil)
	o := w.outcome(held)
	assert.Less(t, o.at.Sub(sent), 5*time.Second, "answered on arrival, not at the timeout")
	w.assertPull(o.resp, remoting.Success, "FOUND", 2, 0, 2)
	msgs := w.decode(o.resp)
	require.Len(t, msgs, 1)
	assert.Equal(t, []byte("new"), msgs[0].Body)
	assert.Equal(t, 0, w.b.holds.count())
}

func TestLongPollTimesOut(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))

	start := time.Now()
	o := w.outcome(w.heldPull(w.c, "T", 0, 200, "*"))
	assert.GreaterOrEqual(t, o.at.Sub(start), 200*time.Millisecond)
	w.assertPull(o.resp, remoting.PullNotFound, "NO_MESSAGE_IN_QUEUE", 0, 0, 0)
	assert.Equal(t, 0, w.b.holds.count())

	// Without SUSPEND nothing is held, whatever suspendTimeoutMillis says.
	resp := w.call(remoting.PullMessage, wirePull("T", 0, 0, 32, pullFlagSubscription, 20000, "*"), nil)
	assert.Equal(t, remoting.PullNotFound, resp.Code)
}

func TestLongPollWaitsForAMatchingTag(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))

	held := w.heldPull(w.c, "T", 0, 20000, "A")
	w.waitFor("pull held", func() bool { return w.b.holds.count() == 1 })
	w.sendOK("T", 0, "b", wireTags("B")) // notify runs before the send is answered
	w.assertStillHeld(held)
	assert.Equal(t, 1, w.b.holds.count())

	w.sendOK("T", 0, "a", wireTags("A"))
	o := w.outcome(held)
	w.assertPull(o.resp, remoting.Success, "FOUND", 2, 0, 2)
	msgs := w.decode(o.resp)
	require.Len(t, msgs, 1)
	assert.Equal(t, "A", msgs[0].Tags())
}

func TestLongPollRechecksAfterFilteredArrivals(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.b.holds.mu.Lock()
	w.b.holds.recheck = 100 * time.Millisecond
	w.b.holds.mu.Unlock()

	held := w.heldPull(w.c, "T", 0, 20000, "A")
	w.waitFor("pull held", func() bool { return w.b.holds.count() == 1 })
	sent := time.Now()
	w.sendOK("T", 0, "b", wireTags("B"))
	o := w.outcome(held)
	assert.Less(t, o.at.Sub(sent), 10*time.Second)
	w.assertPull(o.resp, remoting.PullRetryImmediately, "NO_MATCHED_MESSAGE", 1, 0, 1)
}

func TestLongPollDroppedWithItsConnection(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	other := remoting.NewClient(remoting.ClientOptions{})
	defer other.Close()

	held := w.heldPull(other, "T", 0, 20000, "*")
	w.waitFor("pull held", func() bool { return w.b.holds.count() == 1 })
	other.CloseConn(w.b.BrokerAddr())
	w.waitFor("hold dropped", func() bool { return w.b.holds.count() == 0 })
	o := <-held
	assert.Error(t, o.err, "the client saw its connection close")

	w.sendOK("T", 0, "after", nil) // nothing left to wake, nothing to panic on
}

func TestHoldCatchesAnArrivalBeforeRegistration(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.sendOK("T", 0, "x", nil) // also opens the connection
	conns := w.b.brokerServer.Conns()
	require.Len(t, conns, 1)

	// A pull that read an empty queue just before the message landed.
	req := remoting.NewRequest(remoting.PullMessage, nil, nil)
	p := pullParams{group: "CG", topic: "T", offset: 0, maxNums: 32, suspend: 20 * time.Second, filter: tagFilter{all: true}}
	require.True(t, w.b.holds.hold(conns[0], req, &p))
	w.waitFor("answered at once", func() bool { return w.b.holds.count() == 0 })
}

func TestParsePullCapsSuspend(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	req := remoting.NewRequest(remoting.PullMessage, wirePull("T", 0, 0, 32, pullFlagSuspend|pullFlagSubscription, 600000, "*"), nil)
	p, bad := w.b.parsePull(nil, req)
	require.Nil(t, bad)
	assert.Equal(t, maxPullSuspend, p.suspend)
}

func TestCloseReleasesHoldsAndGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	b, err := Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	c := remoting.NewClient(remoting.ClientOptions{})
	w := &wireFixture{t: t, b: b, c: c}
	require.NoError(t, b.CreateTopic("T", 1))
	w.sendOK("T", 0, "x", nil)
	w.decode(w.pull("T", 0, 0, 32, "*"))

	helds := []<-chan pullOutcome{
		w.heldPull(c, "T", 1, 20000, "*"),
		w.heldPull(c, "T", 1, 20000, "A"),
	}
	w.waitFor("pulls held", func() bool { return b.holds.count() == 2 })

	require.NoError(t, b.Close())
	assert.Equal(t, 0, b.holds.count())
	for _, h := range helds {
		o := <-h
		assert.Error(t, o.err, "the broker closed the connection")
	}
	c.Close()

	// Not waitFor: require.Eventually runs its condition on a goroutine of its own.
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
