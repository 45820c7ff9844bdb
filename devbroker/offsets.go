package devbroker

import "github.com/rocketmq-go/librocketmq/core/remoting"

// STUB: replaced by consumer offsets: QUERY_CONSUMER_OFFSET, UPDATE_CONSUMER_OFFSET.

type offsetTable struct{ b *Broker }

func newOffsetTable(b *Broker) *offsetTable { return &offsetTable{b: b} }

// commit stores a group's next offset to consume for a queue.
func (o *offsetTable) commit(group, topic string, queueID int32, offset int64) {}

// get returns a group's committed offset for a queue, or -1 when it has none.
func (o *offsetTable) get(group, topic string, queueID int32) int64 { return -1 }

func (b *Broker) handleQueryConsumerOffset(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleUpdateConsumerOffset(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
