package devbroker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/acl"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// The reference notes' vector, checked there with openssl.
func TestACLSignatureVector(t *testing.T) {
	assert.Equal(t, "tAb/54Rwwcq+pbH8Loi7FWX4QSQ=", aclSignature([]byte("Hello RocketMQ Client ACL Feature"), "adiaushdiaushd"))
}

func TestACLSignedContent(t *testing.T) {
	req := remoting.NewRequest(remoting.SendMessage, map[string]string{
		"topic": "T", "a": "1", "B": "2", "Signature": "x", "_UNIQUE_KEY_QUERY": "true",
	}, []byte("body"))
	// Java's TreeMap: "B" < "_UNIQUE_KEY_QUERY" < "a" < "topic" (upper case, then '_').
	assert.Equal(t, "2true1Tbody", string(signedContent(req, false)), "the client signs everything but Signature")
	assert.Equal(t, "21Tbody", string(signedContent(req, true)), "the broker leaves out _UNIQUE_KEY_QUERY")

	// UTF-16 order puts a supplementary character (a surrogate pair, 0xD83D...) before
	// U+FF21, though its UTF-8 sorts after.
	req = remoting.NewRequest(1, map[string]string{"\uFF21": "fullwidth", "\U0001F600": "emoji"}, nil)
	assert.Equal(t, "emojifullwidth", string(signedContent(req, true)))

	signRequest(req, "ak-12345", "sk-12345")
	assert.Equal(t, "ak-12345", req.Ext("AccessKey"))
	assert.Equal(t, aclSignature([]byte("ak-12345emojifullwidth"), "sk-12345"), req.Ext("Signature"))
}

const (
	aclAdminKey, aclAdminSecret = "rocketmq2", "12345678"
	aclUserKey, aclUserSecret   = "rocketmq-user", "user-secret"
)

func aclBroker(t *testing.T, checkNameServer bool) *Broker {
	return mgmtBroker(t, Config{ACL: &ACLConfig{
		CheckNameServer: checkNameServer,
		Accounts: []ACLAccount{
			{AccessKey: aclAdminKey, SecretKey: aclAdminSecret, Admin: true},
			{AccessKey: aclUserKey, SecretKey: aclUserSecret, DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB",
				TopicPerms: map[string]string{"Open": "PUB|SUB", "ReadOnly": "SUB"}, GroupPerms: map[string]string{"Banned": "DENY"}},
		},
	}})
}

func signingClient(t *testing.T, ak, sk string) *remoting.Client {
	c := remoting.NewClient(remoting.ClientOptions{BeforeRequest: func(_ string, req *remoting.Command) {
		signRequest(req, ak, sk)
	}})
	t.Cleanup(func() { c.Close() })
	return c
}

func aclSend(topic string) *remoting.Command {
	return remoting.NewRequest(remoting.SendMessageV2, wireSendV2(topic, 0, nil, false), []byte("hello"))
}

const aclPrefix = "org.apache.rocketmq.acl.common.AclException: "

func TestACLRejectsWhatJavaRejects(t *testing.T) {
	b := aclBroker(t, false)
	require.NoError(t, b.CreateTopic("Open", 1))
	require.NoError(t, b.CreateTopic("ReadOnly", 1))

	unsigned := mgmtCall(t, mgmtClient(t), b.BrokerAddr(), aclSend("Open"))
	assert.Equal(t, remoting.SystemError, unsigned.Code)
	assert.Equal(t, aclPrefix+"No accessKey is configured, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)", unsigned.Remark)

	stranger := mgmtCall(t, signingClient(t, "nobody-here", "whatever"), b.BrokerAddr(), aclSend("Open"))
	assert.Equal(t, remoting.SystemError, stranger.Code)
	assert.Equal(t, aclPrefix+"No acl config for nobody-here, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)", stranger.Remark)

	wrong := mgmtCall(t, signingClient(t, aclAdminKey, "not-the-secret"), b.BrokerAddr(), aclSend("Open"))
	assert.Equal(t, remoting.SystemError, wrong.Code)
	assert.Equal(t, aclPrefix+"Check signature failed for accessKey=rocketmq2, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)", wrong.Remark)

	// A request altered after signing fails too.
	admin := signingClient(t, aclAdminKey, aclAdminSecret)
	tampered := aclSend("Open")
	signRequest(tampered, aclAdminKey, aclAdminSecret)
	tampered.Body = []byte("HELLO")
	resp := mgmtCall(t, mgmtClient(t), b.BrokerAddr(), tampered)
	assert.Contains(t, resp.Remark, "Check signature failed")

	resp = mgmtCall(t, admin, b.BrokerAddr(), aclSend("Open"))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)
	resp = mgmtCall(t, admin, b.BrokerAddr(), aclSend("AnyTopicAtAll"))
	assert.Equal(t, remoting.Success, resp.Code, "an admin without resource entries may do anything: %s", resp.Remark)

	user := signingClient(t, aclUserKey, aclUserSecret)
	resp = mgmtCall(t, user, b.BrokerAddr(), aclSend("Open"))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)

	resp = mgmtCall(t, user, b.BrokerAddr(), aclSend("ReadOnly"))
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, aclPrefix+"No default permission for topic:ReadOnly, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)", resp.Remark)

	resp = mgmtCall(t, user, b.BrokerAddr(), aclSend("Elsewhere"))
	assert.Equal(t, aclPrefix+"No default permission for topic:Elsewhere, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)", resp.Remark)

	// Pulls need SUB on the topic and on the group; the group default is SUB here.
	pull := func(group, topic string) *remoting.Command {
		ext := wirePull(topic, 0, 0, 1, 0, 0, "*")
		ext["consumerGroup"] = group
		return mgmtCall(t, user, b.BrokerAddr(), remoting.NewRequest(remoting.PullMessage, ext, nil))
	}
	resp = pull("Anyone", "ReadOnly")
	assert.NotEqual(t, remoting.SystemError, resp.Code, resp.Remark)
	resp = pull("Banned", "ReadOnly")
	assert.Equal(t, aclPrefix+"No default permission for group:Banned, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)", resp.Remark)

	// Admin-only codes.
	create := remoting.NewRequest(remoting.UpdateAndCreateTopic, map[string]string{"topic": "NewOne"}, nil)
	resp = mgmtCall(t, user, b.BrokerAddr(), create)
	assert.Equal(t, aclPrefix+"Need admin permission for request code=17, but accessKey=rocketmq-user is not, org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:581)", resp.Remark)
	resp = mgmtCall(t, admin, b.BrokerAddr(), remoting.NewRequest(remoting.UpdateAndCreateTopic, map[string]string{"topic": "NewOne"}, nil))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)

	// Trace messages need no permission.
	resp = mgmtCall(t, user, b.BrokerAddr(), aclSend(rmqSysTraceTopic))
	assert.NotEqual(t, remoting.SystemError, resp.Code, resp.Remark)

	// The name server, like Java's, checks nothing by default.
	resp = mgmtCall(t, mgmtClient(t), b.NameServerAddr(), routeRequest("Open", remoting.Version))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)
}

func TestACLOnTheNameServer(t *testing.T) {
	b := aclBroker(t, true)
	require.NoError(t, b.CreateTopic("Open", 1))
	resp := mgmtCall(t, mgmtClient(t), b.NameServerAddr(), routeRequest("Open", remoting.Version))
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Contains(t, resp.Remark, "No accessKey is configured")
	resp = mgmtCall(t, signingClient(t, aclUserKey, aclUserSecret), b.NameServerAddr(), routeRequest("Open", remoting.Version))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)
}

func TestACLConfigChecked(t *testing.T) {
	_, err := Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0",
		ACL: &ACLConfig{Accounts: []ACLAccount{{AccessKey: "short", SecretKey: "12345678"}}}})
	assert.ErrorContains(t, err, "length should longer than 6")
	_, err = Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0",
		ACL: &ACLConfig{Accounts: []ACLAccount{{AccessKey: "1234567", SecretKey: "1234567"}, {AccessKey: "1234567", SecretKey: "7654321"}}}})
	assert.ErrorContains(t, err, "twice")
}

// core/acl, the clients' signer, and the broker's check are written apart; they must agree.
func TestACLAcceptsCoreACLSignatures(t *testing.T) {
	b := aclBroker(t, true)
	require.NoError(t, b.CreateTopic("Open", 1))
	c := remoting.NewClient(remoting.ClientOptions{BeforeRequest: acl.Hook(acl.Credentials{AccessKey: aclUserKey, SecretKey: aclUserSecret})})
	t.Cleanup(func() { c.Close() })
	resp := mgmtCall(t, c, b.NameServerAddr(), routeRequest("Open", remoting.Version))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)
	resp = mgmtCall(t, c, b.BrokerAddr(), aclSend("Open"))
	assert.Equal(t, remoting.Success, resp.Code, resp.Remark)
	resp = mgmtCall(t, c, b.BrokerAddr(), aclSend("ReadOnly"))
	assert.Contains(t, resp.Remark, "No default permission for topic:ReadOnly", "signed fine, refused for the permission")
}
