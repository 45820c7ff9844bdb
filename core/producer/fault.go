package producer

import (
	"sync"
	"sync/atomic"
	"time"
)

// Latency fault avoidance, after Java's MQFaultStrategy and LatencyFaultToleranceImpl:
// after each send the broker is marked unavailable for a time that grows with the send's
// latency; a failure counts as a latency of 30 s (so a failed broker rests 10 minutes,
// until a send that falls back to it answers quickly again).
var (
	latencyMax           = [...]time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 550 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 15 * time.Second}
	notAvailableDuration = [...]time.Duration{0, 0, 30 * time.Second, time.Minute, 2 * time.Minute, 3 * time.Minute, 10 * time.Minute}
)

// failureLatency is the latency a failed send is recorded with (Java's isolation).
const failureLatency = 30 * time.Second

// penalty is how long a broker that answered in latency is avoided.
func penalty(latency time.Duration) time.Duration {
	for i := len(latencyMax) - 1; i >= 0; i-- {
		if latency >= latencyMax[i] {
			return notAvailableDuration[i]
		}
	}
	return 0
}

// epoch anchors the monotonic clock the fault table measures with.
var epoch = time.Now()

func monoNow() int64 { return int64(time.Since(epoch)) }

// faultTable remembers brokers that failed or were slow. A broker with no entry is
// available; entries are made on the first penalty only, so a healthy cluster costs one
// lock-free map lookup per send and no writes.
type faultTable struct {
	items sync.Map // broker name → *faultItem
}

type faultItem struct {
	latency   atomic.Int64 // of the last send, ns
	notBefore atomic.Int64 // monoNow at which the broker is available again
}

// update records a send's outcome.
func (t *faultTable) update(broker string, latency time.Duration, failed bool) {
	if failed {
		latency = failureLatency
	}
	d := penalty(latency)
	v, ok := t.items.Load(broker)
	if !ok {
		if d == 0 {
			return
		}
		v, _ = t.items.LoadOrStore(broker, new(faultItem))
	}
	it := v.(*faultItem)
	it.latency.Store(int64(latency))
	it.notBefore.Store(monoNow() + int64(d))
}

func (t *faultTable) available(broker string) bool {
	v, ok := t.items.Load(broker)
	return !ok || monoNow() >= v.(*faultItem).notBefore.Load()
}

// notBefore is when broker is available again (0 if it is).
func (t *faultTable) notBefore(broker string) int64 {
	if v, ok := t.items.Load(broker); ok {
		return v.(*faultItem).notBefore.Load()
	}
	return 0
}
