package acl

import (
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// The vector from the reference notes, checked with
// printf 'Hello RocketMQ Client ACL Feature' | openssl dgst -sha1 -hmac adiaushdiaushd -binary | base64
func TestHMACVector(t *testing.T) {
	const content, secret, want = "Hello RocketMQ Client ACL Feature", "adiaushdiaushd", "tAb/54Rwwcq+pbH8Loi7FWX4QSQ="

	// An empty access key contributes nothing, so the body alone is the content...
	req := &remoting.Command{Body: []byte(content)}
	Sign(req, Credentials{SecretKey: secret})
	assert.Equal(t, want, req.Ext(FieldSignature))

	// ...and the same bytes as a header value sign the same.
	req = &remoting.Command{}
	Sign(req, Credentials{AccessKey: content, SecretKey: secret})
	assert.Equal(t, want, req.Ext(FieldSignature))
}

func sendRequest() *remoting.Command {
	return remoting.NewRequest(310, map[string]string{"topic": "TopicTest", "producerGroup": "G", "queueId": "1"}, []byte("hi"))
}

// Expected values computed by hand: the values in Java TreeMap key order, uppercase keys
// before lowercase ones, then the body, e.g.
// printf 'rocketmq2G1TopicTesthi' | openssl dgst -sha1 -hmac 12345678 -binary | base64
func TestSignKnownRequest(t *testing.T) {
	req := sendRequest()
	Sign(req, Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"})
	assert.Equal(t, "rocketmq2", req.Ext(FieldAccessKey))
	assert.Equal(t, "CRF4UTURaaG5Kc/9MMiq71lS0Wo=", req.Ext(FieldSignature))
	assert.NotContains(t, req.ExtFields, FieldSecurityToken)
	assert.NotContains(t, req.ExtFields, FieldChannel)

	// OnsChannel is sent and signed, as the C++ client does: AccessKey, OnsChannel, ...
	req = sendRequest()
	Sign(req, Credentials{AccessKey: "rocketmq2", SecretKey: "12345678", Channel: "ALIYUN"})
	assert.Equal(t, "ALIYUN", req.Ext(FieldChannel))
	assert.Equal(t, "bmK6ikDGzSSu4bP2DjBM5rvmdQ4=", req.Ext(FieldSignature))
}

// Java signs the SecurityToken with everything else (it is an ext field by the time the
// content is built); rocketmq-client-go leaves it out, and brokers reject that.
func TestSecurityTokenIsSigned(t *testing.T) {
	req := sendRequest()
	Sign(req, Credentials{AccessKey: "rocketmq2", SecretKey: "12345678", SecurityToken: "tok-1", Channel: "ALIYUN"})
	assert.Equal(t, "tok-1", req.Ext(FieldSecurityToken))
	// AccessKey, OnsChannel, SecurityToken, producerGroup, queueId, topic; then the body.
	assert.Equal(t, "G8Lt514ALh0d3IbJ1crvjmm/94g=", req.Ext(FieldSignature))
	// What the token-less computation would give: must not be what we send.
	assert.NotEqual(t, "bmK6ikDGzSSu4bP2DjBM5rvmdQ4=", req.Ext(FieldSignature))
}

func TestResignIsStable(t *testing.T) {
	req := sendRequest()
	c := Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"}
	Sign(req, c)
	first := req.Ext(FieldSignature)
	Sign(req, c) // a retry: the old Signature must not feed the new one
	assert.Equal(t, first, req.Ext(FieldSignature))
	Hook(c)("127.0.0.1:10911", req)
	assert.Equal(t, first, req.Ext(FieldSignature))
}

func TestUniqueKeyQueryDependsOnVersion(t *testing.T) {
	c := Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"}
	sig := func(version int32, withFlag bool) string {
		req := sendRequest()
		req.Version = version
		if withFlag {
			req.SetExt(uniqueKeyQuery, "true")
		}
		Sign(req, c)
		return req.Ext(FieldSignature)
	}
	// Announcing V4_9_3 or older, the flag is outside the signed content...
	assert.Equal(t, sig(v4_9_3, false), sig(v4_9_3, true))
	// ...and from V4_9_4 (what we announce) inside it, as newer brokers expect.
	assert.NotEqual(t, sig(remoting.Version, false), sig(remoting.Version, true))
}

func TestCompareUTF16(t *testing.T) {
	keys := []string{"topic", "a", "B", "_x", "Z", "b", "AccessKey", "Access", "queueId", "QueueId"}
	slices.SortFunc(keys, compareUTF16)
	assert.Equal(t, []string{"Access", "AccessKey", "B", "QueueId", "Z", "_x", "a", "b", "queueId", "topic"}, keys)

	// Java orders U+10000 (surrogates D800 DC00) before U+E000; UTF-8 bytes say otherwise.
	assert.Negative(t, compareUTF16("k\U00010000", "k\uE000"))
	assert.Positive(t, compareUTF16("k\uE000", "k\U00010000"))
	assert.Greater(t, "k\U00010000", "k\uE000")
	// Below the surrogates, and between two pairs, it is plain code point order.
	assert.Negative(t, compareUTF16("\u00e9", "\U00010000"))
	assert.Negative(t, compareUTF16("\U00010000", "\U00010001"))
	assert.Negative(t, compareUTF16("\U00010400", "\U00020000"))
	assert.Zero(t, compareUTF16("é", "é"))
	assert.Negative(t, compareUTF16("é", "éa"))
	// Invalid UTF-8 still gets a total order.
	assert.NotZero(t, compareUTF16("\xff", "\xfe"))
}

func TestHookConcurrent(t *testing.T) {
	hook := Hook(Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				req := sendRequest()
				hook("addr", req)
				if !assert.Equal(t, "CRF4UTURaaG5Kc/9MMiq71lS0Wo=", req.Ext(FieldSignature)) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestValid(t *testing.T) {
	assert.True(t, Credentials{AccessKey: "a", SecretKey: "s"}.Valid())
	assert.False(t, Credentials{AccessKey: "a"}.Valid())
	assert.False(t, Credentials{SecretKey: "s"}.Valid())
}

func TestSignCreatesExtFields(t *testing.T) {
	req := &remoting.Command{}
	require.NotPanics(t, func() { Sign(req, Credentials{AccessKey: "a", SecretKey: "s"}) })
	assert.Len(t, req.ExtFields, 2)
}

func BenchmarkHook(b *testing.B) {
	hook := Hook(Credentials{AccessKey: "rocketmq2", SecretKey: "12345678"})
	body := make([]byte, 1024)
	ext := map[string]string{
		"producerGroup": "G", "topic": "TopicTest", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
		"queueId": "1", "sysFlag": "0", "bornTimestamp": "1700000000000", "flag": "0",
		"properties": "UNIQ_KEY\u0001AC11000100002A9F0000000000000000\u0002WAIT\u0001true\u0002", "reconsumeTimes": "0",
		"unitMode": "false", "batch": "false",
	}
	req := remoting.NewRequest(310, ext, body)
	b.ReportAllocs()
	for b.Loop() {
		hook("addr", req)
	}
}
