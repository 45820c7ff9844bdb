package devbroker

import (
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// STUB: replaced by HEART_BEAT, UNREGISTER_CLIENT, GET_CONSUMER_LIST_BY_GROUP, membership
// notifications and client expiry.

// subscription is a consumer group's subscription to one topic, from its heartbeats.
type subscription struct {
	Topic      string
	Expression string // subString as the client sent it
	Type       string // expressionType: "TAG" (default) or "SQL92"
	All        bool   // "*" or empty: every message
	Tags       []string
	Codes      []int32 // hash codes of Tags (codeSet)
	Version    int64
}

type clientTable struct{ b *Broker }

func newClientTable(b *Broker) *clientTable { return &clientTable{b: b} }

// subscription returns the group's subscription to topic, from its members' heartbeats.
func (c *clientTable) subscription(group, topic string) (subscription, bool) {
	return subscription{}, false
}

// isBroadcasting reports whether the group consumes in broadcasting mode (offsets are then
// not kept by the broker).
func (c *clientTable) isBroadcasting(group string) bool { return false }

func (c *clientTable) expire(now time.Time)                 {}
func (c *clientTable) connectionClosed(conn *remoting.Conn) {}

func (b *Broker) handleHeartbeat(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleUnregisterClient(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleGetConsumerList(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
