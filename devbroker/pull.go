package devbroker

import "github.com/rocketmq-go/librocketmq/core/remoting"

// STUB: replaced by PULL_MESSAGE with long polling.

type pullHolds struct{ b *Broker }

func newPullHolds(b *Broker) *pullHolds                { return &pullHolds{b: b} }
func (h *pullHolds) connectionClosed(c *remoting.Conn) {}
func (h *pullHolds) close()                            {}

func (b *Broker) handlePull(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
