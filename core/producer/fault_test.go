package producer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// sendMany sends n messages synchronously, each within the producer's SendTimeout, and
// returns their results.
func sendMany(t *testing.T, p *producer.Producer, topic string, n int, timeout time.Duration) []*producer.SendResult {
	t.Helper()
	var out []*producer.SendResult
	for i := 0; i < n; i++ {
		start := time.Now()
		res, err := p.SendSync(context.Background(), newMessage(topic, "m"))
		require.NoError(t, err, "send %d", i)
		assert.LessOrEqual(t, time.Since(start), timeout+100*time.Millisecond, "send %d stays within SendTimeout", i)
		out = append(out, res)
	}
	return out
}

func assertStoredOn(t *testing.T, results []*producer.SendResult, broker string) {
	t.Helper()
	for _, r := range results {
		assert.Equal(t, broker, r.Queue.BrokerName)
	}
}

func TestRefusingBrokerIsRetriedAroundThenAvoided(t *testing.T) {
	a, b := twoBrokers(t, "T")
	var bad counter
	b.SetHook(remoting.SendMessageV2, refuse(&bad, remoting.SystemError))
	p := newProducer(t, a.NameServerAddr(), nil)

	results := sendMany(t, p, "T", 20, producer.DefaultSendTimeout)
	assertStoredOn(t, results, "broker-a")
	require.Equal(t, 1, bad.count(), "after one failure broker-b rests")
	retried := bad.seen()[0]
	found := false
	for _, r := range results {
		found = found || r.MsgID == retried
	}
	assert.True(t, found, "the retry on broker-a kept the UNIQ_KEY broker-b saw")
	assert.Len(t, newPuller(t).all(a.BrokerAddr(), "T", 2), 20)
}

func TestWithoutFaultAvoidanceRetriesStillChangeBroker(t *testing.T) {
	a, b := twoBrokers(t, "T")
	var bad counter
	b.SetHook(remoting.SendMessageV2, refuse(&bad, remoting.ServiceNotAvailable))
	p := newProducer(t, a.NameServerAddr(), func(c *producer.Config) { c.DisableFaultAvoidance = true })

	assertStoredOn(t, sendMany(t, p, "T", 20, producer.DefaultSendTimeout), "broker-a")
	assert.GreaterOrEqual(t, bad.count(), 2, "round-robin keeps trying broker-b")
	perID := map[string]int{}
	for _, id := range bad.seen() {
		perID[id]++
	}
	for id, n := range perID {
		assert.Equal(t, 1, n, "message %s went to broker-b twice: a retry must change broker", id)
	}
}

func TestStallingBrokerCostsLessThanSendTimeoutThenIsAvoided(t *testing.T) {
	a, b := twoBrokers(t, "T")
	var bad counter
	b.SetHook(remoting.SendMessageV2, stall(&bad))
	// The healthy broker's attempts get what the stall left, halved while retries remain:
	// a quarter of the timeout at worst. With a 1 s timeout that was 250 ms, which a loaded
	// machine running -race could exceed; a failing broker-a then rests too, and broker-b,
	// resting since earlier, becomes the better choice again.
	const timeout = producer.DefaultSendTimeout
	p := newProducer(t, a.NameServerAddr(), func(c *producer.Config) { c.SendTimeout = timeout })

	results := sendMany(t, p, "T", 10, timeout)
	assertStoredOn(t, results, "broker-a")
	assert.Equal(t, 1, bad.count(), "a timed-out broker rests")
}

func TestSlowBrokerIsAvoided(t *testing.T) {
	a, b := twoBrokers(t, "T")
	var slow counter
	release := make(chan struct{})
	defer close(release)
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		slow.see(req)
		// The dev broker runs hooks on the connection's read loop, so this delays the
		// answer by 600 ms (above 550 ms: 30 s of rest) without failing the send.
		select {
		case <-release:
		case <-time.After(600 * time.Millisecond):
		}
		return nil, false
	})
	p := newProducer(t, a.NameServerAddr(), nil)
	results := sendMany(t, p, "T", 12, producer.DefaultSendTimeout)
	assert.Equal(t, 1, slow.count(), "after one slow answer broker-b rests")
	onB := 0
	for _, r := range results {
		if r.Queue.BrokerName == "broker-b" {
			onB++
		}
	}
	assert.Equal(t, 1, onB, "the slow send itself succeeded")
}

func TestAllBrokersBadStillSends(t *testing.T) {
	// One broker that failed once: the fallback still uses it rather than giving up.
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 2))
	var seen counter
	p := newProducer(t, b.NameServerAddr(), nil)
	_, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.NoError(t, err)
	b.SetHook(remoting.SendMessageV2, refuse(&seen, remoting.SystemError))
	_, err = p.SendSync(context.Background(), newMessage("T", "x"))
	require.Error(t, err)
	b.SetHook(remoting.SendMessageV2, nil)
	res, err := p.SendSync(context.Background(), newMessage("T", "x"))
	require.NoError(t, err, "a resting broker is used when it is the only one")
	assert.Equal(t, "broker-a", res.Queue.BrokerName)
}

func TestTimeoutErrorWrapsTheTransportError(t *testing.T) {
	b := startBroker(t, "broker-a")
	var seen counter
	b.SetHook(remoting.SendMessageV2, stall(&seen))
	const timeout = 400 * time.Millisecond
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.SendTimeout = timeout })
	start := time.Now()
	_, err := p.SendSync(context.Background(), newMessage("T", "x"))
	elapsed := time.Since(start)
	require.ErrorIs(t, err, producer.ErrSendFailed)
	assert.True(t, errors.Is(err, remoting.ErrTimeout), "%v", err)
	assert.GreaterOrEqual(t, elapsed, timeout-50*time.Millisecond)
	assert.Less(t, elapsed, timeout+300*time.Millisecond, "SendTimeout bounds all attempts together")
	assert.GreaterOrEqual(t, seen.count(), 2, "the halved budget leaves room for a retry")
}
