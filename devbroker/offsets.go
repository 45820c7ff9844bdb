package devbroker

// Consumer offsets: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15).
//
// Behaviour, as the 4.9.x broker (ConsumerManageProcessor, ConsumerOffsetManager):
//   - Offsets are kept per (group, topic, queueId); a committed offset is the next one to
//     consume. UPDATE stores any value it is given and answers SUCCESS (clients usually send
//     it oneway, and then get no answer).
//   - QUERY answers the stored offset. A group with none gets SUCCESS with offset 0 while the
//     queue still holds its first message (min offset ≤ 0, which the real broker also
//     requires to be in memory — ours always is), and QUERY_NOT_FOUND (22) "Not found,
//     V3_0_6_SNAPSHOT maybe this group consumer boot first" otherwise. That is why a new
//     CONSUME_FROM_LAST_OFFSET group on a young topic starts from the first message.
//
// Simplifications: offsets live in memory, saved to the data dir if any (persist.go); a missing or malformed header field is a
// SYSTEM_ERROR (upstream fails later, on a null field, with the same code).

import (
	"strconv"
	"sync"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

type offsetKey struct {
	group, topic string
	queueID      int32
}

type offsetTable struct {
	b       *Broker
	mu      sync.RWMutex
	offsets map[offsetKey]int64
}

func newOffsetTable(b *Broker) *offsetTable {
	return &offsetTable{b: b, offsets: make(map[offsetKey]int64)}
}

// commit stores a group's next offset to consume for a queue.
func (o *offsetTable) commit(group, topic string, queueID int32, offset int64) {
	o.mu.Lock()
	o.offsets[offsetKey{group, topic, queueID}] = offset
	o.mu.Unlock()
}

// get returns a group's committed offset for a queue, or -1 when it has none.
func (o *offsetTable) get(group, topic string, queueID int32) int64 {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if v, ok := o.offsets[offsetKey{group, topic, queueID}]; ok {
		return v
	}
	return -1
}

// offsetHeader reads the consumerGroup, topic and queueId every offset request carries.
func offsetHeader(req *remoting.Command) (group, topic string, queueID int32, bad *remoting.Command) {
	for _, f := range []string{"consumerGroup", "topic", "queueId"} {
		if _, ok := req.ExtFields[f]; !ok {
			return "", "", 0, fail(remoting.SystemError, "the custom field <%s> is null", f)
		}
	}
	q, err := strconv.ParseInt(req.Ext("queueId"), 10, 32)
	if err != nil {
		return "", "", 0, fail(remoting.SystemError, "the custom field <queueId> is not an int: %q", req.Ext("queueId"))
	}
	return req.Ext("consumerGroup"), req.Ext("topic"), int32(q), nil
}

func (b *Broker) handleQueryConsumerOffset(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, topic, queueID, bad := offsetHeader(req)
	if bad != nil {
		return bad
	}
	offset := b.offsets.get(group, topic, queueID)
	if offset < 0 {
		if b.store.minOffset(topic, queueID) > 0 {
			return fail(remoting.QueryNotFound, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first")
		}
		offset = 0
	}
	resp := ok()
	resp.SetExt("offset", strconv.FormatInt(offset, 10))
	return resp
}

func (b *Broker) handleUpdateConsumerOffset(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	group, topic, queueID, bad := offsetHeader(req)
	if bad != nil {
		return bad
	}
	offset, err := strconv.ParseInt(req.Ext("commitOffset"), 10, 64)
	if err != nil {
		return fail(remoting.SystemError, "the custom field <commitOffset> is not a long: %q", req.Ext("commitOffset"))
	}
	b.offsets.commit(group, topic, queueID, offset)
	return ok()
}
