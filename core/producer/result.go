package producer

import (
	"errors"
	"fmt"
	"strconv"

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

// parseSendResponse turns a SEND_MESSAGE answer into a result. Only the four storing codes
// are results; anything else is the broker's *remoting.Error.
func parseSendResponse(resp *remoting.Command, topic, brokerName, msgID string) (*SendResult, error) {
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
	ext := resp.ExtFields
	queueID, err1 := strconv.Atoi(ext["queueId"])
	offset, err2 := strconv.ParseInt(ext["queueOffset"], 10, 64)
	if err1 != nil || err2 != nil {
		// Java fails these @CFNotNull fields the same way; the message may well be stored,
		// so this is not retried.
		return nil, fmt.Errorf("%w from broker %s: queueId %q, queueOffset %q",
			errMalformedResponse, brokerName, ext["queueId"], ext["queueOffset"])
	}
	region := ext[message.PropertyMsgRegion]
	if region == "" {
		region = defaultRegion
	}
	return &SendResult{
		Status:        status,
		MsgID:         msgID,
		OffsetMsgID:   ext["msgId"],
		Queue:         route.MessageQueue{Topic: topic, BrokerName: brokerName, QueueID: queueID},
		QueueOffset:   offset,
		TransactionID: ext["transactionId"],
		RegionID:      region,
		TraceOn:       ext[message.PropertyTraceSwitch] != "false",
	}, nil
}
