package main

import (
	"runtime"
	"testing"

	"github.com/rocketmq-go/librocketmq/devbroker"
)

// The C test lifecycle.c asserts descriptors, threads and RSS over 1,000 cycles; this one
// counts what C cannot see: every goroutine a cycle of a producer, a push consumer and a
// pull consumer (created, started, used, shut down, destroyed) starts has ended after it.
func TestLifecycleCyclesLeaveNoGoroutines(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	namesrv := b.NameServerAddr()
	const topic = "CapiLifecycle"
	b.CreateTopic(topic, 2)
	res := testNewResult()
	defer testFreeResult(res)
	mqs, size := testNewQueueOut(), testNewIntOut()
	defer testFreeAny(mqs)
	defer testFreeAny(size)
	must := func(what string, rc status, e string) {
		t.Helper()
		if rc != 0 {
			t.Fatalf("%s = %d: %s", what, rc, e)
		}
	}

	cycle := func() {
		p := newProducer(t, "capi-lifecycle", namesrv)
		mustStart(t, p)
		m := newMsg(t, topic, "cycle", "")
		rc, e := onThread(func() status { return SendMessageSync(p, m, res) })
		must("SendMessageSync", rc, e)
		push := newPush(t, "capi-lifecycle-push", namesrv, topic, false)
		startPush(t, push)

		var pull *cPullHandle
		withCString("capi-lifecycle-pull", func(g *cchar) { pull = CreatePullConsumer(g) })
		withCString(namesrv, func(s *cchar) { SetPullConsumerNameServerAddress(pull, s) })
		rc, e = onThread(func() status { return StartPullConsumer(pull) })
		must("StartPullConsumer", rc, e)
		rc, e = onThread(func() status {
			var rc status
			withCString(topic, func(tp *cchar) { rc = FetchSubscriptionMessageQueues(pull, tp, mqs, size) })
			return rc
		})
		must("FetchSubscriptionMessageQueues", rc, e)
		ReleaseSubscriptionMessageQueue(*mqs)

		must("ShutdownPullConsumer", ShutdownPullConsumer(pull), "")
		must("DestroyPullConsumer", DestroyPullConsumer(pull), "")
		must("ShutdownPushConsumer", ShutdownPushConsumer(push), "")
		must("DestroyPushConsumer", DestroyPushConsumer(push), "")
		must("ShutdownProducer", ShutdownProducer(p), "")
		must("DestroyProducer", DestroyProducer(p), "")
	}

	cycles := 100
	if testing.Short() {
		cycles = 10
	}
	cycle() // what runs once per process (log file, pools) is not a leak
	before := runtime.NumGoroutine()
	for range cycles {
		cycle()
	}
	if !eventually(func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after one cycle, %d after %d more:\n%s", before, runtime.NumGoroutine(), cycles,
			buf[:runtime.Stack(buf, true)])
	}
	t.Logf("%d cycles: %d goroutines before, %d after", cycles, before, runtime.NumGoroutine())
}
