package devbroker

// ACL: the 4.x plain ACL (acl module: PlainAccessValidator, PlainPermissionManager,
// Permission, AclUtils), checked before the broker handles any request.
//
// Behaviour, as 4.9.8 with aclEnable=true:
//   - Signed content = the values of every ext field sorted by key (Java's TreeMap: UTF-16
//     order), leaving out Signature and _UNIQUE_KEY_QUERY, then the body; the signature is
//     Base64(HMAC-SHA1(content, secretKey)). SecurityToken is signed like any ext field.
//   - Checks, in upstream order: an AccessKey is present, it names an account, the signature
//     matches, an admin-only code (UPDATE_AND_CREATE_TOPIC, UPDATE_BROKER_CONFIG,
//     DELETE_TOPIC_IN_BROKER, UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, DELETE_SUBSCRIPTIONGROUP)
//     comes from an admin, and the account holds the permission each resource of the
//     request needs (topics and groups, per request code as PlainAccessValidator.parse
//     derives them). Publishing to RMQ_SYS_TRACE_TOPIC needs no permission. Upstream's
//     parse names no resource for SEND_BATCH_MESSAGE, so any valid signature may send a
//     batch anywhere; so here.
//   - An admin account without per-resource entries may do anything; otherwise a resource
//     without an entry gets the account's default topic or group permission, and a missing
//     default is DENY.
//   - A failure answers SYSTEM_ERROR with the remark Java's remoting layer makes of the
//     AclException (exceptionSimpleDesc: the exception, then its first stack frame). The
//     frames name 4.9.8's source lines, so the remarks match that release byte for byte.
//   - Keys must be longer than 6 characters, as upstream requires when loading accounts.
//
// Simplifications and differences:
//   - Accounts come from Config, not plain_acl.yml, and never change while running: no ACL
//     admin requests (UPDATE_AND_CREATE_ACL_CONFIG, ...), no white remote addresses.
//   - The 4.x name server checks nothing, and ours checks only with
//     ACLConfig.CheckNameServer, so unsigned and wrongly signed clients still find routes
//     and fail at the broker with the broker's error, as they do against Java.
//   - A heartbeat body that does not parse adds no resources (upstream fails the request);
//     the heartbeat handler then rejects it anyway.
//   - Resources are checked in the order the request names them; upstream walks a HashMap,
//     so when several are denied it may name another one first.

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// ACLConfig turns on request signing checks.
type ACLConfig struct {
	Accounts []ACLAccount
	// CheckNameServer makes the name server check requests too. Java's does not.
	CheckNameServer bool
}

// ACLAccount is one access key (PlainAccessConfig). Permissions are "PUB", "SUB",
// "PUB|SUB" (or "SUB|PUB") and "DENY"; anything else, and an empty default, is DENY.
type ACLAccount struct {
	AccessKey string
	SecretKey string
	// Admin may send the admin-only codes, and anything at all if it has no TopicPerms or
	// GroupPerms.
	Admin            bool
	DefaultTopicPerm string
	DefaultGroupPerm string
	TopicPerms       map[string]string // topic → permission
	GroupPerms       map[string]string // consumer group → permission
}

// ACL permission bits (acl Permission).
const (
	aclDeny = 1 << 0
	aclAny  = 1 << 1
	aclPub  = 1 << 2
	aclSub  = 1 << 3
)

// Admin-only codes that core/remoting has no constants for.
const (
	codeUpdateBrokerConfig               int32 = 25
	codeUpdateAndCreateSubscriptionGroup int32 = 200
	codeDeleteSubscriptionGroup          int32 = 207
)

const (
	extAccessKey       = "AccessKey"
	extSignature       = "Signature"
	extUniqueKeyQuery  = "_UNIQUE_KEY_QUERY"
	aclMinKeyLen       = 7
	rmqSysTraceTopic   = "RMQ_SYS_TRACE_TOPIC"
	aclExceptionPrefix = "org.apache.rocketmq.acl.common.AclException: "
)

// Stack frames of 4.9.8's throws, which Java puts in the remark.
const (
	frameNoAccessKey  = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)"
	frameNoAccount    = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)"
	frameSignature    = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)"
	frameNeedAdmin    = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:581)"
	frameDefaultPerm  = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)"
	frameResourcePerm = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)"
)

func parseACLPerm(s string) byte {
	switch strings.TrimSpace(s) {
	case "PUB":
		return aclPub
	case "SUB":
		return aclSub
	case "PUB|SUB", "SUB|PUB":
		return aclPub | aclSub
	}
	return aclDeny
}

// aclPermits is Permission.checkPermission.
func aclPermits(needed, owned byte) bool {
	if owned&aclDeny != 0 {
		return false
	}
	if needed&aclAny != 0 {
		return owned&(aclPub|aclSub) != 0
	}
	return needed&owned != 0
}

type aclAccount struct {
	secret       string
	admin        bool
	defaultTopic byte
	defaultGroup byte
	perms        map[string]byte // topic, or %RETRY%<group> for a group
}

type aclChecker struct {
	accounts   map[string]*aclAccount
	nameServer bool
}

func newACLChecker(cfg *ACLConfig) (*aclChecker, error) {
	if cfg == nil {
		return nil, nil
	}
	c := &aclChecker{accounts: make(map[string]*aclAccount, len(cfg.Accounts)), nameServer: cfg.CheckNameServer}
	for _, a := range cfg.Accounts {
		if len(a.AccessKey) < aclMinKeyLen || len(a.SecretKey) < aclMinKeyLen {
			return nil, fmt.Errorf("devbroker: ACL: the accessKey=%s and secretKey=%s cannot be null and length should longer than 6", a.AccessKey, a.SecretKey)
		}
		if _, dup := c.accounts[a.AccessKey]; dup {
			return nil, fmt.Errorf("devbroker: ACL: accessKey %s configured twice", a.AccessKey)
		}
		acc := &aclAccount{secret: a.SecretKey, admin: a.Admin,
			defaultTopic: parseACLPerm(a.DefaultTopicPerm), defaultGroup: parseACLPerm(a.DefaultGroupPerm)}
		if len(a.TopicPerms)+len(a.GroupPerms) > 0 {
			acc.perms = make(map[string]byte, len(a.TopicPerms)+len(a.GroupPerms))
			for topic, p := range a.TopicPerms {
				acc.perms[strings.TrimSpace(topic)] = parseACLPerm(p)
			}
			for group, p := range a.GroupPerms {
				acc.perms[message.RetryTopic(strings.TrimSpace(group))] = parseACLPerm(p)
			}
		}
		c.accounts[a.AccessKey] = acc
	}
	return c, nil
}

func aclFailure(frame, format string, args ...any) *remoting.Command {
	return remoting.NewResponse(remoting.SystemError, aclExceptionPrefix+fmt.Sprintf(format, args...)+", "+frame)
}

// check answers the request's failure, or nil when it may proceed.
func (c *aclChecker) check(req *remoting.Command) *remoting.Command {
	ak, ok := req.ExtFields[extAccessKey]
	if !ok {
		return aclFailure(frameNoAccessKey, "No accessKey is configured")
	}
	acc := c.accounts[ak]
	if acc == nil {
		return aclFailure(frameNoAccount, "No acl config for %s", ak)
	}
	want := aclSignature(signedContent(req, true), acc.secret)
	if !hmac.Equal([]byte(want), []byte(req.ExtFields[extSignature])) {
		return aclFailure(frameSignature, "Check signature failed for accessKey=%s", ak)
	}
	needs := aclResources(req)
	for _, n := range needs {
		if n.resource == rmqSysTraceTopic && n.perm == aclPub {
			return nil
		}
	}
	if isAdminCode(req.Code) && !acc.admin {
		return aclFailure(frameNeedAdmin, "Need admin permission for request code=%d, but accessKey=%s is not", req.Code, ak)
	}
	if acc.perms == nil && acc.admin {
		return nil
	}
	for _, n := range needs {
		isGroup := message.IsRetryTopic(n.resource)
		owned, listed := acc.perms[n.resource]
		frame := frameResourcePerm
		if !listed {
			owned, frame = acc.defaultTopic, frameDefaultPerm
			if isGroup {
				owned = acc.defaultGroup
			}
		}
		if !aclPermits(n.perm, owned) {
			what := "topic:" + n.resource
			if isGroup {
				what = "group:" + strings.TrimPrefix(n.resource, message.RetryGroupTopicPrefix)
			}
			return aclFailure(frame, "No default permission for %s", what)
		}
	}
	return nil
}

func isAdminCode(code int32) bool {
	switch code {
	case remoting.UpdateAndCreateTopic, codeUpdateBrokerConfig, remoting.DeleteTopicInBroker,
		codeUpdateAndCreateSubscriptionGroup, codeDeleteSubscriptionGroup:
		return true
	}
	return false
}

type aclNeed struct {
	resource string
	perm     byte
}

// aclResources lists what a request touches and the permission it needs on each, as
// PlainAccessValidator.parse does; a group is its retry topic.
func aclResources(req *remoting.Command) []aclNeed {
	var needs []aclNeed
	add := func(resource string, perm byte) {
		if resource == "" {
			return
		}
		for i := range needs {
			if needs[i].resource == resource {
				needs[i].perm = perm // a map put, upstream
				return
			}
		}
		needs = append(needs, aclNeed{resource, perm})
	}
	retry := func(group string) string {
		if group == "" {
			return ""
		}
		return message.RetryTopic(group)
	}
	ext := req.ExtFields
	sendTo := func(topic, group string) {
		if message.IsRetryTopic(topic) {
			add(retry(group), aclSub)
		} else {
			add(topic, aclPub)
		}
	}
	switch req.Code {
	case remoting.SendMessage:
		sendTo(ext["topic"], ext["producerGroup"])
	case remoting.SendMessageV2:
		sendTo(ext["b"], ext["a"])
	case remoting.ConsumerSendMsgBack:
		add(retry(ext["group"]), aclSub)
	case remoting.PullMessage:
		add(ext["topic"], aclSub)
		add(retry(ext["consumerGroup"]), aclSub)
	case remoting.QueryMessage:
		add(ext["topic"], aclSub)
	case remoting.HeartBeat:
		var hb heartbeatJSON
		if json.Unmarshal(req.Body, &hb) == nil {
			for _, cd := range hb.ConsumerDataSet {
				add(retry(cd.GroupName), aclSub)
				for _, s := range cd.SubscriptionDataSet {
					add(s.Topic, aclSub)
				}
			}
		}
	case remoting.UnregisterClient, remoting.GetConsumerListByGroup:
		add(retry(ext["consumerGroup"]), aclSub)
	case remoting.UpdateConsumerOffset:
		add(retry(ext["consumerGroup"]), aclSub)
		add(ext["topic"], aclSub)
	}
	return needs
}

// signedContent is what a signature covers. The broker leaves out _UNIQUE_KEY_QUERY, the
// client signs it.
func signedContent(req *remoting.Command, broker bool) []byte {
	keys := make([]string, 0, len(req.ExtFields))
	for k := range req.ExtFields {
		if k == extSignature || broker && k == extUniqueKeyQuery {
			continue
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	n := len(req.Body)
	for _, k := range keys {
		n += len(req.ExtFields[k])
	}
	content := make([]byte, 0, n)
	for _, k := range keys {
		content = append(content, req.ExtFields[k]...)
	}
	return append(content, req.Body...)
}

// compareUTF16 orders strings as Java's String.compareTo does: by UTF-16 code unit. That is
// byte order unless a string holds characters from U+E000 up, whose UTF-8 starts at 0xEE.
func compareUTF16(a, b string) int {
	if !beyondUE000(a) && !beyondUE000(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func beyondUE000(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xEE {
			return true
		}
	}
	return false
}

// aclSignature is the 4.x ACL signature of content: Base64(HMAC-SHA1(content, secretKey)).
// The broker keeps its own signing code rather than core/acl's, so that each checks the
// other.
func aclSignature(content []byte, secretKey string) string {
	mac := hmac.New(sha1.New, []byte(secretKey))
	mac.Write(content)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signRequest signs req as the 4.x ACL client hook does (for tests): it sets AccessKey,
// then Signature over every other ext field and the body.
func signRequest(req *remoting.Command, accessKey, secretKey string) {
	req.SetExt(extAccessKey, accessKey)
	delete(req.ExtFields, extSignature)
	req.SetExt(extSignature, aclSignature(signedContent(req, false), secretKey))
}
