package devbroker

import "github.com/rocketmq-go/librocketmq/core/remoting"

// STUB: replaced by the name server (routes, cluster info, topic list).

type nameServer struct{ b *Broker }

func newNameServer(b *Broker) *nameServer { return &nameServer{b: b} }

func (n *nameServer) getRouteInfo(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (n *nameServer) getClusterInfo(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (n *nameServer) getAllTopics(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
