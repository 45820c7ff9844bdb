package trace_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/trace"
)

func TestEncodeLayouts(t *testing.T) {
	bean := trace.Bean{Topic: "T", MsgID: "ID1", OffsetMsgID: "OFF1", Tags: "TagA", Keys: "k1 k2",
		StoreHost: "1.2.3.4:10911", BodyLength: 5, MsgType: trace.DelayMsg, RetryTimes: 2,
		TransactionID: "TX", TransactionState: "COMMIT_MESSAGE", FromTransactionCheck: true}
	cases := []struct {
		c    trace.Context
		want []string
	}{
		{trace.Context{Type: trace.Pub, TimeStamp: 100, RegionID: "R", Group: "G", CostTime: 7, Success: true, Beans: []trace.Bean{bean}},
			[]string{"Pub", "100", "R", "G", "T", "ID1", "TagA", "k1 k2", "1.2.3.4:10911", "5", "7", "3", "OFF1", "true"}},
		{trace.Context{Type: trace.SubBefore, TimeStamp: 100, RegionID: "R", Group: "G", RequestID: "RQ", Beans: []trace.Bean{bean}},
			[]string{"SubBefore", "100", "R", "G", "RQ", "ID1", "2", "k1 k2"}},
		{trace.Context{Type: trace.SubAfter, TimeStamp: 100, Group: "G", RequestID: "RQ", CostTime: 3, ContextCode: trace.CodeFailed, Beans: []trace.Bean{bean}},
			[]string{"SubAfter", "RQ", "ID1", "3", "false", "k1 k2", "4", "100", "G"}},
		{trace.Context{Type: trace.EndTransaction, TimeStamp: 100, RegionID: "R", Group: "G", Beans: []trace.Bean{bean}},
			[]string{"EndTransaction", "100", "R", "G", "T", "ID1", "TagA", "k1 k2", "1.2.3.4:10911", "3", "TX", "COMMIT_MESSAGE", "true"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.c.Type), func(t *testing.T) {
			enc := trace.Encode(&tc.c)
			require.Equal(t, byte(trace.FieldSeparator), enc[len(enc)-1])
			require.Equal(t, strings.Join(tc.want, "\x01")+"\x02", string(enc))
			require.Equal(t, [][]string{tc.want}, trace.Split(enc))
		})
	}
	// Sub records carry one record per message.
	c := trace.Context{Type: trace.SubBefore, Beans: []trace.Bean{{MsgID: "a"}, {MsgID: "b", Keys: "k"}}}
	recs := trace.Split(trace.Encode(&c))
	require.Len(t, recs, 2)
	require.Equal(t, "b", recs[1][5])
	require.Equal(t, []string{"a", "b", "k"}, c.Keys())
}

// recorder is a Sender that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	msgs []*message.Message
	err  error
	gate chan struct{} // when set, each send waits for it
}

func (r *recorder) send(ctx context.Context, m *message.Message) error {
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return r.err
}

func (r *recorder) all() []*message.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*message.Message(nil), r.msgs...)
}

func pubContext(i int) *trace.Context {
	return &trace.Context{Type: trace.Pub, Group: "G", Success: true,
		Beans: []trace.Bean{{Topic: "T", MsgID: "ID" + strconv.Itoa(i), Keys: "K" + strconv.Itoa(i)}}}
}

func TestDispatcherBatches(t *testing.T) {
	before := runtime.NumGoroutine()
	var r recorder
	closed := false
	d := trace.NewDispatcher(trace.DispatcherConfig{Send: r.send, FlushInterval: time.Hour, Close: func() { closed = true }})
	for i := range 250 {
		require.True(t, d.Append(pubContext(i)))
	}
	d.Shutdown()
	d.Shutdown()
	require.True(t, closed)
	msgs := r.all()
	require.Len(t, msgs, 3) // 100 + 100 + the 50 flushed at shutdown
	total := 0
	for _, m := range msgs {
		require.Equal(t, trace.Topic, m.Topic)
		recs := trace.Split(m.Body)
		require.LessOrEqual(t, len(recs), trace.MaxBatchContexts)
		keys := m.Keys()
		require.Len(t, keys, 2*len(recs))
		for j, rec := range recs {
			require.Equal(t, "ID"+strconv.Itoa(total+j), rec[5])
			require.Equal(t, rec[5], keys[2*j])
		}
		total += len(recs)
	}
	require.Equal(t, 250, total)
	require.EqualValues(t, 250, d.Sent())
	require.False(t, d.Append(pubContext(0)), "append after shutdown")
	require.EqualValues(t, 1, d.Dropped())
	waitGoroutines(t, before)
}

func TestDispatcherByteLimitAndTimer(t *testing.T) {
	var r recorder
	d := trace.NewDispatcher(trace.DispatcherConfig{Send: r.send, FlushInterval: time.Hour})
	big := strings.Repeat("x", 50000)
	for i := range 3 {
		c := pubContext(i)
		c.Beans[0].Tags = big
		d.Append(c)
	}
	// The third takes the body past MaxBatchBytes, which sends it without waiting for
	// the timer.
	require.Eventually(t, func() bool { return d.Sent() == 3 }, 5*time.Second, 5*time.Millisecond)
	d.Append(pubContext(4))
	d.Shutdown()
	msgs := r.all()
	require.Len(t, msgs, 2)
	require.Len(t, trace.Split(msgs[0].Body), 3)
	require.Len(t, trace.Split(msgs[1].Body), 1)
}

func TestDispatcherDropsWhenFullAndNeverBlocks(t *testing.T) {
	before := runtime.NumGoroutine()
	r := recorder{gate: make(chan struct{})}
	d := trace.NewDispatcher(trace.DispatcherConfig{Send: r.send, QueueSize: 4, FlushInterval: time.Millisecond,
		SendTimeout: 50 * time.Millisecond, FlushTimeout: 50 * time.Millisecond})
	start := time.Now()
	accepted := 0
	for i := range 1000 {
		if d.Append(pubContext(i)) {
			accepted++
		}
	}
	require.Less(t, time.Since(start), time.Second)
	require.Positive(t, d.Dropped())
	require.EqualValues(t, 1000, uint64(accepted)+d.Dropped())
	done := make(chan struct{})
	go func() { d.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	waitGoroutines(t, before)
}

func TestDispatcherSurvivesSendErrorsAndPanics(t *testing.T) {
	r := recorder{err: errors.New("broker gone")}
	d := trace.NewDispatcher(trace.DispatcherConfig{Send: r.send, FlushInterval: time.Millisecond})
	d.Append(pubContext(1))
	require.Eventually(t, func() bool { return d.Failed() == 1 }, 5*time.Second, time.Millisecond)
	d.Shutdown()

	p := trace.NewDispatcher(trace.DispatcherConfig{Send: func(context.Context, *message.Message) error { panic("boom") }, FlushInterval: time.Millisecond})
	p.Append(pubContext(1))
	require.Eventually(t, func() bool { return p.Failed() == 1 }, 5*time.Second, time.Millisecond)
	p.Shutdown()
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d now\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
