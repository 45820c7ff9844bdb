package devbroker

// SEND_MESSAGE (10, long header names), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320),
// the last two with the short names a..n.
//
// Behaviour:
//   - Checks in Java 4.9's order: header fields (SYSTEM_ERROR "the custom field <x> is
//     null"), topic name (SYSTEM_ERROR), topics clients may not write (NO_PERMISSION),
//     existence (auto-created with defaultTopicQueueNums capped by TBW102's queues, else
//     TOPIC_NOT_EXIST), write permission (NO_PERMISSION), queueId (SYSTEM_ERROR at or past
//     the queue count; a negative one picks a random write queue), then the sizes
//     (MESSAGE_ILLEGAL: body over MaxMessageSize, properties over 32767 bytes).
//   - As in Java, the header's batch flag, not the request code, selects the batch path.
//     Each message of a batch keeps its own flag and properties; sysFlag, born time and
//     reconsumeTimes come from the header. A batch to a %RETRY% topic, or one carrying
//     DELAY, is MESSAGE_ILLEGAL.
//   - Every answer carries MSG_REGION=DefaultRegion and TRACE_ON=true; a success adds msgId
//     (offset ids joined by "," for a batch), queueId and queueOffset (a batch's first).
//   - tagsCode is the Java hash of TAGS (0 without). Stored messages wake held pulls.
//   - A single message is then redirected as Java's handleRetryAndDLQ, transactional
//     bridge and store do, in that order: to %DLQ%<group> past maxReconsumeTimes
//     (sendback.go), into the half topic with TRAN_MSG=true (transaction.go), into
//     SCHEDULE_TOPIC_XXXX with a DELAY (schedule.go). The answer still names the queue id
//     asked for, with the stored record's msgId and queue offset, as Java's does.
//
// Simplified:
//   - No subscription-group check on %RETRY% topics.
//   - Properties are stored as sent, except for the entries the redirections set (those are
//     replaced and appended at the end). Java 4.9 re-encodes them, adds CLUSTER, drops
//     WAIT, and appends a batch's own properties to each of its messages.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

const (
	maxPropertiesLen = 1<<15 - 1 // PROPLEN is a Java short
	regionID         = "DefaultRegion"
)

// sendFieldNames are the ext keys of SendMessageRequestHeader (V1) or its V2 short form.
type sendFieldNames struct {
	producerGroup, topic, defaultTopic, defaultTopicQueueNums, queueID, sysFlag,
	bornTimestamp, flag, properties, reconsumeTimes, maxReconsumeTimes, batch string
}

var (
	sendFieldsV1 = sendFieldNames{"producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums",
		"queueId", "sysFlag", "bornTimestamp", "flag", "properties", "reconsumeTimes", "maxReconsumeTimes", "batch"}
	sendFieldsV2 = sendFieldNames{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "l", "m"}
)

type sendHeader struct {
	producerGroup         string
	topic                 string
	defaultTopic          string
	defaultTopicQueueNums int32
	queueID               int32
	sysFlag               int32
	bornTimestamp         int64
	flag                  int32
	properties            string
	reconsumeTimes        int32
	maxReconsumeTimes     int32
	hasMaxReconsumeTimes  bool
	batch                 bool
}

func parseSendHeader(req *remoting.Command) (sendHeader, *remoting.Command) {
	n := &sendFieldsV2
	if req.Code == remoting.SendMessage {
		n = &sendFieldsV1
	}
	f := headerFields{req: req}
	h := sendHeader{
		producerGroup:         f.str(n.producerGroup, true),
		topic:                 f.str(n.topic, true),
		defaultTopic:          f.str(n.defaultTopic, true),
		defaultTopicQueueNums: f.i32(n.defaultTopicQueueNums, true),
		queueID:               f.i32(n.queueID, true),
		sysFlag:               f.i32(n.sysFlag, true),
		bornTimestamp:         f.i64(n.bornTimestamp, true),
		flag:                  f.i32(n.flag, true),
		properties:            f.str(n.properties, false),
		reconsumeTimes:        f.i32(n.reconsumeTimes, false),
		maxReconsumeTimes:     f.i32(n.maxReconsumeTimes, false),
		batch:                 f.boolean(n.batch),
	}
	_, h.hasMaxReconsumeTimes = req.ExtFields[n.maxReconsumeTimes]
	return h, f.failure()
}

// sendForbidden lists the topics only the broker itself writes (TopicValidator's
// NOT_ALLOWED_SEND_TOPIC_SET).
func sendForbidden(topic string) bool {
	switch topic {
	case message.ScheduleTopic, message.TransactionHalfTopic, message.TransactionOpHalfTopic,
		message.TransactionCheckMaxTimeTopic:
		return true
	}
	return false
}

func (b *Broker) handleSend(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	resp := b.send(conn, req)
	resp.SetExt(message.PropertyMsgRegion, regionID)
	resp.SetExt(message.PropertyTraceSwitch, "true")
	return resp
}

func (b *Broker) send(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	h, bad := parseSendHeader(req)
	if bad != nil {
		return bad
	}
	tc, bad := b.sendTarget(conn, &h)
	if bad != nil {
		return bad
	}
	queueID := h.queueID
	if queueID < 0 {
		queueID = int32(rand.IntN(tc.WriteQueueNums))
	}
	if len(h.properties) > maxPropertiesLen {
		return b.illegalMessage()
	}
	base := message.MessageExt{
		Message:        message.Message{Topic: h.topic, Flag: h.flag},
		QueueID:        queueID,
		SysFlag:        h.sysFlag,
		BornTimestamp:  h.bornTimestamp,
		BornHost:       addrPortOf(conn.RemoteAddr()),
		StoreHost:      b.store.storeHost,
		ReconsumeTimes: h.reconsumeTimes,
	}
	rb := recordBatchPool.Get().(*recordBatch)
	defer putRecordBatch(rb)
	var props []byte
	half := false
	if h.batch {
		if bad := b.encodeBatch(rb, &base, &h, req.Body); bad != nil {
			return bad
		}
	} else {
		if len(req.Body) > b.cfg.MaxMessageSize {
			return b.illegalMessage()
		}
		base.Body = req.Body
		props, half = b.redirect(&base, &h, []byte(h.properties))
		if len(props) > maxPropertiesLen {
			return b.illegalMessage()
		}
		rb.addRaw(&base, props, tagsCodeOf(props))
	}
	res, err := b.store.appendRecords(rb)
	if err != nil {
		return fail(remoting.SystemError, "%v", err)
	}
	if half {
		b.tx.track(res[0], &base, props, h.producerGroup)
	}
	ids := make([]byte, 0, len(res)*(message.OffsetMsgIDLenV6+1))
	for i, r := range res {
		if i > 0 {
			ids = append(ids, ',')
		}
		ids = message.AppendOffsetMsgID(ids, b.store.storeHost, r.PhyOffset)
	}
	resp := ok()
	resp.SetExt("msgId", string(ids))
	resp.SetExt("queueId", strconv.Itoa(int(queueID)))
	resp.SetExt("queueOffset", strconv.FormatInt(res[0].QueueOffset, 10))
	return resp
}

// redirect applies to a single message what Java does to it after the checks: the DLQ
// for a %RETRY% message reconsumed often enough, the half topic for a prepared
// transactional message, the schedule topic for a delayed one. It reports whether the
// message became a half message.
func (b *Broker) redirect(m *message.MessageExt, h *sendHeader, props []byte) ([]byte, bool) {
	dlq := b.retryToDLQ(h, m)
	if isPrepared(props) {
		return b.toHalf(m, props), true
	}
	if !dlq {
		props = b.applyDelay(m, props)
	}
	return props, false
}

// sendTarget applies the topic and queue checks of Java's msgCheck.
func (b *Broker) sendTarget(conn *remoting.Conn, h *sendHeader) (topicConfig, *remoting.Command) {
	if err := validateTopic(h.topic); err != nil {
		return topicConfig{}, fail(remoting.SystemError, "%v", err)
	}
	if sendForbidden(h.topic) {
		return topicConfig{}, fail(remoting.NoPermission, "Sending message to topic[%s] is forbidden.", h.topic)
	}
	tc, ok := b.topics.get(h.topic)
	if !ok {
		n := int(h.defaultTopicQueueNums)
		if def, ok := b.topics.get(message.DefaultTopic); ok && n > def.WriteQueueNums {
			n = def.WriteQueueNums
		}
		if tc, ok = b.topics.autoCreate(h.topic, n); !ok {
			return topicConfig{}, fail(remoting.TopicNotExist, "topic[%s] not exist, apply first please!%s", h.topic, faqSuggestion)
		}
	}
	if tc.Perm&PermWrite == 0 {
		return topicConfig{}, fail(remoting.NoPermission, "the topic[%s] sending message is forbidden", h.topic)
	}
	if int(h.queueID) >= tc.queueNums() {
		return topicConfig{}, fail(remoting.SystemError,
			"request queueId[%d] is illegal, TopicConfig [topicName=%s, readQueueNums=%d, writeQueueNums=%d, perm=%d] Producer: %s",
			h.queueID, tc.Name, tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm, conn.RemoteAddr())
	}
	return tc, nil
}

// illegalMessage is Java's answer to a message over the size limits.
func (b *Broker) illegalMessage() *remoting.Command {
	return fail(remoting.MessageIllegal, "the message is illegal, maybe msg body or properties length not matched. "+
		"msg body length limit %dB, msg properties length limit 32KB.", b.cfg.MaxMessageSize)
}

// encodeBatch checks a SEND_BATCH_MESSAGE body and encodes its messages into rb.
func (b *Broker) encodeBatch(rb *recordBatch, base *message.MessageExt, h *sendHeader, body []byte) *remoting.Command {
	switch {
	case message.IsRetryTopic(h.topic):
		return fail(remoting.MessageIllegal, "the message is illegal: batch messages cannot be sent to retry topic %s", h.topic)
	case delayLevelOf([]byte(h.properties)) > 0:
		return fail(remoting.MessageIllegal, "the message is illegal: batch messages cannot be delayed")
	case len(body) > b.cfg.MaxMessageSize:
		return b.illegalMessage()
	}
	var bad *remoting.Command
	err := forEachBatchEntry(body, func(flag int32, msgBody, props []byte) bool {
		if len(props) > maxPropertiesLen {
			bad = b.illegalMessage()
			return false
		}
		if delayLevelOf(props) > 0 {
			bad = fail(remoting.MessageIllegal, "the message is illegal: batch messages cannot be delayed")
			return false
		}
		m := *base
		m.Flag, m.Body = flag, msgBody
		rb.addRaw(&m, props, tagsCodeOf(props))
		return true
	})
	switch {
	case bad != nil:
		return bad
	case err != nil:
		return fail(remoting.MessageIllegal, "the message is illegal: %v", err)
	case len(rb.recs) == 0:
		return fail(remoting.MessageIllegal, "the message is illegal: the batch holds no message")
	}
	return nil
}

// forEachBatchEntry walks a SEND_BATCH_MESSAGE body without copying; fn returns false to
// stop. core/message's DecodeBatch builds property maps, but the store keeps the properties
// as sent, so this reads the raw bytes (layout per entry: totalSize, magic, bodyCRC, flag,
// bodyLen int32s, body, propLen int16, properties).
func forEachBatchEntry(body []byte, fn func(flag int32, body, props []byte) bool) error {
	const fixed = 4 + 4 + 4 + 4 + 4 + 2
	be := binary.BigEndian
	for off := 0; off < len(body); {
		rest := body[off:]
		if len(rest) < fixed {
			return fmt.Errorf("batch entry at byte %d: %d bytes left, an entry needs %d", off, len(rest), fixed)
		}
		total := int(int32(be.Uint32(rest)))
		if total < fixed || total > len(rest) {
			return fmt.Errorf("batch entry at byte %d: totalSize %d with %d bytes left", off, total, len(rest))
		}
		rec := rest[:total]
		bodyLen := int(int32(be.Uint32(rec[16:])))
		if bodyLen < 0 || bodyLen > total-fixed {
			return fmt.Errorf("batch entry at byte %d: bodyLen %d overruns totalSize %d", off, bodyLen, total)
		}
		propsAt := 20 + bodyLen + 2
		if propsAt+int(be.Uint16(rec[20+bodyLen:])) != total {
			return fmt.Errorf("batch entry at byte %d: lengths do not add up to totalSize %d", off, total)
		}
		if !fn(int32(be.Uint32(rec[12:])), rec[20:20+bodyLen], rec[propsAt:]) {
			return nil
		}
		off += total
	}
	return nil
}

// propertyValue finds key in a properties string with Java's lenient parsing: entries
// without a name or value are skipped and a later duplicate wins.
func propertyValue(props []byte, key string) (val []byte, found bool) {
	for len(props) > 0 {
		entry := props
		if i := bytes.IndexByte(props, message.PropertySeparator); i >= 0 {
			entry, props = props[:i], props[i+1:]
		} else {
			props = nil
		}
		j := bytes.IndexByte(entry, message.NameValueSeparator)
		if j > 0 && j < len(entry)-1 && string(entry[:j]) == key {
			val, found = entry[j+1:], true
		}
	}
	return val, found
}

func tagsCodeOf(props []byte) int64 {
	if tags, ok := propertyValue(props, message.PropertyTags); ok {
		return message.TagsHashCode(string(tags))
	}
	return 0
}

func delayLevelOf(props []byte) int {
	v, ok := propertyValue(props, message.PropertyDelayTimeLevel)
	if !ok || len(v) == 0 {
		return 0 // the common case; Atoi("") would allocate an error for every message
	}
	n, _ := strconv.Atoi(string(v))
	return n
}

var recordBatchPool = sync.Pool{New: func() any { return new(recordBatch) }}

func putRecordBatch(rb *recordBatch) {
	if cap(rb.buf) > 8<<20 {
		return // let an unusually large buffer go
	}
	rb.reset()
	recordBatchPool.Put(rb)
}
