// Package remoting is RocketMQ's 4.x TCP "remoting" protocol, shared by the client and the
// dev broker: frames with JSON or ROCKETMQ binary headers, request and response codes, and
// multiplexed connections on which either side may send requests, matched to responses by
// opaque.
//
// Nothing here knows what a topic or a message is; the layers above give meaning to codes,
// ext fields and bodies.
package remoting
