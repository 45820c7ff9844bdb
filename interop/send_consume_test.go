package interop

import (
	"context"
	"fmt"
	"hash/crc32"
	"sort"
	"strings"
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

	// What the consumer decodes from the broker's records matches what the broker
	// answered the sync and async sends, and the records are well formed.
	brokerAddr := e.brokerAddrOf(topic)
	col.mu.Lock()
	fc := newFieldCheck(t)
	for _, res := range []map[string]*primitive.SendResult{syncRes, asyncRes} {
		for id, r := range res {
			m := col.first[id]
			if m == nil {
				continue
			}
			fc.checkDelivered(id, m, topic, brokerAddr)
			if m.OffsetMsgId != r.OffsetMsgID {
				fc.add("offset msgId", id, "SendResult.OffsetMsgID (the broker's msgId) %s, but the consumed record decodes to %s (store host %s, commit-log offset %d)",
					r.OffsetMsgID, m.OffsetMsgId, m.StoreHost, m.CommitLogOffset)
			}
			if m.Queue.QueueId != r.MessageQueue.QueueId || m.QueueOffset != r.QueueOffset {
				fc.add("queue/offset", id, "sent to queue %d offset %d, consumed from queue %d offset %d",
					r.MessageQueue.QueueId, r.QueueOffset, m.Queue.QueueId, m.QueueOffset)
			}
		}
	}
	for _, id := range onewayIDs {
		if m := col.first[id]; m != nil {
			fc.checkDelivered(id, m, topic, brokerAddr)
		}
	}
	fc.report(len(col.first))
	// Commit-log offsets are unique; in the dev broker, whose commit log holds only this
	// test's messages, they are contiguous as in a real commit log (offset + size = next).
	type rec struct {
		off  int64
		size int32
		id   string
	}
	recs := make([]rec, 0, len(col.first))
	for id, m := range col.first {
		recs = append(recs, rec{m.CommitLogOffset, m.StoreSize, id})
	}
	col.mu.Unlock()
	sort.Slice(recs, func(i, j int) bool { return recs[i].off < recs[j].off })
	gaps := 0
	for i := 1; i < len(recs); i++ {
		if recs[i].off == recs[i-1].off {
			t.Errorf("%s and %s share commit-log offset %d", recs[i-1].id, recs[i].id, recs[i].off)
		} else if recs[i-1].off+int64(recs[i-1].size) != recs[i].off {
			gaps++
			if gaps <= 3 && e.internal() {
				t.Errorf("commit log not contiguous: %s at %d size %d, next %s at %d",
					recs[i-1].id, recs[i-1].off, recs[i-1].size, recs[i].id, recs[i].off)
			}
		}
	}
	if gaps > 0 {
		t.Logf("%d commit-log gaps between consecutive messages", gaps)
	}

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

// fieldCheck aggregates field mismatches over many messages: per field, a count and the
// first few examples, so a systematic broker bug gives one readable failure.
type fieldCheck struct {
	t        *testing.T
	count    map[string]int
	examples map[string][]string
	order    []string
}

func newFieldCheck(t *testing.T) *fieldCheck {
	return &fieldCheck{t: t, count: map[string]int{}, examples: map[string][]string{}}
}

func (f *fieldCheck) add(field, id, format string, args ...any) {
	if f.count[field] == 0 {
		f.order = append(f.order, field)
	}
	f.count[field]++
	if len(f.examples[field]) < 3 {
		f.examples[field] = append(f.examples[field], id+": "+fmt.Sprintf(format, args...))
	}
}

// report fails the test once per mismatching field.
func (f *fieldCheck) report(total int) {
	f.t.Helper()
	for _, field := range f.order {
		f.t.Errorf("%s wrong in %d of %d consumed messages, e.g. %s", field, f.count[field], total, strings.Join(f.examples[field], " | "))
	}
}

// checkDelivered checks the fields a consumer decodes from a broker record of a message
// sent by newMsg from this process.
func (f *fieldCheck) checkDelivered(id string, m *primitive.MessageExt, topic, brokerAddr string) {
	if m.Topic != topic {
		f.add("topic", id, "%q", m.Topic)
	}
	if string(m.Body) != "body of "+id {
		f.add("body", id, "%q", m.Body)
	}
	if m.GetKeys() != id {
		f.add("keys", id, "%q", m.GetKeys())
	}
	if m.StoreHost != brokerAddr {
		f.add("store host", id, "%s, broker is %s", m.StoreHost, brokerAddr)
	}
	if !strings.HasPrefix(m.BornHost, "127.0.0.1:") || strings.HasSuffix(m.BornHost, ":0") {
		f.add("born host", id, "%s, the producer connected from 127.0.0.1", m.BornHost)
	}
	now := time.Now().UnixMilli()
	if m.BornTimestamp <= 0 || m.BornTimestamp > now || now-m.BornTimestamp > 10*60*1000 {
		f.add("born timestamp", id, "%d, now %d", m.BornTimestamp, now)
	}
	if m.StoreTimestamp < m.BornTimestamp-1000 || m.StoreTimestamp > now {
		f.add("store timestamp", id, "%d, born %d, now %d", m.StoreTimestamp, m.BornTimestamp, now)
	}
	if m.ReconsumeTimes != 0 {
		f.add("reconsume times", id, "%d", m.ReconsumeTimes)
	}
	if m.SysFlag != 0 {
		f.add("sysFlag", id, "%#x, sent 0", m.SysFlag)
	}
	// UtilAll.crc32: CRC-32 (IEEE) of the stored body with the sign bit cleared.
	if want := int32(crc32.ChecksumIEEE(m.Body) & 0x7fffffff); m.BodyCRC != want {
		f.add("BODYCRC (must be UtilAll.crc32 = crc32 & 0x7fffffff)", id, "stored %d, want %d", m.BodyCRC, want)
	}
	if m.StoreSize < int32(91+len(m.Body)+len(m.Topic)) {
		f.add("store size", id, "%d too small for body %d and topic %d", m.StoreSize, len(m.Body), len(m.Topic))
	}
}
