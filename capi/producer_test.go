package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/log"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// testLogDir receives the library's log file during the tests, instead of
// $HOME/logs.
var testLogDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rmq-capi-log-")
	if err == nil {
		testLogDir = dir
		log.SetPath(dir)
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// onThread runs f on a locked OS thread, as an export's caller is, and
// returns its status and that thread's last error afterwards.
func onThread(f func() status) (rc status, lastErr string) {
	onOwnThread(func() {
		clearLastError()
		rc = f()
		lastErr = lastError()
	})
	return rc, lastErr
}

// expectRC checks a status and that the last error names fn and says what.
func expectRC(t *testing.T, what string, want status, fn, text string, f func() status) {
	t.Helper()
	rc, e := onThread(f)
	if rc != want {
		t.Errorf("%s: status %d, want %d (last error %q)", what, rc, want, e)
		return
	}
	if want != 0 && (!strings.Contains(e, fn) || !strings.Contains(e, text)) {
		t.Errorf("%s: last error %q should name %s and say %q", what, e, fn, text)
	}
}

func startBroker(t *testing.T, cfg devbroker.Config) *devbroker.Broker {
	t.Helper()
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	b, err := devbroker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// newProducer creates a producer of kind through the exports, with group
// and name server set, and destroys it at the end of the test.
func newProducer(t *testing.T, group, namesrv string) *cProducerHandle {
	t.Helper()
	var p *cProducerHandle
	withCString(group, func(g *cchar) { p = CreateProducer(g) })
	if p == nil {
		t.Fatal("CreateProducer returned NULL")
	}
	t.Cleanup(func() { DestroyProducer(p) })
	if namesrv != "" {
		withCString(namesrv, func(s *cchar) {
			if rc := SetProducerNameServerAddress(p, s); rc != 0 {
				t.Fatalf("SetProducerNameServerAddress(%q) = %d", namesrv, rc)
			}
		})
	}
	return p
}

func mustStart(t *testing.T, p *cProducerHandle) {
	t.Helper()
	if rc, e := onThread(func() status { return StartProducer(p) }); rc != 0 {
		t.Fatalf("StartProducer = %d: %s", rc, e)
	}
}

// newMsg creates a message with a body (and tags/keys when given).
func newMsg(t *testing.T, topic, body, keys string) *cMessageHandle {
	t.Helper()
	m := newTestMessage(t, topic)
	withCString(body, func(p *cchar) { SetMessageBody(m, p) })
	if keys != "" {
		withCString(keys, func(p *cchar) { SetMessageKeys(m, p) })
	}
	return m
}

// query asks the broker for the records of topic with key (a UNIQ_KEY or a
// word of KEYS), the way Java's admin tools find messages.
func query(t *testing.T, b *devbroker.Broker, topic, key string) []*message.MessageExt {
	t.Helper()
	rc := remoting.NewClient(remoting.ClientOptions{})
	defer rc.Close()
	req := remoting.NewRequest(remoting.QueryMessage, map[string]string{
		"topic": topic, "key": key, "maxNum": "32",
		"beginTimestamp": "0", "endTimestamp": strconv.FormatInt(math.MaxInt64, 10),
	}, nil)
	resp, err := rc.InvokeSync(context.Background(), b.BrokerAddr(), req, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code == remoting.QueryNotFound {
		return nil
	}
	if resp.Code != remoting.Success {
		t.Fatalf("query %s/%s: %v", topic, key, resp.AsError())
	}
	msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{Decompress: true})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// queryOne waits for exactly one record of topic with key.
func queryOne(t *testing.T, b *devbroker.Broker, topic, key string) *message.MessageExt {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := query(t, b, topic, key)
		if len(msgs) == 1 {
			return msgs[0]
		}
		if len(msgs) > 1 || time.Now().After(deadline) {
			t.Fatalf("%s/%s: %d records, want 1", topic, key, len(msgs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !eventually(cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// eventually reports whether cond became true within 20 s; unlike waitFor,
// it may be used off the test's goroutine.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func uniq(m *cMessageHandle) string {
	var s string
	withCString(message.PropertyUniqClientMessageIDKeyIndex, func(k *cchar) { s = str(GetOriginMessageProperty(m, k)) })
	return s
}

func TestProducerLifecycleAndWrongStates(t *testing.T) {
	t.Setenv("NAMESRV_ADDR", "")
	before := liveHandles()
	if p := CreateProducer(nil); p != nil {
		t.Error("CreateProducer(NULL) should give NULL")
	}
	p := newProducer(t, "G_lifecycle", "")
	msg := newMsg(t, "T_lifecycle", "body", "")
	res := testNewResult()
	defer testFreeResult(res)

	if v := str(ShowProducerVersion(p)); !strings.HasPrefix(v, "GO CORE VERSION: ") || !strings.Contains(v, "BUILD TIME: ") {
		t.Errorf("version %q", v)
	}
	if v := str(ShowProducerVersion(nil)); v != "DefaultVersion" {
		t.Errorf("version of NULL %q", v)
	}
	expectRC(t, "send before start", 11, "SendMessageSync", "not started", func() status { return SendMessageSync(p, msg, res) })
	expectRC(t, "start without name server", 10, "StartProducer", "no name server", func() status { return StartProducer(p) })
	withCString("not-an-address", func(s *cchar) {
		expectRC(t, "bad address", 10, "SetProducerNameServerAddress", "host:port", func() status { return SetProducerNameServerAddress(p, s) })
	})
	withCString("http://127.0.0.1:1;127.0.0.1:2", func(s *cchar) {
		expectRC(t, "address list", 0, "", "", func() status { return SetProducerNameServerAddress(p, s) })
	})
	expectRC(t, "shutdown before start", 0, "", "", func() status { return ShutdownProducer(p) })
	expectRC(t, "start", 0, "", "", func() status { return StartProducer(p) })
	expectRC(t, "start twice", 0, "", "", func() status { return StartProducer(p) })
	expectRC(t, "setter after start", 10, "SetProducerSendMsgTimeout", "before it", func() status { return SetProducerSendMsgTimeout(p, 100) })
	expectRC(t, "log level after start", 0, "", "", func() status { return SetProducerLogLevel(p, logLevelInfo) })
	expectRC(t, "shutdown", 0, "", "", func() status { return ShutdownProducer(p) })
	expectRC(t, "shutdown twice", 10, "ShutdownProducer", "already shut down", func() status { return ShutdownProducer(p) })
	expectRC(t, "send after shutdown", 11, "SendMessageSync", "shut down", func() status { return SendMessageSync(p, msg, res) })
	expectRC(t, "start after shutdown", 10, "StartProducer", "create a new one", func() status { return StartProducer(p) })
	expectRC(t, "destroy", 0, "", "", func() status { return DestroyProducer(p) })
	expectRC(t, "destroy twice", 1, "DestroyProducer", "destroyed", func() status { return DestroyProducer(p) })
	expectRC(t, "send after destroy", 1, "SendMessageSync", "destroyed", func() status { return SendMessageSync(p, msg, res) })
	expectRC(t, "setter after destroy", 1, "SetProducerGroupName", "destroyed", func() status {
		var rc status
		withCString("g", func(s *cchar) { rc = SetProducerGroupName(p, s) })
		return rc
	})
	if v := str(ShowProducerVersion(p)); v != "DefaultVersion" {
		t.Errorf("version after destroy %q", v)
	}
	// A message handle is not a producer.
	expectRC(t, "message as producer", 1, "StartProducer", "not a producer", func() status {
		return StartProducer((*cProducerHandle)(unsafe.Pointer(msg)))
	})
	DestroyMessage(msg)
	if n := liveHandles() - before; n != 0 {
		t.Errorf("%d handles leaked", n)
	}
}

// logLevelInfo is E_LOG_LEVEL_INFO for tests, which cannot name C.
const logLevelInfo = 4

func TestProducerSettingsValidation(t *testing.T) {
	p := newProducer(t, "G_settings", "")
	cases := []struct {
		name string
		rc   status
		text string
		f    func() status
	}{
		{"SetProducerSendMsgTimeout", 10, "positive", func() status { return SetProducerSendMsgTimeout(p, 0) }},
		{"SetProducerCompressLevel", 10, "zlib level", func() status { return SetProducerCompressLevel(p, 10) }},
		{"SetProducerMaxMessageSize", 10, "positive", func() status { return SetProducerMaxMessageSize(p, -1) }},
		{"SetProducerNameServerAddress", 1, "namesrv is NULL", func() status { return SetProducerNameServerAddress(p, nil) }},
		{"SetProducerNameServerDomain", 1, "domain is NULL", func() status { return SetProducerNameServerDomain(p, nil) }},
		{"SetProducerGroupName", 1, "groupName is NULL", func() status { return SetProducerGroupName(p, nil) }},
		{"SetProducerInstanceName", 1, "instanceName is NULL", func() status { return SetProducerInstanceName(p, nil) }},
		{"SetProducerSessionCredentials", 1, "accessKey is NULL", func() status { return SetProducerSessionCredentials(p, nil, nil, nil) }},
		{"SetProducerLogPath", 1, "logPath is NULL", func() status { return SetProducerLogPath(p, nil) }},
		{"SetProducerSslPropertyFile", 1, "sslPropertyFile is NULL", func() status { return SetProducerSslPropertyFile(p, nil) }},
		{"SetProducerMessageTrace", 1, "producer is NULL", func() status { return SetProducerMessageTrace(nil, 0) }},
		{"SetProducerCompressMsgBodyOverHowmuch", 0, "", func() status { return SetProducerCompressMsgBodyOverHowmuch(p, 0) }},
		{"SetProducerSsl", 0, "", func() status { return SetProducerSsl(p, 0) }},
		{"SetProducerCompressLevel", 0, "", func() status { return SetProducerCompressLevel(p, -1) }},
	}
	for _, c := range cases {
		expectRC(t, c.name, c.rc, c.name, c.text, c.f)
	}
	withCString("http://", func(s *cchar) {
		expectRC(t, "bad domain", 10, "SetProducerNameServerDomain", "", func() status { return SetProducerNameServerDomain(p, s) })
	})
}

func TestProducerLogSettingsAreProcessWide(t *testing.T) {
	p := newProducer(t, "G_log", "")
	defer log.SetLevel(log.GetLevel())
	if rc := SetProducerLogLevel(p, 6); rc != 0 || log.GetLevel() != log.LevelTrace {
		t.Errorf("SetProducerLogLevel: rc %d, level %d", rc, log.GetLevel())
	}
	dir := t.TempDir()
	defer log.SetPath(testLogDir)
	withCString(dir, func(s *cchar) {
		if rc := SetProducerLogPath(p, s); rc != 0 {
			t.Errorf("SetProducerLogPath = %d", rc)
		}
	})
	if got := log.FilePath(); !strings.HasPrefix(got, dir) {
		t.Errorf("log file %s, want one in %s", got, dir)
	}
	if rc := SetProducerLogFileNumAndSize(p, 3, 10); rc != 0 {
		t.Errorf("SetProducerLogFileNumAndSize = %d", rc)
	}
	defer log.SetFileNumAndSize(log.DefaultFileNum, log.DefaultFileSizeMB)
}

func TestProducerSendSyncOnewayAndBatch(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_sync", b.NameServerAddr())
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)

	msg := newMsg(t, "T_sync", "hello", "k1")
	withCString("TagA", func(s *cchar) { SetMessageTags(msg, s) })
	var ids []string
	for i := range 3 {
		rc, e := onThread(func() status { return SendMessageSync(p, msg, res) })
		if rc != 0 {
			t.Fatalf("SendMessageSync %d = %d: %s", i, rc, e)
		}
		st, id, off, clean := testResultFields(res)
		if st != 0 || len(id) != 32 || !clean || off < 0 {
			t.Errorf("result: status %d, msgId %q (clean %v), offset %d", st, id, clean, off)
		}
		// As in C++, the id is written back to the message, and each send
		// gets a new one.
		if got := uniq(msg); got != id {
			t.Errorf("message UNIQ_KEY %q, result %q", got, id)
		}
		ids = append(ids, id)
		stored := queryOne(t, b, "T_sync", id)
		if string(stored.Body) != "hello" || stored.Tags() != "TagA" || stored.UniqKey() != id {
			t.Errorf("stored %q tags %q id %q", stored.Body, stored.Tags(), stored.UniqKey())
		}
	}
	if ids[0] == ids[1] || ids[1] == ids[2] {
		t.Errorf("a reused message kept its id: %v", ids)
	}

	one := newMsg(t, "T_oneway", "one way", "oneway-key")
	if rc, e := onThread(func() status { return SendMessageOneway(p, one) }); rc != 0 {
		t.Fatalf("SendMessageOneway = %d: %s", rc, e)
	}
	queryOne(t, b, "T_oneway", "oneway-key")

	batch := CreateBatchMessage()
	defer DestroyBatchMessage(batch)
	for i := range 3 {
		m := newMsg(t, "T_batch", fmt.Sprintf("b%d", i), fmt.Sprintf("batch-%d", i))
		AddMessage(batch, m)
	}
	if rc, e := onThread(func() status { return SendBatchMessage(p, batch, res) }); rc != 0 {
		t.Fatalf("SendBatchMessage = %d: %s", rc, e)
	}
	if st, id, off, clean := testResultFields(res); st != 0 || id != "" || !clean || off != 0 {
		t.Errorf("batch result: status %d, msgId %q, offset %d", st, id, off)
	}
	for i := range 3 {
		m := queryOne(t, b, "T_batch", fmt.Sprintf("batch-%d", i))
		if string(m.Body) != fmt.Sprintf("b%d", i) || m.QueueOffset != int64(i) || m.UniqKey() == "" {
			t.Errorf("batch message %d: body %q offset %d id %q", i, m.Body, m.QueueOffset, m.UniqKey())
		}
	}
}

func TestProducerSendErrors(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_errors", b.NameServerAddr())
	if rc := SetProducerMaxMessageSize(p, 1024); rc != 0 {
		t.Fatal(rc)
	}
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)
	big := newTestMessage(t, "T_errors")
	withCString(strings.Repeat("x", 1025), func(s *cchar) { SetMessageBody(big, s) })
	expectRC(t, "oversized body", 11, "SendMessageSync", "over the max", func() status { return SendMessageSync(p, big, res) })
	empty := newMsg(t, "", "body", "")
	expectRC(t, "empty topic", 12, "SendMessageOneway", "blank", func() status { return SendMessageOneway(p, empty) })
	bad := newMsg(t, "bad topic!", "body", "")
	expectRC(t, "illegal topic", 13, "SendMessageOrderlyByShardingKey", "illegal characters", func() status {
		var rc status
		withCString("k", func(k *cchar) { rc = SendMessageOrderlyByShardingKey(p, bad, k, res) })
		return rc
	})
	noBody := newTestMessage(t, "T_errors")
	expectRC(t, "no body", 14, "SendMessageAsync", "body is empty", func() status { return SendMessageAsync(p, noBody, testOK, testFail) })
	expectRC(t, "NULL callback", 1, "SendMessageAsync", "success callback is NULL", func() status { return SendMessageAsync(p, big, nil, testFail) })
	expectRC(t, "NULL arg", 1, "SendMessageOrderly", "arg is NULL", func() status {
		return sendMessageOrderly(p, big, testSelector, 0, 0, res)
	})
	expectRC(t, "NULL selector", 1, "SendMessageOnewayOrderly", "selector is NULL", func() status {
		return sendMessageOnewayOrderly(p, big, nil, 0)
	})
	expectRC(t, "NULL result", 1, "SendMessageSync", "result is NULL", func() status { return SendMessageSync(p, big, nil) })
	expectRC(t, "transaction on a normal producer", 16, "SendMessageTransaction", "CreateTransactionProducer", func() status {
		return sendMessageTransaction(p, big, testExecutor, 0, res)
	})
	// A received message belongs to the library and cannot be sent as is.
	ext := newMessageExtHandle(&message.MessageExt{Message: message.Message{Topic: "T"}})
	defer releaseMessageExtHandle(ext)
	expectRC(t, "CMessageExt as msg", 1, "SendMessageSync", "received message", func() status {
		return SendMessageSync(p, testAsMessage(ext), res)
	})
}

func TestProducerOrderly(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_orderly", b.NameServerAddr())
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)
	msg := newMsg(t, "T_orderly", "ordered", "")

	// The selector's answer is taken modulo the queue count (4), negative
	// ones too.
	for _, c := range []struct {
		answer int
		queue  int32
	}{{1, 1}, {6, 2}, {-1, 3}} {
		testReset()
		rc, e := onThread(func() status {
			testSetCaller()
			return sendMessageOrderly(p, msg, testSelector, uintptr(c.answer), 2, res)
		})
		if rc != 0 {
			t.Fatalf("SendMessageOrderly = %d: %s", rc, e)
		}
		r := testSnapshot()
		if r.selectorCalls != 1 || r.selectorSize != 4 || r.selectorOnCaller != 1 || r.selectorMsg != unsafe.Pointer(msg) {
			t.Errorf("selector: %d calls, size %d, on caller %d, msg %p (want %p)", r.selectorCalls, r.selectorSize, r.selectorOnCaller, r.selectorMsg, msg)
		}
		_, id, _, _ := testResultFields(res)
		if m := queryOne(t, b, "T_orderly", id); m.QueueID != c.queue {
			t.Errorf("selector answered %d: stored in queue %d, want %d", c.answer, m.QueueID, c.queue)
		}
	}

	testReset()
	if rc, e := onThread(func() status {
		testSetCaller()
		return sendMessageOnewayOrderly(p, msg, testSelector, 2)
	}); rc != 0 {
		t.Fatalf("SendMessageOnewayOrderly = %d: %s", rc, e)
	}
	if r := testSnapshot(); r.selectorOnCaller != 1 {
		t.Errorf("oneway selector on caller: %d", r.selectorOnCaller)
	}
	if m := queryOne(t, b, "T_orderly", uniq(msg)); m.QueueID != 2 {
		t.Errorf("oneway orderly in queue %d", m.QueueID)
	}

	var queue int32 = -1
	for i := range 3 {
		withCString("order-42", func(k *cchar) {
			if rc, e := onThread(func() status { return SendMessageOrderlyByShardingKey(p, msg, k, res) }); rc != 0 {
				t.Fatalf("SendMessageOrderlyByShardingKey = %d: %s", rc, e)
			}
		})
		_, id, _, _ := testResultFields(res)
		m := queryOne(t, b, "T_orderly", id)
		if m.Properties["__SHARDINGKEY"] != "order-42" {
			t.Errorf("__SHARDINGKEY %q", m.Properties["__SHARDINGKEY"])
		}
		if i > 0 && m.QueueID != queue {
			t.Errorf("sharding key moved from queue %d to %d", queue, m.QueueID)
		}
		queue = m.QueueID
	}
}

func TestProducerAsync(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_async", b.NameServerAddr())
	mustStart(t, p)

	// The sending thread stays locked and busy until every callback ran, as
	// a C thread is Go's only during calls: otherwise Go could run a
	// callback on it afterwards, which says nothing.
	testReset()
	const n = 20
	msgs := make([]*cMessageHandle, n)
	for i := range msgs {
		msgs[i] = newMsg(t, "T_async", fmt.Sprintf("async %d", i), "")
	}
	rc, e := onThread(func() status {
		testSetCaller()
		for _, msg := range msgs {
			if rc := SendMessageAsync(p, msg, testOK, testFail); rc != 0 {
				return rc
			}
			DestroyMessage(msg) // the send copied it
		}
		eventually(func() bool { return testSnapshot().finished == n })
		return 0
	})
	if rc != 0 {
		t.Fatalf("SendMessageAsync = %d: %s", rc, e)
	}
	r := testSnapshot()
	if r.ok != n || r.fail != 0 || r.onCallerThread != 0 || len(r.msgID) != 32 {
		t.Errorf("ok %d fail %d on caller %d msgId %q", r.ok, r.fail, r.onCallerThread, r.msgID)
	}

	// SendAsync hands back the caller's message and data.
	testReset()
	msg := newMsg(t, "T_async", "with data", "")
	if rc, e := onThread(func() status { return sendAsyncWithData(p, msg, testOnOK, testOnFail, 0x5eed) }); rc != 0 {
		t.Fatalf("SendAsync = %d: %s", rc, e)
	}
	waitFor(t, "SendAsync callback", func() bool { return testSnapshot().finished == 1 })
	r = testSnapshot()
	if r.ok != 1 || r.msg != unsafe.Pointer(msg) || r.data != 0x5eed || r.msgID != uniq(msg) {
		t.Errorf("SendAsync: ok %d msg %p (want %p) data %#x id %q (message's %q)", r.ok, r.msg, msg, r.data, r.msgID, uniq(msg))
	}
	queryOne(t, b, "T_async", r.msgID)

	// Orderly async: the selector runs on the caller's thread, the result
	// callback elsewhere.
	testReset()
	if rc, e := onThread(func() status {
		testSetCaller()
		rc := sendMessageOrderlyAsync(p, msg, testSelector, 3, testOK, testFail)
		if rc == 0 {
			eventually(func() bool { return testSnapshot().finished == 1 })
		}
		return rc
	}); rc != 0 {
		t.Fatalf("SendMessageOrderlyAsync = %d: %s", rc, e)
	}
	r = testSnapshot()
	if r.ok != 1 || r.selectorOnCaller != 1 || r.onCallerThread != 0 {
		t.Errorf("orderly async: ok %d selector on caller %d callback on caller %d", r.ok, r.selectorOnCaller, r.onCallerThread)
	}
	if m := queryOne(t, b, "T_async", r.msgID); m.QueueID != 3 {
		t.Errorf("orderly async stored in queue %d", m.QueueID)
	}
}

func TestProducerAsyncException(t *testing.T) {
	// Nothing listens there: the route lookup fails after the send was
	// accepted, so the exception callback reports it.
	p := newProducer(t, "G_async_fail", "127.0.0.1:1")
	if rc := SetProducerSendMsgTimeout(p, 500); rc != 0 {
		t.Fatal(rc)
	}
	mustStart(t, p)
	testReset()
	msg := newMsg(t, "T_async_fail", "x", "")
	if rc, e := onThread(func() status { return sendAsyncWithData(p, msg, testOnOK, testOnFail, 7) }); rc != 0 {
		t.Fatalf("SendAsync = %d: %s", rc, e)
	}
	waitFor(t, "exception callback", func() bool { return testSnapshot().finished == 1 })
	r := testSnapshot()
	if r.fail != 1 || r.ok != 0 || r.msg != unsafe.Pointer(msg) || r.data != 7 {
		t.Fatalf("fail %d ok %d msg %p data %d", r.fail, r.ok, r.msg, r.data)
	}
	if r.excError != -1 || r.excLine <= 0 || !strings.HasSuffix(r.excFile, "producer_async.go") ||
		!strings.HasPrefix(r.excMsg, "msg: SendAsync: ") || r.excType == "" {
		t.Errorf("exception: error %d line %d file %q msg %q type %q", r.excError, r.excLine, r.excFile, r.excMsg, r.excType)
	}
	// Every byte after each text's terminator is zero: no garbage reaches C.
	for _, f := range []struct {
		name      string
		at, size  int
		textBytes int
	}{{"file", 8, 256, len(r.excFile)}, {"msg", 264, 512, len(r.excMsg)}, {"type", 776, 128, len(r.excType)}} {
		if rest := r.excRaw[f.at+f.textBytes : f.at+f.size]; bytes.Count(rest, []byte{0}) != len(rest) {
			t.Errorf("%s: bytes after the text are not all zero", f.name)
		}
	}
}

func TestProducerCallbacksCannotShutDownTheirProducer(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_reentry", b.NameServerAddr())
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)
	msg := newMsg(t, "T_reentry", "x", "")

	testReset()
	testConfigure(p, 0, 0, 0)
	if rc, e := onThread(func() status { return SendMessageAsync(p, msg, testOK, testFail) }); rc != 0 {
		t.Fatalf("SendMessageAsync = %d: %s", rc, e)
	}
	waitFor(t, "callback", func() bool { return testSnapshot().finished == 1 })
	if r := testSnapshot(); r.destroyRC != 1 || r.shutdownRC != 10 {
		t.Errorf("from the async callback: DestroyProducer %d, ShutdownProducer %d", r.destroyRC, r.shutdownRC)
	}
	testReset()
	testConfigure(p, 0, 0, 0)
	if rc, e := onThread(func() status { return sendMessageOrderly(p, msg, testSelector, 4, 0, res) }); rc != 0 {
		t.Fatalf("SendMessageOrderly = %d: %s", rc, e)
	}
	if r := testSnapshot(); r.destroyRC != 1 || r.shutdownRC != 10 {
		t.Errorf("from the selector: DestroyProducer %d, ShutdownProducer %d", r.destroyRC, r.shutdownRC)
	}
	testConfigure(nil, 0, 0, 0)
	// The producer survived both attempts.
	if rc, e := onThread(func() status { return SendMessageSync(p, msg, res) }); rc != 0 {
		t.Fatalf("SendMessageSync after the attempts = %d: %s", rc, e)
	}
}

func TestProducerShutdownWaitsForCallbacks(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_wait", b.NameServerAddr())
	mustStart(t, p)
	testReset()
	testConfigure(nil, 300, 0, 0)
	defer testConfigure(nil, 0, 0, 0)
	const n = 6
	for range n {
		msg := newMsg(t, "T_wait", "x", "")
		if rc, e := onThread(func() status { return SendMessageAsync(p, msg, testOK, testFail) }); rc != 0 {
			t.Fatalf("SendMessageAsync = %d: %s", rc, e)
		}
	}
	if rc, e := onThread(func() status { return ShutdownProducer(p) }); rc != 0 {
		t.Fatalf("ShutdownProducer = %d: %s", rc, e)
	}
	if r := testSnapshot(); r.finished != n {
		t.Errorf("ShutdownProducer returned with %d of %d callbacks finished", r.finished, n)
	}
}

func TestProducerTransactions(t *testing.T) {
	b := startBroker(t, devbroker.Config{TransactionTimeout: time.Second, TransactionCheckInterval: time.Second})
	var p *cProducerHandle
	withCString("G_tx", func(g *cchar) { p = createTransactionProducer(g, testChecker, 0xc0ffee) })
	if p == nil {
		t.Fatal("CreateTransactionProducer returned NULL")
	}
	defer DestroyProducer(p)
	withCString(b.NameServerAddr(), func(s *cchar) { SetProducerNameServerAddress(p, s) })
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)

	send := func(topic string, answer int) string {
		t.Helper()
		msg := newMsg(t, topic, "tx body", "")
		testReset()
		testConfigure(nil, 0, answer, 0)
		rc, e := onThread(func() status {
			testSetCaller()
			return sendMessageTransaction(p, msg, testExecutor, 0, res)
		})
		if rc != 0 {
			t.Fatalf("SendMessageTransaction = %d: %s", rc, e)
		}
		_, id, _, _ := testResultFields(res)
		r := testSnapshot()
		if r.executorCalls != 1 || r.executorOnCaller != 1 || r.executorUniq != id || r.executorTopic != topic {
			t.Errorf("executor: %d calls, on caller %d, UNIQ_KEY %q (result %q), topic %q",
				r.executorCalls, r.executorOnCaller, r.executorUniq, id, r.executorTopic)
		}
		return id
	}
	commit := send("T_tx_commit", 0)
	queryOne(t, b, "T_tx_commit", commit)
	rollback := send("T_tx_rollback", 1)

	unknown := send("T_tx_unknown", 2)
	testConfigure(nil, 0, 0, 0) // the checker commits
	waitFor(t, "the broker's check", func() bool { return testSnapshot().checkerCalls > 0 })
	r := testSnapshot()
	if r.checkerID != unknown || r.checkerTopic != "T_tx_unknown" || r.checkerProducer != unsafe.Pointer(p) || r.checkerData != 0xc0ffee {
		t.Errorf("checker got id %q topic %q producer %p data %#x", r.checkerID, r.checkerTopic, r.checkerProducer, r.checkerData)
	}
	queryOne(t, b, "T_tx_unknown", unknown)
	if msgs := query(t, b, "T_tx_rollback", rollback); len(msgs) != 0 {
		t.Errorf("a rolled back message was delivered")
	}

	msg := newMsg(t, "T_tx_commit", "x", "")
	expectRC(t, "plain send on a transaction producer", 11, "SendMessageSync", "only with SendMessageTransaction", func() status {
		return SendMessageSync(p, msg, res)
	})
	expectRC(t, "NULL executor", 1, "SendMessageTransaction", "callback is NULL", func() status {
		return sendMessageTransaction(p, msg, nil, 0, res)
	})
}

func TestProducerCompression(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	p := newProducer(t, "G_zip", b.NameServerAddr())
	SetProducerCompressMsgBodyOverHowmuch(p, 100)
	mustStart(t, p)
	res := testNewResult()
	defer testFreeResult(res)
	body := strings.Repeat("compress me ", 20)
	msg := newMsg(t, "T_zip", body, "")
	if rc, e := onThread(func() status { return SendMessageSync(p, msg, res) }); rc != 0 {
		t.Fatalf("SendMessageSync = %d: %s", rc, e)
	}
	m := queryOne(t, b, "T_zip", uniq(msg))
	if m.SysFlag&message.SysFlagCompressed == 0 || string(m.Body) != body {
		t.Errorf("sysFlag %#x body %q", m.SysFlag, m.Body)
	}
	// The caller's body is left as it was (upstream compresses it in place).
	if got := str(GetOriginMessageBody(msg)); got != body {
		t.Errorf("caller's body changed to %q", got)
	}
}

func TestProducerACL(t *testing.T) {
	b := startBroker(t, devbroker.Config{ACL: &devbroker.ACLConfig{Accounts: []devbroker.ACLAccount{
		{AccessKey: "RocketMQ", SecretKey: "12345678", Admin: true},
	}}})
	res := testNewResult()
	defer testFreeResult(res)

	signed := newProducer(t, "G_acl", b.NameServerAddr())
	withCString("RocketMQ", func(ak *cchar) {
		withCString("12345678", func(sk *cchar) {
			withCString("", func(ch *cchar) { SetProducerSessionCredentials(signed, ak, sk, ch) })
		})
	})
	mustStart(t, signed)
	msg := newMsg(t, "T_acl", "signed", "")
	if rc, e := onThread(func() status { return SendMessageSync(signed, msg, res) }); rc != 0 {
		t.Fatalf("signed send = %d: %s", rc, e)
	}

	unsigned := newProducer(t, "G_acl_none", b.NameServerAddr())
	SetProducerSendMsgTimeout(unsigned, 1000)
	mustStart(t, unsigned)
	expectRC(t, "unsigned send", 11, "SendMessageSync", "", func() status { return SendMessageSync(unsigned, msg, res) })
}

func TestProducerTLS(t *testing.T) {
	b := startBroker(t, devbroker.Config{TLS: &devbroker.TLSConfig{Mode: devbroker.TLSEnforcing}})
	props := filepath.Join(t.TempDir(), "tls.properties")
	if err := os.WriteFile(props, []byte("tls.client.authServer=false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := testNewResult()
	defer testFreeResult(res)
	p := newProducer(t, "G_tls", b.NameServerAddr())
	SetProducerSsl(p, 1)
	withCString(props, func(s *cchar) { SetProducerSslPropertyFile(p, s) })
	mustStart(t, p)
	msg := newMsg(t, "T_tls", "secret", "")
	if rc, e := onThread(func() status { return SendMessageSync(p, msg, res) }); rc != 0 {
		t.Fatalf("send over TLS = %d: %s", rc, e)
	}

	missing := newProducer(t, "G_tls_missing", b.NameServerAddr())
	SetProducerSsl(missing, 1)
	withCString(filepath.Join(t.TempDir(), "absent.properties"), func(s *cchar) { SetProducerSslPropertyFile(missing, s) })
	expectRC(t, "missing TLS file", 10, "StartProducer", "SSL", func() status { return StartProducer(missing) })
}

func TestProducerNameServerDomainAndEnv(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, b.NameServerAddr())
	}))
	defer srv.Close()
	res := testNewResult()
	defer testFreeResult(res)

	t.Setenv("NAMESRV_ADDR", "")
	p := newProducer(t, "G_domain", "")
	withCString(srv.URL+"/rocketmq/nsaddr", func(s *cchar) {
		if rc := SetProducerNameServerDomain(p, s); rc != 0 {
			t.Fatal(rc)
		}
	})
	mustStart(t, p)
	msg := newMsg(t, "T_domain", "found", "")
	if rc, e := onThread(func() status { return SendMessageSync(p, msg, res) }); rc != 0 {
		t.Fatalf("send through the domain's name server = %d: %s", rc, e)
	}

	// NAMESRV_ADDR is read when the producer is created.
	t.Setenv("NAMESRV_ADDR", b.NameServerAddr())
	q := newProducer(t, "G_env", "")
	os.Setenv("NAMESRV_ADDR", "")
	mustStart(t, q)
	if rc, e := onThread(func() status { return SendMessageSync(q, msg, res) }); rc != 0 {
		t.Fatalf("send through NAMESRV_ADDR = %d: %s", rc, e)
	}
}

func TestProducerDestroyLeavesNoGoroutines(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	res := testNewResult()
	defer testFreeResult(res)
	before := runtime.NumGoroutine()
	var p *cProducerHandle
	withCString("G_leak", func(g *cchar) { p = CreateProducer(g) })
	withCString(b.NameServerAddr(), func(s *cchar) { SetProducerNameServerAddress(p, s) })
	mustStart(t, p)
	msg := newMsg(t, "T_leak", "x", "")
	testReset()
	if rc, e := onThread(func() status { return SendMessageSync(p, msg, res) }); rc != 0 {
		t.Fatalf("SendMessageSync = %d: %s", rc, e)
	}
	if rc, e := onThread(func() status { return SendMessageAsync(p, msg, testOK, testFail) }); rc != 0 {
		t.Fatalf("SendMessageAsync = %d: %s", rc, e)
	}
	if rc := DestroyProducer(p); rc != 0 {
		t.Fatalf("DestroyProducer = %d", rc)
	}
	if testSnapshot().finished != 1 {
		t.Error("DestroyProducer returned before the async callback ran")
	}
	if !eventually(func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after DestroyProducer:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
}

func TestRouteSnapshotDirFromEnvironment(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	if err := b.CreateTopic("Snap", 2); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("ROCKETMQ_ROUTE_SNAPSHOT_DIR", dir)
	p := newProducer(t, "snapshot-env", b.NameServerAddr())
	mustStart(t, p)
	msg := newMsg(t, "Snap", "body", "")
	res := testNewResult()
	defer testFreeResult(res)
	expectRC(t, "send", 0, "", "", func() status { return SendMessageSync(p, msg, res) })
	expectRC(t, "shutdown", 0, "", "", func() status { return ShutdownProducer(p) })
	if _, err := os.Stat(filepath.Join(dir, "Snap.route.json")); err != nil {
		t.Errorf("the route was not saved where ROCKETMQ_ROUTE_SNAPSHOT_DIR says: %v", err)
	}
}

// While one SendMessageSync is under way, others are queued and served off
// their threads (syncqueue.c): their results, statuses and last errors must
// still reach their own callers.
func TestQueuedSendMessageSync(t *testing.T) {
	b := startBroker(t, devbroker.Config{})
	held := make(chan struct{}, 16)
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		if req.Ext("b") != "T_held" {
			return nil, false
		}
		held <- struct{}{}
		return nil, true // never answered: the send stays under way until its timeout
	})
	slow := newProducer(t, "G_queued_slow", b.NameServerAddr())
	if rc := SetProducerSendMsgTimeout(slow, 3000); rc != 0 {
		t.Fatal(rc)
	}
	mustStart(t, slow)
	p := newProducer(t, "G_queued", b.NameServerAddr())
	mustStart(t, p)
	idle := newProducer(t, "G_queued_idle", b.NameServerAddr()) // never started

	first := make(chan status, 1)
	res0 := testNewResult()
	defer testFreeResult(res0)
	go func() {
		rc, _ := onThread(func() status { return SendMessageSync(slow, newMsg(t, "T_held", "first", ""), res0) })
		first <- rc
	}()
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatal("the first send did not reach the broker")
	}

	queuedBefore := queuedSends.Load()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := testNewResult()
			defer testFreeResult(res)
			body := fmt.Sprintf("queued-%d", i)
			rc, e := onThread(func() status { return SendMessageSync(p, newMsg(t, "T_queued", body, ""), res) })
			if st, id, _, _ := testResultFields(res); rc != 0 || st != 0 || len(id) != 32 {
				t.Errorf("%s: status %d, result %d %q, last error %q", body, rc, st, id, e)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		res := testNewResult()
		defer testFreeResult(res)
		rc, e := onThread(func() status { return SendMessageSync(idle, newMsg(t, "T_queued", "idle", ""), res) })
		if rc != 11 /* PRODUCER_SEND_SYNC_FAILED */ || !strings.HasPrefix(e, "msg: SendMessageSync: the producer is not started") {
			t.Errorf("send through a producer not started: status %d, last error %q", rc, e)
		}
	}()
	wg.Wait()
	if n := queuedSends.Load() - queuedBefore; n != 9 {
		t.Errorf("%d of the 9 sends made while another was under way were queued", n)
	}
	if rc := <-first; rc != 11 {
		t.Errorf("the unanswered send: status %d, want PRODUCER_SEND_SYNC_FAILED", rc)
	}
}
