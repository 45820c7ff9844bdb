package main

import (
	"bytes"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// str reads a getter's result: the string, or "<NULL>".
func str(p *cchar) string {
	s, ok := testGoString(p)
	if !ok {
		return "<NULL>"
	}
	return s
}

// withCString calls f with a temporary C copy of s.
func withCString(s string, f func(p *cchar)) {
	p := testCString(s)
	defer testFree(p)
	f(p)
}

// newTestMessage creates a CMessage through the exports, fails the test on
// error, and destroys it at the end of the test.
func newTestMessage(t *testing.T, topic string) *cMessageHandle {
	t.Helper()
	var h *cMessageHandle
	withCString(topic, func(p *cchar) { h = CreateMessage(p) })
	if h == nil {
		t.Fatal("CreateMessage returned NULL")
	}
	t.Cleanup(func() { DestroyMessage(h) })
	return h
}

func set(t *testing.T, name string, f func(k, v *cchar) status, key, value string) {
	t.Helper()
	withCString(key, func(k *cchar) {
		withCString(value, func(v *cchar) {
			if rc := f(k, v); rc != 0 {
				t.Fatalf("%s(%q, %q) = %d", name, key, value, rc)
			}
		})
	})
}

func TestMessageRoundTrip(t *testing.T) {
	h := newTestMessage(t, "T1")
	if got := str(GetOriginMessageTopic(h)); got != "T1" {
		t.Errorf("topic %q", got)
	}
	withCString("WAIT", func(k *cchar) {
		if got := str(GetOriginMessageProperty(h, k)); got != "true" {
			t.Errorf("WAIT = %q, want \"true\" as the C++ constructor sets it", got)
		}
	})
	withCString("T2", func(p *cchar) { SetMessageTopic(h, p) })
	withCString("TagA", func(p *cchar) { SetMessageTags(h, p) })
	withCString("k1 k2", func(p *cchar) { SetMessageKeys(h, p) })
	withCString("body", func(p *cchar) { SetMessageBody(h, p) })
	set(t, "SetMessageProperty", func(k, v *cchar) status { return SetMessageProperty(h, k, v) }, "color", "blue")
	SetDelayTimeLevel(h, 4)

	m, _ := lookup[*cMessage](unsafe.Pointer(h))
	want := map[string]string{"WAIT": "true", "TAGS": "TagA", "KEYS": "k1 k2", "color": "blue", "DELAY": "4"}
	msg, sysFlag := m.Clone()
	if msg.Topic != "T2" || string(msg.Body) != "body" || sysFlag != 0 {
		t.Errorf("clone: topic %q body %q sysFlag %#x", msg.Topic, msg.Body, sysFlag)
	}
	for k, v := range want {
		if msg.Properties[k] != v {
			t.Errorf("property %s = %q, want %q", k, msg.Properties[k], v)
		}
	}
	if len(msg.Properties) != len(want) {
		t.Errorf("properties %v, want %v", msg.Properties, want)
	}

	if got := str(GetOriginMessageTags(h)); got != "TagA" {
		t.Errorf("tags %q", got)
	}
	if got := str(GetOriginMessageKeys(h)); got != "k1 k2" {
		t.Errorf("keys %q", got)
	}
	if got := str(GetOriginMessageBody(h)); got != "body" {
		t.Errorf("body %q", got)
	}
	if got := GetOriginDelayTimeLevel(h); got != 4 {
		t.Errorf("delay %d", got)
	}
	if got := GetMessageDelayTimeLevel(testAsExt(h)); got != 4 {
		t.Errorf("GetMessageDelayTimeLevel on a CMessage: %d", got)
	}
}

func TestTransactionPreparedFlag(t *testing.T) {
	h := newTestMessage(t, "T")
	m, _ := lookup[*cMessage](unsafe.Pointer(h))
	for _, tc := range []struct {
		value    string
		prepared bool
	}{
		{"true", true}, {"false", false}, {"true", true}, {"TRUE", false}, {"true", true}, {"", false},
	} {
		set(t, "SetMessageProperty", func(k, v *cchar) status { return SetMessageProperty(h, k, v) }, "TRAN_MSG", tc.value)
		_, sysFlag := m.Clone()
		if got := sysFlag&message.SysFlagTransactionPrepared != 0; got != tc.prepared {
			t.Errorf("TRAN_MSG=%q: prepared %v, want %v", tc.value, got, tc.prepared)
		}
	}
}

func TestBinaryBody(t *testing.T) {
	h := newTestMessage(t, "T")
	body := []byte{0, 'a', 0, 0, 'b', 0xff, 0}
	p := testCBytes(body)
	defer testFree(p)
	if rc := SetByteMessageBody(h, p, 7); rc != 0 {
		t.Fatalf("SetByteMessageBody = %d", rc)
	}
	for _, get := range []struct {
		name string
		body *cchar
		n    int
	}{
		{"GetOriginMessageBody", GetOriginMessageBody(h), int(GetOriginMessageBodyLength(h))},
		{"GetMessageBody", GetMessageBody(testAsExt(h)), int(GetMessageBodyLength(testAsExt(h)))},
	} {
		if get.n != len(body) {
			t.Errorf("%s: length %d, want %d", get.name, get.n, len(body))
		}
		if got := testGoBytes(get.body, len(body)+1); !bytes.Equal(got, append(body, 0)) {
			t.Errorf("%s: % x, want the body and a NUL", get.name, got)
		}
	}
}

func TestGetterStringsAreCachedAndInvalidatedPerField(t *testing.T) {
	h := newTestMessage(t, "T")
	withCString("tag", func(p *cchar) { SetMessageTags(h, p) })
	withCString("body", func(p *cchar) { SetMessageBody(h, p) })
	m, _ := lookup[*cMessage](unsafe.Pointer(h))

	tags := GetOriginMessageTags(h)
	GetOriginMessageBody(h)
	if GetOriginMessageTags(h) != tags || GetMessageTags(testAsExt(h)) != tags {
		t.Error("tags getters returned a new copy for an unchanged field")
	}
	withCString("other", func(p *cchar) { SetMessageKeys(h, p) })
	if GetOriginMessageTags(h) != tags || str(tags) != "tag" {
		t.Error("changing keys replaced the tags copy")
	}
	withCString("new body", func(p *cchar) { SetMessageBody(h, p) })
	if m.strs.slots[slotBody] != nil {
		t.Error("the old body copy was not dropped when the body changed")
	}
	if got := str(GetOriginMessageBody(h)); got != "new body" {
		t.Errorf("body %q", got)
	}
	// Absent values share one static "" and cache nothing.
	before := len(m.strs.props)
	withCString("absent", func(k *cchar) {
		if p := GetOriginMessageProperty(h, k); p != emptyCString {
			t.Error("absent property is not the shared empty string")
		}
	})
	if len(m.strs.props) != before {
		t.Error("an absent property was cached")
	}
}

func TestNullAndInvalidArguments(t *testing.T) {
	onOwnThread(func() {
		h := newTestMessage(t, "T")
		cases := []struct {
			fn   string
			call func() status
			want string
		}{
			{"DestroyMessage", func() status { return DestroyMessage(nil) }, "msg is NULL"},
			{"SetMessageTopic", func() status { return SetMessageTopic(h, nil) }, "topic is NULL"},
			{"SetMessageTags", func() status { return SetMessageTags(nil, nil) }, "msg is NULL"},
			{"SetMessageBody", func() status { return SetMessageBody(h, nil) }, "body is NULL"},
			{"SetByteMessageBody", func() status { return SetByteMessageBody(h, nil, 1) }, "body is NULL"},
			{"SetByteMessageBody", func() status { return SetByteMessageBody(h, nil, -1) }, "negative"},
			{"SetMessageProperty", func() status { return SetMessageProperty(h, nil, nil) }, "key is NULL"},
			{"SetDelayTimeLevel", func() status { return SetDelayTimeLevel(nil, 1) }, "msg is NULL"},
			{"AddMessage", func() status { return AddMessage(nil, h) }, "batchMsg is NULL"},
			{"DestroyBatchMessage", func() status { return DestroyBatchMessage(nil) }, "batchMsg is NULL"},
		}
		for _, tc := range cases {
			clearLastError()
			if rc := tc.call(); rc != 1 {
				t.Errorf("%s: rc %d, want NULL_POINTER", tc.fn, rc)
			}
			if got := lastError(); !strings.HasPrefix(got, "msg: "+tc.fn+": ") || !strings.Contains(got, tc.want) {
				t.Errorf("%s: last error %q, want it to name the function and say %q", tc.fn, got, tc.want)
			}
		}
		if GetOriginMessageTopic(nil) != nil || GetMessageId(nil) != nil || GetMessageStoreHost(nil) != nil {
			t.Error("string getter of NULL is not NULL")
		}
		if GetOriginMessageBodyLength(nil) != 0 || GetMessageBodyLength(nil) != 0 {
			t.Error("body length of NULL is not 0")
		}
		if GetOriginDelayTimeLevel(nil) != -1 {
			t.Error("GetOriginDelayTimeLevel(NULL) is not -1")
		}
		if GetMessageQueueId(nil) != 1 || GetMessageQueueOffset(nil) != 1 || GetMessageDelayTimeLevel(nil) != 1 {
			t.Error("numeric CMessageExt getter of NULL is not 1")
		}
		if GetOriginMessageProperty(h, nil) != nil || GetMessageProperty(testAsExt(h), nil) != nil {
			t.Error("property getter with a NULL key is not NULL")
		}
	})
}

// newTestExt is a received message with every field set.
func newTestExt() *message.MessageExt {
	x := &message.MessageExt{
		Message: message.Message{
			Topic: "TopicX",
			Body:  []byte("ext\x00body"),
			Properties: map[string]string{
				"TAGS": "TagX", "KEYS": "kx", "DELAY": "2", "user": "value",
				"UNIQ_KEY": "7F00000100002A9F0000000000000001",
			},
		},
		StoreSize:                 123,
		QueueID:                   3,
		QueueOffset:               42,
		CommitLogOffset:           1 << 33,
		BornTimestamp:             1700000000123,
		BornHost:                  netip.MustParseAddrPort("[::ffff:192.168.1.7]:50000"),
		StoreTimestamp:            1700000000456,
		StoreHost:                 netip.MustParseAddrPort("10.0.0.1:10911"),
		ReconsumeTimes:            5,
		PreparedTransactionOffset: 77,
	}
	x.MsgID = message.OffsetMsgID(x.StoreHost, x.CommitLogOffset)
	return x
}

func TestMessageExtGetters(t *testing.T) {
	x := newTestExt()
	p := newMessageExtHandle(x)
	defer releaseMessageExtHandle(p)
	h := testExt(p)

	strs := map[string]string{
		"topic":     str(GetMessageTopic(h)),
		"tags":      str(GetMessageTags(h)),
		"keys":      str(GetMessageKeys(h)),
		"id":        str(GetMessageId(h)),
		"storeHost": str(GetMessageStoreHost(h)),
		"bornHost":  str(GetMessageBornHost(h)),
	}
	want := map[string]string{
		"topic": "TopicX", "tags": "TagX", "keys": "kx", "id": "7F00000100002A9F0000000000000001",
		"storeHost": "10.0.0.1", "bornHost": "192.168.1.7",
	}
	for k, v := range want {
		if strs[k] != v {
			t.Errorf("%s = %q, want %q", k, strs[k], v)
		}
	}
	withCString("user", func(k *cchar) {
		if got := str(GetMessageProperty(h, k)); got != "value" {
			t.Errorf("property %q", got)
		}
	})
	if n := GetMessageBodyLength(h); n != 8 {
		t.Errorf("body length %d", n)
	}
	if got := testGoBytes(GetMessageBody(h), 9); string(got) != "ext\x00body\x00" {
		t.Errorf("body %q", got)
	}
	ints := []struct {
		name      string
		got, want int64
	}{
		{"delay", int64(GetMessageDelayTimeLevel(h)), 2},
		{"queue id", int64(GetMessageQueueId(h)), 3},
		{"reconsume", int64(GetMessageReconsumeTimes(h)), 5},
		{"store size", int64(GetMessageStoreSize(h)), 123},
		{"born", int64(GetMessageBornTimestamp(h)), 1700000000123},
		{"store", int64(GetMessageStoreTimestamp(h)), 1700000000456},
		{"queue offset", int64(GetMessageQueueOffset(h)), 42},
		{"commit log offset", int64(GetMessageCommitLogOffset(h)), 1 << 33},
		{"prepared offset", int64(GetMessagePreparedTransactionOffset(h)), 77},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	// The CMessage.h getters read a received message too, as a cast does in C++.
	m := testAsMessage(p)
	if str(GetOriginMessageTopic(m)) != "TopicX" || GetOriginMessageBodyLength(m) != 8 || GetOriginDelayTimeLevel(m) != 2 {
		t.Error("GetOrigin* getters on a CMessageExt")
	}
}

func TestMessageIdFallsBackToOffsetId(t *testing.T) {
	x := newTestExt()
	delete(x.Properties, "UNIQ_KEY")
	p := newMessageExtHandle(x)
	defer releaseMessageExtHandle(p)
	if got := str(GetMessageId(testExt(p))); got != x.MsgID || len(got) != 32 {
		t.Errorf("id %q, want the offset id %q", got, x.MsgID)
	}
	x2 := newTestExt()
	delete(x2.Properties, "UNIQ_KEY")
	x2.MsgID = "" // not from a decoder
	p2 := newMessageExtHandle(x2)
	defer releaseMessageExtHandle(p2)
	if got := str(GetMessageId(testExt(p2))); got != x.MsgID {
		t.Errorf("computed id %q, want %q", got, x.MsgID)
	}
}

func TestMessageExtIsReadOnly(t *testing.T) {
	onOwnThread(func() {
		p := newMessageExtHandle(newTestExt())
		defer releaseMessageExtHandle(p)
		m := testAsMessage(p)
		withCString("x", func(s *cchar) {
			if rc := SetMessageTopic(m, s); rc != 1 {
				t.Errorf("SetMessageTopic on a CMessageExt = %d", rc)
			}
		})
		if got := lastError(); !strings.Contains(got, "belongs to the library") {
			t.Errorf("last error %q", got)
		}
		if rc := DestroyMessage(m); rc != 1 {
			t.Errorf("DestroyMessage on a CMessageExt = %d", rc)
		}
		if got := str(GetMessageTopic(testExt(p))); got != "TopicX" {
			t.Errorf("after refused destroy, topic %q", got)
		}
	})
}

func TestMessageExtRelease(t *testing.T) {
	onOwnThread(func() {
		before := liveHandles()
		p := newMessageExtHandle(newTestExt())
		h := testExt(p)
		GetMessageTopic(h)
		GetMessageBody(h)
		obj, _ := lookup[*cMessageExt](p)
		if !releaseMessageExtHandle(p) {
			t.Fatal("release failed")
		}
		if releaseMessageExtHandle(p) {
			t.Error("second release succeeded")
		}
		if liveHandles() != before {
			t.Errorf("%d handles leaked", liveHandles()-before)
		}
		if obj.strs.slots[slotTopic] != nil || obj.strs.slots[slotBody] != nil || obj.ext != nil {
			t.Error("release kept C strings or the message")
		}
		if GetMessageTopic(h) != nil || GetMessageQueueOffset(h) != 1 || GetMessageBodyLength(h) != 0 {
			t.Error("getters on a released handle did not fail")
		}
		if got := lastError(); !strings.Contains(got, "GetMessageBodyLength") || !strings.Contains(got, "not valid") {
			t.Errorf("last error %q", got)
		}
	})
}

func TestNumericExtGettersOnAMessage(t *testing.T) {
	onOwnThread(func() {
		h := newTestMessage(t, "T")
		x := testAsExt(h)
		if GetMessageQueueId(x) != 1 || GetMessageStoreTimestamp(x) != 1 || GetMessageCommitLogOffset(x) != 1 {
			t.Error("a stored-only field of a CMessage is not 1")
		}
		if got := lastError(); !strings.Contains(got, "GetMessageCommitLogOffset") || !strings.Contains(got, "CMessage") {
			t.Errorf("last error %q", got)
		}
		if str(GetMessageId(x)) != "" || str(GetMessageStoreHost(x)) != "" || str(GetMessageBornHost(x)) != "" {
			t.Error("string fields a CMessage lacks are not \"\"")
		}
		set(t, "SetMessageProperty", func(k, v *cchar) status { return SetMessageProperty(h, k, v) }, "UNIQ_KEY", "ABC")
		if got := str(GetMessageId(x)); got != "ABC" {
			t.Errorf("id after UNIQ_KEY is set: %q", got)
		}
	})
}

func TestBatchCopiesMessages(t *testing.T) {
	b := CreateBatchMessage()
	defer DestroyBatchMessage(b)
	h := newTestMessage(t, "T")
	withCString("one", func(p *cchar) { SetMessageBody(h, p) })
	set(t, "SetMessageProperty", func(k, v *cchar) status { return SetMessageProperty(h, k, v) }, "TRAN_MSG", "true")
	if rc := AddMessage(b, h); rc != 0 {
		t.Fatalf("AddMessage = %d", rc)
	}
	withCString("two", func(p *cchar) { SetMessageBody(h, p) })
	set(t, "SetMessageProperty", func(k, v *cchar) status { return SetMessageProperty(h, k, v) }, "TRAN_MSG", "false")
	if rc := AddMessage(b, h); rc != 0 {
		t.Fatalf("AddMessage = %d", rc)
	}
	// A received message can be added too: its outgoing part is copied.
	p := newMessageExtHandle(newTestExt())
	defer releaseMessageExtHandle(p)
	if rc := AddMessage(b, testAsMessage(p)); rc != 0 {
		t.Fatalf("AddMessage of a CMessageExt = %d", rc)
	}
	withCString("three", func(p *cchar) { SetMessageBody(h, p) })

	batch, _ := lookup[*cBatch](unsafe.Pointer(b))
	msgs, flags := batch.Messages()
	if len(msgs) != 3 || string(msgs[0].Body) != "one" || string(msgs[1].Body) != "two" || msgs[2].Topic != "TopicX" {
		t.Fatalf("batch holds %d messages: %+v", len(msgs), msgs)
	}
	if flags[0] != message.SysFlagTransactionPrepared || flags[1] != 0 || flags[2] != 0 {
		t.Errorf("sysFlags %v", flags)
	}
	msgs[2].Properties["user"] = "changed"
	msgs[0].Body[0] = 'X'
	again, _ := batch.Messages()
	if again[2].Properties["user"] != "value" || string(again[0].Body) != "one" {
		t.Error("Messages() hands out the batch's own messages")
	}
	if rc := AddMessage(testAsBatch(h), h); rc != 1 {
		t.Errorf("AddMessage to a message handle = %d", rc)
	}
	if rc := SetMessageTopic(testBatchAsMessage(b), nil); rc != 1 {
		t.Errorf("SetMessageTopic on a batch = %d", rc)
	}
}

func TestDestroyWhileReading(t *testing.T) {
	// Getters racing with DestroyMessage and releases: each call either
	// answers from a live object or fails; -race checks the rest.
	for range 20 {
		h := CreateMessage(nil)
		withCString("tags", func(p *cchar) { SetMessageTags(h, p) })
		p := newMessageExtHandle(newTestExt())
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 200 {
					// The string itself may be freed by the time it could
					// be read: that is the caller's race, as in C++.
					GetOriginMessageTags(h)
					GetMessageBody(testExt(p))
					GetMessageQueueOffset(testExt(p))
				}
			}()
		}
		DestroyMessage(h)
		releaseMessageExtHandle(p)
		wg.Wait()
	}
}

func TestAtoi(t *testing.T) {
	for in, want := range map[string]int32{
		"": 0, "3": 3, " \t\n7x": 7, "-2": -2, "+5": 5, "x1": 0, "- 1": 0, "18": 18,
		"99999999999": 1<<31 - 1, "-99999999999": -1 << 31, "2147483647": 1<<31 - 1, "-2147483648": -1 << 31,
	} {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d, want %d", in, got, want)
		}
	}
}

// A pull lends up to 32 messages per callback round: after the first read
// of each field, the getters must not allocate.
func TestExtGettersDoNotAllocate(t *testing.T) {
	p := newMessageExtHandle(newTestExt())
	defer releaseMessageExtHandle(p)
	h := testExt(p)
	key := testCString("user")
	defer testFree(key)
	read := func() {
		GetMessageTopic(h)
		GetMessageTags(h)
		GetMessageBody(h)
		GetMessageBodyLength(h)
		GetMessageProperty(h, key)
		GetMessageId(h)
		GetMessageQueueId(h)
		GetMessageQueueOffset(h)
		GetMessageStoreTimestamp(h)
		GetMessageStoreHost(h)
	}
	read()
	if n := testing.AllocsPerRun(100, read); n != 0 {
		t.Errorf("%v allocations per round of cached getters, want 0", n)
	}
}

func BenchmarkMessageExtBatch32(b *testing.B) {
	msgs := make([]*message.MessageExt, 32)
	for i := range msgs {
		msgs[i] = newTestExt()
	}
	hs := make([]unsafe.Pointer, len(msgs))
	b.ReportAllocs()
	for b.Loop() {
		newMessageExtHandles(hs, msgs)
		for _, p := range hs {
			h := testExt(p)
			GetMessageBody(h)
			GetMessageQueueOffset(h)
		}
		releaseMessageExtHandles(hs)
	}
}

func TestCloneMessageArg(t *testing.T) {
	onOwnThread(func() {
		h := newTestMessage(t, "T")
		withCString("body", func(p *cchar) { SetMessageBody(h, p) })
		c := call{fn: "SendMessageSync"}
		m, _, ok := cloneMessageArg(c, h)
		if !ok || m.Topic != "T" || string(m.Body) != "body" {
			t.Fatalf("clone %+v, %v", m, ok)
		}
		m.Body[0] = 'X'
		m.SetProperty("UNIQ_KEY", "id")
		if str(GetOriginMessageBody(h)) != "body" || str(GetMessageId(testAsExt(h))) != "" {
			t.Error("the clone shares memory with the message")
		}
		p := newMessageExtHandle(newTestExt())
		defer releaseMessageExtHandle(p)
		if _, _, ok := cloneMessageArg(c, testAsMessage(p)); ok {
			t.Error("a CMessageExt was accepted as a message to send")
		}
		if got := lastError(); !strings.HasPrefix(got, "msg: SendMessageSync: msg ") {
			t.Errorf("last error %q", got)
		}
		if _, _, ok := cloneMessageArg(c, nil); ok {
			t.Error("NULL accepted")
		}
	})
}
