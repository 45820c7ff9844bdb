package consumer

import (
	"sync"
	"sync/atomic"
	"time"
)

// topicStats counts one topic's pulls and listener calls. Counters only grow; rates are
// differences between samples, so the hot path is a few atomic adds.
type topicStats struct {
	pulls, pullMicros, pulledMsgs atomic.Int64
	consumeCalls, consumeMicros   atomic.Int64
	consumedOK, consumedFailed    atomic.Int64
	mu                            sync.Mutex
	prev                          statsSample
	prevAt                        time.Time
}

type statsSample struct {
	pulls, pullMicros, pulledMsgs, consumeCalls, consumeMicros, consumedOK, consumedFailed int64
}

func (s *topicStats) sample() statsSample {
	return statsSample{
		pulls: s.pulls.Load(), pullMicros: s.pullMicros.Load(), pulledMsgs: s.pulledMsgs.Load(),
		consumeCalls: s.consumeCalls.Load(), consumeMicros: s.consumeMicros.Load(),
		consumedOK: s.consumedOK.Load(), consumedFailed: s.consumedFailed.Load(),
	}
}

func (s *topicStats) pulled(rt time.Duration, msgs int) {
	s.pulls.Add(1)
	s.pullMicros.Add(rt.Microseconds())
	s.pulledMsgs.Add(int64(msgs))
}

func (s *topicStats) consumed(rt time.Duration, msgs int, ok bool) {
	s.consumeCalls.Add(1)
	s.consumeMicros.Add(rt.Microseconds())
	if ok {
		s.consumedOK.Add(int64(msgs))
	} else {
		s.consumedFailed.Add(int64(msgs))
	}
}

// tick starts a new measuring window.
func (s *topicStats) tick(now time.Time) {
	cur := s.sample()
	s.mu.Lock()
	s.prev, s.prevAt = cur, now
	s.mu.Unlock()
}

// consumeStatus is ConsumeStatus of GET_CONSUMER_RUNNING_INFO, as Java names its fields.
// The rates cover the time since the last tick (one persist interval, at least a second);
// consumeFailedMsgs counts every failure since Start.
type consumeStatus struct {
	PullRT            float64 `json:"pullRT"`
	PullTPS           float64 `json:"pullTPS"`
	ConsumeRT         float64 `json:"consumeRT"`
	ConsumeOKTPS      float64 `json:"consumeOKTPS"`
	ConsumeFailedTPS  float64 `json:"consumeFailedTPS"`
	ConsumeFailedMsgs int64   `json:"consumeFailedMsgs"`
}

func (s *topicStats) status(now time.Time) consumeStatus {
	cur := s.sample()
	s.mu.Lock()
	prev, at := s.prev, s.prevAt
	s.mu.Unlock()
	secs := max(now.Sub(at).Seconds(), 1)
	st := consumeStatus{
		PullTPS:           float64(cur.pulledMsgs-prev.pulledMsgs) / secs,
		ConsumeOKTPS:      float64(cur.consumedOK-prev.consumedOK) / secs,
		ConsumeFailedTPS:  float64(cur.consumedFailed-prev.consumedFailed) / secs,
		ConsumeFailedMsgs: cur.consumedFailed,
	}
	if n := cur.pulls - prev.pulls; n > 0 {
		st.PullRT = float64(cur.pullMicros-prev.pullMicros) / float64(n) / 1000
	}
	if n := cur.consumeCalls - prev.consumeCalls; n > 0 {
		st.ConsumeRT = float64(cur.consumeMicros-prev.consumeMicros) / float64(n) / 1000
	}
	return st
}
