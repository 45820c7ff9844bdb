package devbroker

// PULL_MESSAGE (11).
//
// Behaviour:
//   - Checks as Java 4.9: header fields (SYSTEM_ERROR), topic exists (TOPIC_NOT_EXIST) and
//     is readable (NO_PERMISSION), queueId below readQueueNums (SYSTEM_ERROR).
//   - The filter comes from the request's subscription when sysFlag has SUBSCRIPTION (4),
//     else from the group's heartbeats: SUBSCRIPTION_NOT_EXIST without one,
//     SUBSCRIPTION_NOT_LATEST when it is older than subVersion. Only TAG expressions; any
//     other type is SYSTEM_ERROR "The broker does not support consumer to filter message by
//     <type>", as from a broker without enablePropertyFilter.
//   - Store status → code: FOUND → SUCCESS with the stored records as body;
//     NO_MATCHED_MESSAGE → PULL_RETRY_IMMEDIATELY; OFFSET_OVERFLOW_ONE → PULL_NOT_FOUND;
//     NO_MESSAGE_IN_QUEUE → PULL_NOT_FOUND at offset 0, else PULL_OFFSET_MOVED;
//     OFFSET_TOO_SMALL, OFFSET_OVERFLOW_BADLY → PULL_OFFSET_MOVED. The remark is the status
//     name; ext has nextBeginOffset, minOffset, maxOffset and suggestWhichBrokerId "0".
//   - At most 32 messages and 256 KiB per pull, but at least one message. A pull examines
//     at least 800 entries, so a run of filtered-out messages ends in NO_MATCHED_MESSAGE
//     with nextBeginOffset past them.
//   - SUSPEND (2) turns PULL_NOT_FOUND into a held request (longpoll.go), capped at 30 s.
//   - COMMIT_OFFSET (1) with commitOffset >= 0 commits the group's offset unless the group
//     is broadcasting; a held request commits on arrival, not again when answered.
//
// Simplified: no OFFSET_MOVED_EVENT message on PULL_OFFSET_MOVED; no subscription-group
// config (every group may consume); no slaves, so never a redirect.

import (
	"strconv"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// PullSysFlag bits.
const (
	pullFlagCommitOffset = 1
	pullFlagSuspend      = 2
	pullFlagSubscription = 4
)

const maxPullSuspend = 30 * time.Second

type pullParams struct {
	group        string
	topic        string
	queueID      int32
	offset       int64
	maxNums      int32
	sysFlag      int32
	commitOffset int64
	suspend      time.Duration
	filter       tagFilter
}

func (b *Broker) handlePull(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	p, bad := b.parsePull(conn, req)
	if bad != nil {
		return bad
	}
	resp := b.pullAnswer(&p)
	if resp.Code == remoting.PullNotFound && p.sysFlag&pullFlagSuspend != 0 && p.suspend > 0 &&
		b.holds.hold(conn, req, &p) {
		resp = nil
	}
	if p.sysFlag&pullFlagCommitOffset != 0 && p.commitOffset >= 0 && !b.clients.isBroadcasting(p.group) {
		b.offsets.commit(p.group, p.topic, p.queueID, p.commitOffset)
	}
	return resp
}

func (b *Broker) parsePull(conn *remoting.Conn, req *remoting.Command) (pullParams, *remoting.Command) {
	f := headerFields{req: req}
	p := pullParams{
		group:        f.str("consumerGroup", true),
		topic:        f.str("topic", true),
		queueID:      f.i32("queueId", true),
		offset:       f.i64("queueOffset", true),
		maxNums:      f.i32("maxMsgNums", true),
		sysFlag:      f.i32("sysFlag", true),
		commitOffset: f.i64("commitOffset", true),
	}
	suspendMs := f.i64("suspendTimeoutMillis", true)
	subVersion := f.i64("subVersion", true)
	expr := f.str("subscription", false)
	exprType := f.str("expressionType", false)
	if bad := f.failure(); bad != nil {
		return p, bad
	}
	p.suspend = min(time.Duration(max(suspendMs, 0))*time.Millisecond, maxPullSuspend)

	tc, ok := b.topics.get(p.topic)
	switch {
	case !ok:
		return p, fail(remoting.TopicNotExist, "topic[%s] not exist, apply first please!%s", p.topic, faqSuggestion)
	case tc.Perm&PermRead == 0:
		return p, fail(remoting.NoPermission, "the topic[%s] pulling message is forbidden", p.topic)
	case p.queueID < 0 || int(p.queueID) >= tc.ReadQueueNums:
		return p, fail(remoting.SystemError, "queueId[%d] is illegal, topic:[%s] topicConfig.readQueueNums:[%d] consumer:[%s]",
			p.queueID, p.topic, tc.ReadQueueNums, conn.RemoteAddr())
	}

	if p.sysFlag&pullFlagSubscription != 0 {
		if !isTagExpression(exprType) {
			return p, filterNotSupported(exprType)
		}
		p.filter = newTagFilter(expr)
		return p, nil
	}
	sub, ok := b.clients.subscription(p.group, p.topic)
	switch {
	case !ok:
		return p, fail(remoting.SubscriptionNotExist, "the consumer's group info not exist%s", faqSuggestion)
	case sub.Version < subVersion:
		return p, fail(remoting.SubscriptionNotLatest, "the consumer's subscription not latest")
	case !isTagExpression(sub.Type):
		return p, filterNotSupported(sub.Type)
	case sub.All:
		p.filter = tagFilter{all: true}
	case sub.Codes != nil:
		p.filter = tagFilter{codes: sub.Codes}
	default:
		p.filter = newTagFilter(sub.Expression)
	}
	return p, nil
}

func isTagExpression(typ string) bool { return typ == "" || typ == "TAG" }

func filterNotSupported(typ string) *remoting.Command {
	return fail(remoting.SystemError, "The broker does not support consumer to filter message by %s", typ)
}

// pullAnswer reads the store for p and builds the response, never holding it.
func (b *Broker) pullAnswer(p *pullParams) *remoting.Command {
	res := b.store.get(p.topic, p.queueID, p.offset, int(p.maxNums), &p.filter)
	code := remoting.PullOffsetMoved
	switch res.Status {
	case statusFound:
		code = remoting.Success
	case statusNoMatchedMessage:
		code = remoting.PullRetryImmediately
	case statusOffsetOverflowOne:
		code = remoting.PullNotFound
	case statusNoMessageInQueue:
		if p.offset == 0 {
			code = remoting.PullNotFound
		}
	}
	resp := remoting.NewResponse(code, res.Status.String())
	resp.Body = res.Body
	resp.SetExt("suggestWhichBrokerId", "0")
	resp.SetExt("nextBeginOffset", strconv.FormatInt(res.NextBeginOffset, 10))
	resp.SetExt("minOffset", strconv.FormatInt(res.MinOffset, 10))
	resp.SetExt("maxOffset", strconv.FormatInt(res.MaxOffset, 10))
	return resp
}
