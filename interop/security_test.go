package interop

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// newEnvWith is newEnv with a broker configured for the test (ACL, TLS). Such a setup
// cannot be imposed on a real name server, so these tests skip against one.
func newEnvWith(t *testing.T, cfg devbroker.Config) *env {
	t.Helper()
	if os.Getenv("ROCKETMQ_NAMESRV") != "" {
		t.Skip("needs a dev broker configured by the test (ROCKETMQ_NAMESRV is set)")
	}
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.ClientExpiry, cfg.LockExpiry = 30*time.Second, 30*time.Second
	b, err := devbroker.Start(cfg)
	require.NoError(t, err, "start dev broker")
	t.Cleanup(func() { b.Close() })
	e := &env{t: t, broker: b, nsAddr: b.NameServerAddr(), rc: remoting.NewClient(remoting.ClientOptions{})}
	t.Cleanup(func() { e.rc.Close() })
	e.base = fmt.Sprintf("it_%s_%s", runID, shorten(nameFilter.ReplaceAllString(t.Name(), "_"), 60))
	if traceOn {
		traceBrokerRequests(t, b)
	}
	return e
}

const (
	interopAccessKey = "interop-admin"
	interopSecretKey = "interop-secret"
)

// TestACLSignedClientsWork: with ACL on, Apache's producer and push consumer signing with
// the right keys (primitive.Credentials) send and consume as usual, every request of theirs
// passing the broker's check; a producer with a wrong secret, and one signing nothing, get
// the broker's AclException remark back from SendSync.
func TestACLSignedClientsWork(t *testing.T) {
	e := newEnvWith(t, devbroker.Config{ACL: &devbroker.ACLConfig{Accounts: []devbroker.ACLAccount{
		{AccessKey: interopAccessKey, SecretKey: interopSecretKey, Admin: true},
	}}})
	topic := e.createTopic(2)
	creds := primitive.Credentials{AccessKey: interopAccessKey, SecretKey: interopSecretKey}
	p := e.newProducer(producer.WithCredentials(creds))
	col := newCollector()
	group := e.name("cg")
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("c"), consumer.WithCredentials(creds))

	want := ids("acl", 0, 40)
	sendSync(t, p, topic, want, 4)
	col.waitAll(t, want, 30*time.Second)

	send := func(p interface {
		SendSync(context.Context, ...*primitive.Message) (*primitive.SendResult, error)
	}, id string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_, err := p.SendSync(ctx, newMsg(topic, id))
		return err
	}
	wrong := e.newProducer(producer.WithCredentials(primitive.Credentials{AccessKey: interopAccessKey, SecretKey: "not-the-secret"}))
	err := send(wrong, "wrong-secret")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CODE: 1, DESC: org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey="+interopAccessKey)

	stranger := e.newProducer(producer.WithCredentials(primitive.Credentials{AccessKey: "somebody-else", SecretKey: interopSecretKey}))
	err = send(stranger, "stranger")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AclException: No acl config for somebody-else")

	unsigned := e.newProducer()
	err = send(unsigned, "unsigned")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AclException: No accessKey is configured")

	// Nothing the rejected producers sent was stored.
	settle(t, col, 500*time.Millisecond)
	col.requireExactlyOnce(t, want)
}

// TestTLSPermissiveServesPlainApacheClients: Apache's client v2.1.2 has no TLS, so what it
// can show is the permissive mode's other half: on ports that also speak TLS, its plain
// producer and consumer work as usual, while a TLS client of ours sends on the same port
// and the Apache consumer gets that message too.
func TestTLSPermissiveServesPlainApacheClients(t *testing.T) {
	e := newEnvWith(t, devbroker.Config{TLS: &devbroker.TLSConfig{Mode: devbroker.TLSPermissive}})
	topic := e.createTopic(2)
	p := e.newProducer()
	col := newCollector()
	e.newPushConsumer(e.name("cg"), topic, consumer.MessageSelector{}, col.handler("c"))

	want := ids("plain", 0, 20)
	sendSync(t, p, topic, want, 4)

	secure := remoting.NewClient(remoting.ClientOptions{TLS: &tls.Config{InsecureSkipVerify: true}})
	defer secure.Close()
	id := "tls-0"
	ext := map[string]string{
		"a": "tls-producer", "b": topic, "c": message.DefaultTopic, "d": "4", "e": "0", "f": "0",
		"g": strconv.FormatInt(time.Now().UnixMilli(), 10), "h": "0",
		"i": message.PropertiesString(map[string]string{idProp: id}), "j": "0", "k": "false", "l": "0", "m": "false",
	}
	resp, err := secure.InvokeSync(context.Background(), e.brokerAddrOf(topic), remoting.NewRequest(remoting.SendMessageV2, ext, []byte("over TLS")), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	all := append(want, id)
	col.waitAll(t, all, 30*time.Second)
	settle(t, col, 300*time.Millisecond)
	col.requireExactlyOnce(t, all)
}

// TestTLSEnforcingRefusesPlainApacheClients: in enforcing mode Apache's plain client
// cannot even get a route, while a TLS client of ours is served.
func TestTLSEnforcingRefusesPlainApacheClients(t *testing.T) {
	e := newEnvWith(t, devbroker.Config{TLS: &devbroker.TLSConfig{Mode: devbroker.TLSEnforcing}})
	topic := e.name("topic")
	require.NoError(t, e.broker.CreateTopic(topic, 1))

	secure := remoting.NewClient(remoting.ClientOptions{TLS: &tls.Config{InsecureSkipVerify: true}})
	defer secure.Close()
	resp, err := secure.InvokeSync(context.Background(), e.nsAddr,
		remoting.NewRequest(remoting.GetRouteInfoByTopic, map[string]string{"topic": topic}, nil), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	p := e.newProducer(producer.WithRetry(0))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err = p.SendSync(ctx, newMsg(topic, "refused"))
	require.Error(t, err, "a plain client must not get through an enforcing broker")
	assert.Zero(t, maxOffsetOver(t, secure, e.broker.BrokerAddr(), topic, 0))
}

func maxOffsetOver(t *testing.T, c *remoting.Client, addr, topic string, queueID int) int64 {
	t.Helper()
	resp, err := c.InvokeSync(context.Background(), addr, remoting.NewRequest(remoting.GetMaxOffset,
		map[string]string{"topic": topic, "queueId": strconv.Itoa(queueID)}, nil), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	n, err := strconv.ParseInt(resp.Ext("offset"), 10, 64)
	require.NoError(t, err)
	return n
}
