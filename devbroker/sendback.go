package devbroker

// Retry and dead-letter queues: CONSUMER_SEND_MSG_BACK (36), and sends to a %RETRY% topic
// past the group's max reconsume times.
//
// Behaviour, as the 4.9.x broker (SendMessageProcessor.asyncConsumerSendMsgBack and
// handleRetryAndDLQ):
//   - CONSUMER_SEND_MSG_BACK (ext offset, group, delayLevel, originMsgId, originTopic,
//     unitMode, maxReconsumeTimes) reads the message at commit-log offset `offset`
//     (SYSTEM_ERROR "look message by offset failed, <offset>" when there is none) and stores
//     a copy: body, flag, sysFlag, born time and host and store host kept, reconsume times
//     + 1 in the record, properties as stored plus RETRY_TOPIC (the message's topic, unless
//     it has one already), WAIT=false, ORIGIN_MESSAGE_ID (kept, else the message's offset
//     msgId) and DELAY.
//   - The copy goes to %RETRY%<group> queue 0 (created with 1 queue when missing;
//     NO_PERMISSION when not writable) with DELAY = delayLevel, or 3 + reconsume times when
//     delayLevel is 0, so it waits in the schedule topic first (schedule.go). When the
//     message's reconsume times reached maxReconsumeTimes (header, else 16) or delayLevel is
//     negative, it goes to %DLQ%<group> (1 queue, created on demand) at once, with DELAY=0.
//   - A SEND_MESSAGE to %RETRY%<group> whose header reconsumeTimes reached the header's
//     maxReconsumeTimes (16 without one) is stored in %DLQ%<group> queue 0 instead, as
//     Java does. Beware that rocketmq-client-go sends maxReconsumeTimes=0 with every send.
//
// Simplified:
//   - No subscription-group config: every group may send back and has 1 retry queue and 16
//     max reconsume times; unitMode is ignored.
//   - A direct send redirected to the DLQ is not delayed. Java means the same (it sets DELAY
//     to 0) but then replaces the properties with the request's, so there a DELAY the
//     client set delays it on its way into the DLQ.

import (
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// defaultMaxReconsumeTimes is a subscription group's retryMaxTimes.
const defaultMaxReconsumeTimes = 16

func (b *Broker) handleConsumerSendMsgBack(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	phy := f.i64("offset", true)
	group := f.str("group", true)
	delayLevel := f.i32("delayLevel", true)
	maxTimes := int32(defaultMaxReconsumeTimes)
	if _, ok := req.ExtFields["maxReconsumeTimes"]; ok {
		maxTimes = f.i32("maxReconsumeTimes", false)
	}
	if bad := f.failure(); bad != nil {
		return bad
	}

	retryTopic := message.RetryTopic(group)
	if validateTopic(retryTopic) != nil {
		return fail(remoting.SystemError, "topic[%s] not exist", retryTopic)
	}
	if tc := b.ensureTopic(retryTopic, 1); tc.Perm&PermWrite == 0 {
		return fail(remoting.NoPermission, "the topic[%s] sending message is forbidden", retryTopic)
	}
	old, props, err := b.store.messageAt(phy)
	if err != nil {
		return fail(remoting.SystemError, "look message by offset failed, %d", phy)
	}

	edits := make([]string, 0, 8)
	if _, ok := propertyValue(props, message.PropertyRetryTopic); !ok {
		edits = append(edits, message.PropertyRetryTopic, old.Topic)
	}
	edits = append(edits, message.PropertyWaitStoreMsgOK, "false")
	target := retryTopic
	if old.ReconsumeTimes >= maxTimes || delayLevel < 0 {
		target = message.DLQTopic(group)
		if validateTopic(target) != nil {
			return fail(remoting.SystemError, "topic[%s] not exist", target)
		}
		b.ensureTopic(target, 1)
		edits = append(edits, message.PropertyDelayTimeLevel, "0")
	} else {
		if delayLevel == 0 {
			delayLevel = 3 + old.ReconsumeTimes
		}
		edits = append(edits, message.PropertyDelayTimeLevel, strconv.Itoa(int(delayLevel)))
	}
	origin, _ := propertyValue(props, message.PropertyOriginMessageID)
	if len(origin) == 0 {
		origin = []byte(old.MsgID)
	}
	edits = append(edits, message.PropertyOriginMessageID, string(origin))
	props = editProperties(props, edits...)

	m := message.MessageExt{
		Message:        message.Message{Topic: target, Flag: old.Flag, Body: old.Body},
		SysFlag:        old.SysFlag,
		BornTimestamp:  old.BornTimestamp,
		BornHost:       old.BornHost,
		StoreHost:      old.StoreHost,
		ReconsumeTimes: old.ReconsumeTimes + 1,
	}
	props = b.applyDelay(&m, props)
	if len(props) > maxPropertiesLen {
		return fail(remoting.SystemError, "PROPERTIES_SIZE_EXCEEDED")
	}
	if _, err := b.storeOne(&m, props); err != nil {
		return fail(remoting.SystemError, "%v", err)
	}
	b.log.Debug("message sent back", "group", group, "from", old.Topic, "to", target, "reconsumeTimes", m.ReconsumeTimes)
	return ok()
}

// storeOne appends one message with raw properties.
func (b *Broker) storeOne(m *message.MessageExt, props []byte) (appendResult, error) {
	rb := recordBatchPool.Get().(*recordBatch)
	defer putRecordBatch(rb)
	rb.addRaw(m, props, tagsCodeOf(props))
	res, err := b.store.appendRecords(rb)
	if err != nil {
		return appendResult{}, err
	}
	return res[0], nil
}

// retryToDLQ sends a message bound for %RETRY%<group> to %DLQ%<group> when its header says
// it has been reconsumed often enough, and reports whether it did.
func (b *Broker) retryToDLQ(h *sendHeader, m *message.MessageExt) bool {
	if !message.IsRetryTopic(h.topic) {
		return false
	}
	maxTimes := int32(defaultMaxReconsumeTimes)
	if h.hasMaxReconsumeTimes {
		maxTimes = h.maxReconsumeTimes
	}
	if h.reconsumeTimes < maxTimes {
		return false
	}
	dlq := message.DLQTopic(h.topic[len(message.RetryGroupTopicPrefix):])
	if validateTopic(dlq) != nil {
		return false
	}
	b.ensureTopic(dlq, 1)
	m.Topic, m.QueueID = dlq, 0
	return true
}
