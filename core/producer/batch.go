package producer

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// SendBatch sends msgs as one SEND_BATCH_MESSAGE and waits for them to be stored, with
// SendSync's retries. The messages must share their topic and WAIT setting; DELAY and
// %RETRY% topics are refused, as the broker refuses them. Each message is validated like a
// single one and gets its own UNIQ_KEY (when it has none); the result's MsgID is the ids
// joined by ",", in order. Batches are not compressed, like upstream's.
func (p *Producer) SendBatch(ctx context.Context, msgs []*message.Message) (*SendResult, error) {
	if err := p.begin(); err != nil {
		return nil, err
	}
	defer p.end()
	o, err := p.prepareBatch(msgs)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := p.sendSync(ctx, &o, p.cfg.RetryTimes, nil)
	p.tracePub(start, msgs, res, false)
	return res, err
}

// waitStoreMsgOK is Java's Message.isWaitStoreMsgOK: only an explicit "false" turns it off.
func waitStoreMsgOK(m *message.Message) bool {
	return m.Properties[message.PropertyWaitStoreMsgOK] != "false"
}

// batchEntryFixed counts totalSize, magic, bodyCRC, flag, bodyLen and propLen.
const batchEntryFixed = 4 + 4 + 4 + 4 + 4 + 2

func (p *Producer) prepareBatch(msgs []*message.Message) (outgoing, error) {
	if len(msgs) == 0 {
		return outgoing{}, illegal("the batch holds no message")
	}
	first := msgs[0]
	size := 0
	for i, m := range msgs {
		if err := p.checkMessage(m); err != nil {
			return outgoing{}, illegal("batch message %d: %w", i, err)
		}
		switch {
		case m.Topic != first.Topic:
			return outgoing{}, illegal("batch message %d: topic %s differs from the batch's %s", i, m.Topic, first.Topic)
		case message.IsRetryTopic(m.Topic):
			return outgoing{}, illegal("batch messages cannot be sent to the retry topic %s", m.Topic)
		case m.DelayTimeLevel() > 0:
			return outgoing{}, illegal("batch message %d: DELAY is not supported for batches", i)
		case waitStoreMsgOK(m) != waitStoreMsgOK(first):
			return outgoing{}, illegal("batch message %d: its WAIT setting differs from the batch's", i)
		}
		size += batchEntryFixed + len(m.Body) + 64
		for k, v := range m.Properties {
			size += len(k) + len(v) + 2
		}
	}

	ids := make([]string, len(msgs))
	body := make([]byte, 0, size)
	be := binary.BigEndian
	for i, m := range msgs {
		var over overrides
		ids[i] = m.Properties[message.PropertyUniqClientMessageIDKeyIndex]
		if ids[i] == "" {
			ids[i] = p.ids.Next()
			over.set(message.PropertyUniqClientMessageIDKeyIndex, ids[i])
		}
		start := len(body)
		body = be.AppendUint32(body, 0) // totalSize, patched below
		body = be.AppendUint32(body, 0) // magic: the broker writes its own
		body = be.AppendUint32(body, 0) // body CRC: the broker computes it
		body = be.AppendUint32(body, uint32(m.Flag))
		body = be.AppendUint32(body, uint32(len(m.Body)))
		body = append(body, m.Body...)
		lenAt := len(body)
		body = append(body, 0, 0)
		body = appendProps(body, m.Properties, over.slice())
		propLen := len(body) - lenAt - 2
		if propLen > maxPropertiesLen {
			return outgoing{}, illegal("batch message %d: the properties are %d bytes, more than %d", i, propLen, maxPropertiesLen)
		}
		be.PutUint16(body[lenAt:], uint16(propLen))
		be.PutUint32(body[start:], uint32(len(body)-start))
	}

	o := outgoing{
		topic: first.Topic,
		body:  body,
		born:  strconv.FormatInt(time.Now().UnixMilli(), 10),
		msgID: strings.Join(ids, ","),
		batch: true,
	}
	// The envelope carries the batch's own properties, which Java limits to WAIT.
	if v, ok := first.Properties[message.PropertyWaitStoreMsgOK]; ok && v != "" {
		o.props = message.PropertyWaitStoreMsgOK + string(message.NameValueSeparator) + v
	}
	return o, nil
}
