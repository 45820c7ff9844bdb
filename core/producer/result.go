package producer

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// SendStatus is how the broker stored a message. The values are those of the C API's
// CSendStatus.
type SendStatus int

const (
	SendOK            SendStatus = 0
	FlushDiskTimeout  SendStatus = 1
	FlushSlaveTimeout SendStatus = 2
	SlaveNotAvailable SendStatus = 3
)

func (s SendStatus) String() string {
	switch s {
	case SendOK:
		return "SEND_OK"
	case FlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case FlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case SlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	}
	return "SendStatus(" + strconv.Itoa(int(s)) + ")"
}

// SendResult is the broker's answer to a stored message.
type SendResult struct {
	Status SendStatus
	// MsgID is the client message id (UNIQ_KEY); for a batch, the ids joined by ",".
	MsgID string
	// OffsetMsgID is the broker's id of the stored record (store host and commit-log
	// offset); for a batch, the ids joined by ",".
	OffsetMsgID string
	Queue       route.MessageQueue
	// QueueOffset is the message's offset in its queue (a batch's first message's).
	QueueOffset int64
	// TransactionID is the broker's transaction id, or for a transactional send the
	// message's UNIQ_KEY, as Java's TransactionSendResult has it.
	TransactionID string
	RegionID      string
	TraceOn       bool
}

func (r *SendResult) String() string {
	return fmt.Sprintf("SendResult [sendStatus=%s, msgId=%s, offsetMsgId=%s, messageQueue=%s, queueOffset=%d]",
		r.Status, r.MsgID, r.OffsetMsgID, r.Queue, r.QueueOffset)
}

// errMalformedResponse is a SUCCESS answer without the header fields of one.
var errMalformedResponse = errors.New("rocketmq: malformed send response")

// defaultRegion is what Java reports when a broker sends no region.
const defaultRegion = "DefaultRegion"

// resultBox is a SendResult with room for the texts the broker sends with it, so that a
// result and its strings are one allocation: OffsetMsgID (32 hex digits from an IPv4
// broker, 56 from an IPv6 one) and, when they are not the usual ones, the region and the
// transaction id. The strings point into text, which is never written again once they do.
type resultBox struct {
	SendResult
	text [96]byte
	used int
}

// keep returns v as a string in the box's text, or a string of its own when it does not fit.
func (b *resultBox) keep(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if len(v) > len(b.text)-b.used {
		return string(v)
	}
	at := b.used
	b.used += copy(b.text[at:], v)
	return unsafe.String(&b.text[at], len(v))
}

// parseSendResponse turns a SEND_MESSAGE answer into a result, reading only the fields a
// result has. Only the four storing codes are results; anything else is the broker's
// *remoting.Error.
func parseSendResponse(resp *remoting.Response, topic, brokerName, msgID string) (*SendResult, error) {
	var status SendStatus
	switch resp.Code {
	case remoting.Success:
		status = SendOK
	case remoting.FlushDiskTimeout:
		status = FlushDiskTimeout
	case remoting.FlushSlaveTimeout:
		status = FlushSlaveTimeout
	case remoting.SlaveNotAvailable:
		status = SlaveNotAvailable
	default:
		return nil, resp.AsError()
	}
	b := &resultBox{SendResult: SendResult{
		Status: status, MsgID: msgID, Queue: route.MessageQueue{Topic: topic, BrokerName: brokerName, QueueID: -1},
		QueueOffset: -1, RegionID: defaultRegion, TraceOn: true,
	}}
	r := &b.SendResult
	var queueID, offset []byte
	err := resp.EachExt(func(k, v []byte) {
		switch string(k) {
		case "msgId":
			r.OffsetMsgID = b.keep(v)
		case "queueId":
			queueID = v
		case "queueOffset":
			offset = v
		case "transactionId":
			r.TransactionID = b.keep(v)
		case message.PropertyMsgRegion:
			if len(v) > 0 && string(v) != defaultRegion {
				r.RegionID = b.keep(v)
			}
		case message.PropertyTraceSwitch:
			r.TraceOn = string(v) != "false"
		}
	})
	// string(...) does not allocate here: ParseInt keeps its argument only on failure, as
	// a copy.
	q, err1 := strconv.ParseInt(string(queueID), 10, 32)
	o, err2 := strconv.ParseInt(string(offset), 10, 64)
	if err != nil || err1 != nil || err2 != nil {
		// Java fails these @CFNotNull fields the same way; the message may well be stored,
		// so this is not retried.
		return nil, fmt.Errorf("%w from broker %s: queueId %q, queueOffset %q",
			errMalformedResponse, brokerName, queueID, offset)
	}
	r.Queue.QueueID, r.QueueOffset = int(q), o
	return r, nil
}
