package devbroker

import "github.com/rocketmq-go/librocketmq/core/remoting"

// STUB: replaced by SEND_MESSAGE / SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE.

func (b *Broker) handleSend(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
