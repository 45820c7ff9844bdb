package consumer

import (
	"slices"
	"strconv"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// PullSysFlag bits of PULL_MESSAGE.
const (
	pullFlagCommitOffset = 1
	pullFlagSuspend      = 2
	pullFlagSubscription = 4
)

// subscription is one subscribed topic: what heartbeats announce and pulls refer to, and
// the exact tags the client filters by again (brokers filter by tag hash, which collides).
type subscription struct {
	data client.SubscriptionData
	all  bool
}

func newSubscription(topic, expression string) *subscription {
	d := client.NewSubscription(topic, expression)
	return &subscription{data: d, all: message.IsSubscribeAll(d.SubString)}
}

func (s *subscription) matches(m *message.MessageExt) bool {
	return s.all || slices.Contains(s.data.TagsSet, m.Tags())
}

// pullArgs is one PULL_MESSAGE request.
type pullArgs struct {
	group        string
	mq           route.MessageQueue
	sub          *subscription
	offset       int64
	maxNums      int
	sysFlag      int32
	commitOffset int64
	suspend      time.Duration
}

func (a *pullArgs) command() *remoting.Command {
	ext := map[string]string{
		"consumerGroup":        a.group,
		"topic":                a.mq.Topic,
		"queueId":              strconv.Itoa(a.mq.QueueID),
		"queueOffset":          strconv.FormatInt(a.offset, 10),
		"maxMsgNums":           strconv.Itoa(a.maxNums),
		"sysFlag":              strconv.Itoa(int(a.sysFlag)),
		"commitOffset":         strconv.FormatInt(a.commitOffset, 10),
		"suspendTimeoutMillis": strconv.FormatInt(a.suspend.Milliseconds(), 10),
		"subVersion":           strconv.FormatInt(a.sub.data.SubVersion, 10),
		"expressionType":       "TAG",
		"bname":                a.mq.BrokerName,
	}
	if a.sysFlag&pullFlagSubscription != 0 {
		ext["subscription"] = a.sub.data.SubString
	}
	return remoting.NewRequest(remoting.PullMessage, ext, nil)
}

// pullReply is a PULL_MESSAGE response, its messages decoded and filtered.
type pullReply struct {
	code                       int32
	nextOffset, minOff, maxOff int64
	msgs                       []*message.MessageExt
	// decodeErr is set when the body held a record that could not be decoded; msgs then
	// holds the records before it, and nextOffset follows the last of those. With no
	// record decoded at all, nextOffset is the broker's and must not be trusted.
	decodeErr error
	decoded   int
	// refused is the broker's answer as an error when its code is none of a pull's.
	refused *remoting.Error
}

// parsePullReply reads a response to a pull. Found messages are filtered by exact tag and
// prepared as upstream prepares them: a retried message gets its original topic back, every
// message gets MIN_OFFSET and MAX_OFFSET, a transactional one its transaction id. Nothing
// it returns refers to resp, which the caller can release at once: the decoded messages
// copy what they keep, so the frame's buffer goes back to its pool rather than becoming
// garbage with every pull.
func parsePullReply(resp *remoting.Response, group string, sub *subscription) pullReply {
	r := pullReply{code: resp.Code}
	switch resp.Code {
	case remoting.Success, remoting.PullNotFound, remoting.PullRetryImmediately, remoting.PullOffsetMoved:
	default:
		r.refused = resp.AsError()
		return r
	}
	var minStr, maxStr string
	_ = resp.EachExt(func(k, v []byte) {
		switch string(k) {
		case "nextBeginOffset":
			r.nextOffset, _ = strconv.ParseInt(string(v), 10, 64)
		case "minOffset":
			minStr = string(v)
		case "maxOffset":
			maxStr = string(v)
		}
	})
	r.minOff, _ = strconv.ParseInt(minStr, 10, 64)
	r.maxOff, _ = strconv.ParseInt(maxStr, 10, 64)
	if resp.Code != remoting.Success {
		return r
	}
	msgs, err := message.DecodeStored(resp.Body, message.DecodeOptions{Decompress: true})
	r.decodeErr, r.decoded = err, len(msgs)
	if len(msgs) == 0 {
		return r
	}
	// A decoding error part way leaves nextBeginOffset past records we never saw; resume
	// after the last one we did see instead, so nothing is skipped silently.
	if err != nil {
		r.nextOffset = msgs[len(msgs)-1].QueueOffset + 1
	}
	retryTopic := message.RetryTopic(group)
	kept := msgs[:0]
	for _, m := range msgs {
		if !sub.matches(m) {
			continue
		}
		if m.Topic == retryTopic {
			if orig := m.Property(message.PropertyRetryTopic); orig != "" {
				m.Topic = orig
			}
		}
		if m.Property(message.PropertyTransactionPrepared) == "true" {
			m.TransactionID = m.UniqKey()
		}
		m.SetProperty(message.PropertyMinOffset, minStr)
		m.SetProperty(message.PropertyMaxOffset, maxStr)
		kept = append(kept, m)
	}
	r.msgs = kept
	return r
}
