package devbroker

// GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29) and
// GET_EARLIEST_MSG_STORETIME (32): a queue's offsets and times, from the store.
//
// Behaviour (Java 4.9):
//   - ext topic and queueId are required (SYSTEM_ERROR "the custom field <x> is null");
//     timestamp too for a search. Neither the topic nor the queue id is checked: an
//     unknown queue has min and max offset 0.
//   - GET_MAX_OFFSET answers ext offset = the offset the next message will get.
//   - GET_MIN_OFFSET answers ext offset = the oldest offset still kept.
//   - SEARCH_OFFSET_BY_TIMESTAMP answers ext offset (rules at store.searchOffset).
//   - GET_EARLIEST_MSG_STORETIME answers ext timestamp, -1 for an empty queue.

import (
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// queueFields reads the topic and queueId every request here carries.
func queueFields(f *headerFields) (string, int32) {
	return f.str("topic", true), f.i32("queueId", true)
}

func offsetAnswer(f *headerFields, key string, value func() int64) *remoting.Command {
	if bad := f.failure(); bad != nil {
		return bad
	}
	resp := ok()
	resp.SetExt(key, strconv.FormatInt(value(), 10))
	return resp
}

func (b *Broker) handleGetMaxOffset(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	topic, queueID := queueFields(&f)
	return offsetAnswer(&f, "offset", func() int64 { return b.store.maxOffset(topic, queueID) })
}

func (b *Broker) handleGetMinOffset(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	topic, queueID := queueFields(&f)
	return offsetAnswer(&f, "offset", func() int64 { return b.store.minOffset(topic, queueID) })
}

func (b *Broker) handleSearchOffset(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	topic, queueID := queueFields(&f)
	ts := f.i64("timestamp", true)
	return offsetAnswer(&f, "offset", func() int64 { return b.store.searchOffset(topic, queueID, ts) })
}

func (b *Broker) handleGetEarliestMsgStoreTime(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	topic, queueID := queueFields(&f)
	return offsetAnswer(&f, "timestamp", func() int64 { return b.store.earliestStoreTime(topic, queueID) })
}
