package devbroker

import "github.com/rocketmq-go/librocketmq/core/remoting"

// STUB: replaced by GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP, GET_EARLIEST_MSG_STORETIME.

func (b *Broker) handleGetMaxOffset(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleGetMinOffset(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleSearchOffset(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleGetEarliestMsgStoreTime(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
