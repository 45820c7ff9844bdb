package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/devbroker"
)

// newPush creates a push consumer through the exports, subscribed to topic
// with the test callback, and destroys it at the end of the test.
func newPush(t *testing.T, group, namesrv, topic string, orderly bool) *cPushHandle {
	t.Helper()
	var p *cPushHandle
	withCString(group, func(g *cchar) { p = CreatePushConsumer(g) })
	if p == nil {
		t.Fatal("CreatePushConsumer returned NULL")
	}
	t.Cleanup(func() { DestroyPushConsumer(p) })
	withCString(namesrv, func(s *cchar) {
		if rc := SetPushConsumerNameServerAddress(p, s); rc != 0 {
			t.Fatalf("SetPushConsumerNameServerAddress = %d", rc)
		}
	})
	withCString(topic, func(tp *cchar) {
		withCString("*", func(e *cchar) {
			if rc := Subscribe(p, tp, e); rc != 0 {
				t.Fatalf("Subscribe = %d", rc)
			}
		})
	})
	register := RegisterMessageCallback
	if orderly {
		register = RegisterMessageCallbackOrderly
	}
	if rc := register(p, ctCallback()); rc != 0 {
		t.Fatalf("Register = %d", rc)
	}
	return p
}

func startPush(t *testing.T, p *cPushHandle) {
	t.Helper()
	if rc, e := onThread(func() status { return StartPushConsumer(p) }); rc != 0 {
		t.Fatalf("StartPushConsumer = %d: %s", rc, e)
	}
}

// sendBodies sends one message per body to topic, synchronously.
func sendBodies(t *testing.T, namesrv, topic string, bodies []string) {
	t.Helper()
	p := newProducer(t, "capi-consumer-test-producer", namesrv)
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)
	for _, b := range bodies {
		m := newMsg(t, topic, b, "")
		if rc, e := onThread(func() status { return SendMessageSync(p, m, res) }); rc != 0 {
			t.Fatalf("send %q: %d %s", b, rc, e)
		}
	}
}

func bodiesN(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

func TestPushConsumerDeliversEachMessageOnce(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	const topic = "CapiPushOnce"
	b.CreateTopic(topic, 4)
	want := bodiesN("once", 40)
	sendBodies(t, b.NameServerAddr(), topic, want)

	ctReset(0, 0, nil)
	p := newPush(t, "capi-push-once", b.NameServerAddr(), topic, false)
	// One thread, so that each call's message is the previous call's
	// successor and its handle can be checked to be dead.
	if rc := SetPushConsumerThreadCount(p, 1); rc != 0 {
		t.Fatal(rc)
	}
	startPush(t, p)
	waitFor(t, "every message", func() bool { return ctGet().calls >= len(want) })
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show up

	var got []string
	for _, d := range ctDeliveries() {
		got = append(got, d.body)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("delivered %v, want each of %v once", got, want)
	}
	c := ctGet()
	if c.seen != unsafe.Pointer(p) {
		t.Errorf("callback got consumer %p, want %p", c.seen, p)
	}
	if c.badHandleRC != 1 {
		t.Errorf("a message handle after its callback: getter answered %d, want 1 (NULL_POINTER)", c.badHandleRC)
	}
	if rc := ShutdownPushConsumer(p); rc != 0 {
		t.Fatalf("ShutdownPushConsumer = %d", rc)
	}
}

func TestPushConsumerReconsumeLater(t *testing.T) {
	b := startBroker(t, devbroker.Config{DelayLevels: []time.Duration{
		50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}})
	const topic = "CapiPushRetry"
	b.CreateTopic(topic, 1)
	sendBodies(t, b.NameServerAddr(), topic, []string{"ok-1", "retry-1", "ok-2"})

	// Any non-zero answer, not only E_RECONSUME_LATER, asks for the message again.
	ctReset(7, 0, nil)
	p := newPush(t, "capi-push-retry", b.NameServerAddr(), topic, false)
	startPush(t, p)
	waitFor(t, "the retried message", func() bool {
		for _, d := range ctDeliveries() {
			if d.body == "retry-1" && d.reconsume > 0 {
				return true
			}
		}
		return false
	})
	n := map[string]int{}
	for _, d := range ctDeliveries() {
		n[d.body]++
	}
	if n["retry-1"] < 2 || n["ok-1"] < 1 || n["ok-2"] < 1 {
		t.Errorf("deliveries %v: retry-1 should come twice, the others at least once", n)
	}
}

func TestPushConsumerShutdownWaitsForCallbacks(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	const topic = "CapiPushSlow"
	b.CreateTopic(topic, 2)
	sendBodies(t, b.NameServerAddr(), topic, bodiesN("slow", 6))

	ctReset(0, 400, nil)
	p := newPush(t, "capi-push-slow", b.NameServerAddr(), topic, false)
	startPush(t, p)
	waitFor(t, "a running callback", func() bool { return ctGet().running > 0 })
	if rc := ShutdownPushConsumer(p); rc != 0 {
		t.Fatalf("ShutdownPushConsumer = %d", rc)
	}
	after := ctGet()
	if after.running != 0 || after.calls != after.finished {
		t.Fatalf("after Shutdown: %d callbacks running, %d started, %d finished", after.running, after.calls, after.finished)
	}
	time.Sleep(500 * time.Millisecond)
	if later := ctGet(); later.calls != after.calls {
		t.Errorf("%d callbacks started after Shutdown returned", later.calls-after.calls)
	}
	if rc := ShutdownPushConsumer(p); rc != 0 {
		t.Errorf("second ShutdownPushConsumer = %d, want 0", rc)
	}
}

func TestPushConsumerCallbackCannotDestroyItsConsumer(t *testing.T) {
	for _, orderly := range []bool{false, true} {
		t.Run(fmt.Sprintf("orderly=%v", orderly), func(t *testing.T) {
			b := startBroker(t, devbroker.Config{})
			const topic = "CapiPushSelf"
			b.CreateTopic(topic, 1)
			sendBodies(t, b.NameServerAddr(), topic, []string{"self-1"})
			p := newPush(t, fmt.Sprintf("capi-push-self-%v", orderly), b.NameServerAddr(), topic, orderly)
			ctReset(0, 0, p)
			startPush(t, p)
			waitFor(t, "a callback", func() bool { return ctGet().finished > 0 })
			c := ctGet()
			if c.destroyRC != 20 || c.shutdownRC != 20 {
				t.Errorf("from the callback: Destroy = %d, Shutdown = %d; want 20 and 20", c.destroyRC, c.shutdownRC)
			}
			if rc := DestroyPushConsumer(p); rc != 0 {
				t.Errorf("DestroyPushConsumer from the test = %d", rc)
			}
			if after := ctGet(); after.running != 0 {
				t.Errorf("%d callbacks running after Destroy", after.running)
			}
		})
	}
}

func TestPushConsumerOrderlyKeepsQueueOrder(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	const topic = "CapiPushOrderly"
	b.CreateTopic(topic, 1)
	want := bodiesN("ord", 20)
	sendBodies(t, b.NameServerAddr(), topic, want)
	ctReset(0, 0, nil)
	p := newPush(t, "capi-push-orderly", b.NameServerAddr(), topic, true)
	startPush(t, p)
	waitFor(t, "every message", func() bool { return ctGet().calls >= len(want) })
	var got []string
	for _, d := range ctDeliveries() {
		got = append(got, d.body)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("orderly deliveries %v, want %v", got, want)
	}
	if c := ctGet(); c.maxRunning != 1 {
		t.Errorf("%d callbacks ran at once on one queue", c.maxRunning)
	}
}

func TestPushConsumerWrongStates(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	var p *cPushHandle
	withCString("capi-push-states", func(g *cchar) { p = CreatePushConsumer(g) })
	expectRC(t, "start without callback", 20, "StartPushConsumer", "messageListener is null",
		func() status { return StartPushConsumer(p) })
	expectRC(t, "NULL callback", 1, "RegisterMessageCallback", "NULL",
		func() status { return RegisterMessageCallback(p, nil) })
	expectRC(t, "thread count 0", 1, "SetPushConsumerThreadCount", "0",
		func() status { return SetPushConsumerThreadCount(p, 0) })
	expectRC(t, "negative thread count", 0, "", "", func() status { return SetPushConsumerThreadCount(p, -3) })
	expectRC(t, "cache in MB", 500, "SetPushConsumerMaxCacheMessageSizeInMb", "not supported",
		func() status { return SetPushConsumerMaxCacheMessageSizeInMb(p, 10) })
	expectRC(t, "bad model", 20, "SetPushConsumerMessageModel", "BROADCASTING",
		func() status { return SetPushConsumerMessageModel(p, 5) })
	if g := str(GetPushConsumerGroupID(p)); g != "capi-push-states" {
		t.Errorf("group %q", g)
	}
	withCString("DEFAULT_CONSUMER", func(g *cchar) { SetPushConsumerGroupID(p, g) })
	withCString(b.NameServerAddr(), func(s *cchar) { SetPushConsumerNameServerAddress(p, s) })
	RegisterMessageCallback(p, ctCallback())
	expectRC(t, "reserved group", 20, "StartPushConsumer", "DEFAULT_CONSUMER",
		func() status { return StartPushConsumer(p) })
	withCString("capi-push-states", func(g *cchar) { SetPushConsumerGroupID(p, g) })
	startPush(t, p)
	expectRC(t, "subscribe after start", 20, "Subscribe", "before it", func() status {
		var rc status
		withCString("T", func(tp *cchar) { rc = Subscribe(p, tp, tp) })
		return rc
	})

	// A second consumer of the same group and instance in this process.
	q := newPush(t, "capi-push-states", b.NameServerAddr(), "T2", false)
	expectRC(t, "duplicate group", 20, "StartPushConsumer", "already running",
		func() status { return StartPushConsumer(q) })

	if ShowPushConsumerVersion(p) == nil || ShowPushConsumerVersion(nil) != nil {
		t.Error("ShowPushConsumerVersion: want text for a consumer and NULL for NULL")
	}
	if rc := DestroyPushConsumer(p); rc != 0 {
		t.Fatal(rc)
	}
	expectRC(t, "use after destroy", 1, "SetPushConsumerInstanceName", "destroyed", func() status {
		var rc status
		withCString("x", func(s *cchar) { rc = SetPushConsumerInstanceName(p, s) })
		return rc
	})
	expectRC(t, "destroy twice", 1, "DestroyPushConsumer", "destroyed", func() status { return DestroyPushConsumer(p) })
	if GetPushConsumerGroupID(p) != nil {
		t.Error("GetPushConsumerGroupID after destroy should be NULL")
	}
}

func TestPullConsumer(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	const topic = "CapiPull"
	b.CreateTopic(topic, 2)
	want := bodiesN("pull", 30)
	sendBodies(t, b.NameServerAddr(), topic, want)

	var p *cPullHandle
	withCString("capi-pull", func(g *cchar) { p = CreatePullConsumer(g) })
	defer DestroyPullConsumer(p)
	withCString(b.NameServerAddr(), func(s *cchar) { SetPullConsumerNameServerAddress(p, s) })
	mqs, size := testNewQueueOut(), testNewIntOut()
	defer testFreeAny(mqs)
	defer testFreeAny(size)
	expectRC(t, "fetch before start", 31, "FetchSubscriptionMessageQueues", "not started", func() status {
		var rc status
		withCString(topic, func(tp *cchar) { rc = FetchSubscriptionMessageQueues(p, tp, mqs, size) })
		return rc
	})
	if rc, e := onThread(func() status { return StartPullConsumer(p) }); rc != 0 {
		t.Fatalf("StartPullConsumer = %d: %s", rc, e)
	}
	if rc, e := onThread(func() status {
		var rc status
		withCString(topic, func(tp *cchar) { rc = FetchSubscriptionMessageQueues(p, tp, mqs, size) })
		return rc
	}); rc != 0 || *size != 2 {
		t.Fatalf("FetchSubscriptionMessageQueues = %d (%d queues): %s", rc, *size, e)
	}
	defer ReleaseSubscriptionMessageQueue(*mqs)

	var got []string
	for i := range int(*size) {
		offset := int64(0)
		for {
			var r cPullResult
			withCString("*", func(e *cchar) { r = Pull(p, testQueueAt(*mqs, i), e, cLongLong(offset), 7) })
			st, next, _, _, n := testPullFields(r)
			if st != 0 {
				if st != 1 {
					t.Fatalf("queue %d offset %d: status %d", i, offset, st)
				}
				if rc := ReleasePullResult(r); rc != 1 {
					t.Errorf("releasing a NO_NEW_MSG result = %d, want 1", rc)
				}
				break
			}
			for _, m := range testPullMessages(r) {
				got = append(got, str(GetMessageBody(m)))
			}
			if n == 0 || next <= offset {
				t.Fatalf("FOUND with %d messages, next %d after %d", n, next, offset)
			}
			msgs := testPullMessages(r)
			if rc := ReleasePullResult(r); rc != 0 {
				t.Fatalf("ReleasePullResult = %d", rc)
			}
			if rc := ReleasePullResult(r); rc != 1 {
				t.Errorf("second ReleasePullResult = %d, want 1", rc)
			}
			if GetMessageQueueId(msgs[0]) != 1 {
				t.Error("a released message still answers")
			}
			offset = next
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("pulled %v, want %v", got, want)
	}
	var zero cPullResult
	if rc := ReleasePullResult(zero); rc != 1 {
		t.Errorf("releasing a zeroed result = %d", rc)
	}
	// A pull with bad arguments fails as E_BROKER_TIMEOUT with the reason.
	var r cPullResult
	_, e := onThread(func() status {
		withCString("*", func(ex *cchar) { r = Pull(p, testQueueAt(*mqs, 0), ex, -1, 7) })
		return 0
	})
	if st, _, _, _, _ := testPullFields(r); st != 4 || !strings.Contains(e, "offset") {
		t.Errorf("negative offset: status %d, error %q", st, e)
	}
	if rc := ShutdownPullConsumer(p); rc != 0 {
		t.Fatal(rc)
	}
	withCString("*", func(ex *cchar) { r = Pull(p, testQueueAt(*mqs, 0), ex, 0, 7) })
	if st, _, _, _, _ := testPullFields(r); st != 4 {
		t.Errorf("pull after shutdown: status %d", st)
	}
}

// A consumer named only by its name server domain asks the address server at start.
func TestConsumersFindTheirNameServerByDomain(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	const topic = "CapiDomain"
	b.CreateTopic(topic, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, b.NameServerAddr())
	}))
	defer srv.Close()
	t.Setenv("NAMESRV_ADDR", "")

	var p *cPullHandle
	withCString("capi-pull-domain", func(g *cchar) { p = CreatePullConsumer(g) })
	defer DestroyPullConsumer(p)
	withCString(srv.URL+"/rocketmq/nsaddr", func(s *cchar) {
		if rc := SetPullConsumerNameServerDomain(p, s); rc != 0 {
			t.Fatalf("SetPullConsumerNameServerDomain = %d", rc)
		}
	})
	if rc, e := onThread(func() status { return StartPullConsumer(p) }); rc != 0 {
		t.Fatalf("StartPullConsumer = %d: %s", rc, e)
	}
	mqs, size := testNewQueueOut(), testNewIntOut()
	defer testFreeAny(mqs)
	defer testFreeAny(size)
	if rc, e := onThread(func() status {
		var rc status
		withCString(topic, func(tp *cchar) { rc = FetchSubscriptionMessageQueues(p, tp, mqs, size) })
		return rc
	}); rc != 0 || *size != 2 {
		t.Fatalf("FetchSubscriptionMessageQueues = %d (%d queues): %s", rc, *size, e)
	}
	ReleaseSubscriptionMessageQueue(*mqs)

	// An address server with nothing to say fails the start, saying why.
	empty := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer empty.Close()
	var q *cPushHandle
	withCString("capi-push-domain", func(g *cchar) { q = CreatePushConsumer(g) })
	defer DestroyPushConsumer(q)
	withCString(empty.URL+"/rocketmq/nsaddr", func(s *cchar) { SetPushConsumerNameServerDomain(q, s) })
	withCString(topic, func(tp *cchar) { withCString("*", func(e *cchar) { Subscribe(q, tp, e) }) })
	RegisterMessageCallback(q, ctCallback())
	expectRC(t, "empty address server", 20, "StartPushConsumer", "no name server address", func() status {
		return StartPushConsumer(q)
	})
}
