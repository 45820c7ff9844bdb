package interop

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// TestSendModesConsumedExactlyOnce sends 10,000 messages — sync, async and oneway — and
// checks that one push consumer receives every one exactly once.
func TestSendModesConsumedExactlyOnce(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(8)
	p := e.newProducer()

	const nSync, nAsync, nOneway = 3334, 3333, 3333
	syncIDs := ids("sync", 0, nSync)
	asyncIDs := ids("async", 0, nAsync)
	onewayIDs := ids("oneway", 0, nOneway)

	col := newCollector()
	group := e.name("cg")
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("c"))

	// sync, 8 at a time
	start := time.Now()
	syncRes := sendSync(t, p, topic, syncIDs, 8)
	t.Logf("sent %d sync in %v", nSync, time.Since(start))

	// async, all in flight at once but bounded by a semaphore
	start = time.Now()
	var (
		mu       sync.Mutex
		asyncRes = make(map[string]*primitive.SendResult, nAsync)
		asyncErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, 256)
	)
	for _, id := range asyncIDs {
		sem <- struct{}{}
		wg.Add(1)
		id := id
		var once sync.Once // the client may call back twice on a transport error
		err := p.SendAsync(context.Background(), func(_ context.Context, r *primitive.SendResult, err error) {
			once.Do(func() {
				mu.Lock()
				if err == nil && (r == nil || r.Status != primitive.SendOK) {
					err = fmt.Errorf("result %v", r)
				}
				if err != nil && asyncErr == nil {
					asyncErr = fmt.Errorf("SendAsync %s: %w", id, err)
				}
				if err == nil {
					asyncRes[id] = r
				}
				mu.Unlock()
				<-sem
				wg.Done()
			})
		}, newMsg(topic, id))
		if err != nil {
			<-sem
			wg.Done()
			t.Fatalf("SendAsync %s: %v", id, err)
		}
	}
	waitDone(t, &wg, 30*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("async send callbacks: %d of %d came back", len(asyncRes), nAsync)
	})
	require.NoError(t, asyncErr)
	t.Logf("sent %d async in %v", nAsync, time.Since(start))

	// oneway: no result, the id is in the message
	start = time.Now()
	for _, id := range onewayIDs {
		require.NoError(t, p.SendOneWay(context.Background(), newMsg(topic, id)), "SendOneWay %s", id)
	}
	t.Logf("sent %d oneway in %v", nOneway, time.Since(start))

	all := append(append(append([]string{}, syncIDs...), asyncIDs...), onewayIDs...)
	col.waitAll(t, all, 60*time.Second)
	// Let any duplicate that is already on its way arrive before judging.
	settle(t, col, 500*time.Millisecond)
	col.requireExactlyOnce(t, all)

	// MsgIds: the consumer sees the UNIQ_KEY the producer reported, and every id is unique.
	seenMsgID := map[string]string{}
	col.mu.Lock()
	for id, uk := range col.uniq {
		if other, dup := seenMsgID[uk]; dup {
			t.Errorf("messages %s and %s were consumed with the same MsgId %s", id, other, uk)
		}
		seenMsgID[uk] = id
	}
	for id, r := range syncRes {
		if got := col.uniq[id]; got != r.MsgID {
			t.Errorf("%s: SendResult.MsgID %s, consumed MsgId %s", id, r.MsgID, got)
		}
	}
	for id, r := range asyncRes {
		if got := col.uniq[id]; got != r.MsgID {
			t.Errorf("%s: SendResult.MsgID %s, consumed MsgId %s", id, r.MsgID, got)
		}
	}
	col.mu.Unlock()

	// Queue offsets reported by sync sends are distinct per queue.
	type qo struct {
		q   int
		off int64
	}
	seenOff := map[qo]string{}
	for id, r := range syncRes {
		k := qo{r.MessageQueue.QueueId, r.QueueOffset}
		if other, dup := seenOff[k]; dup {
			t.Errorf("sync sends %s and %s both got queue %d offset %d", id, other, k.q, k.off)
		}
		seenOff[k] = id
	}
}

// waitDone waits for a WaitGroup with a deadline.
func waitDone(t testing.TB, wg *sync.WaitGroup, timeout time.Duration, what func() string) {
	t.Helper()
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(timeout):
		t.Fatalf("timed out after %v: %s", timeout, what())
	}
}

// settle waits until the collector has seen no new delivery for quiet (bounded at 10×quiet),
// so that late duplicates get a chance to show up before exactly-once is judged.
func settle(t testing.TB, c *collector, quiet time.Duration) {
	t.Helper()
	last := c.deliveries()
	lastChange := time.Now()
	deadline := time.Now().Add(10 * quiet)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		<-tick.C
		if n := c.deliveries(); n != last {
			last, lastChange = n, time.Now()
		}
		if time.Since(lastChange) >= quiet {
			return
		}
	}
}
