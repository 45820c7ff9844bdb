// Package client is what a producer or consumer shares with the brokers: one client id,
// the remoting connections, topic routes from the name server (cached and refreshed),
// heartbeats that tell brokers which groups this client serves, and the requests brokers
// send back (transaction checks, membership changes, running info).
//
// Each producer and consumer object owns a Client of its own rather than sharing a
// process-wide one: a shared, global client map was the source of cross-talk and restart
// bugs in rocketmq-client-go. Two objects may still present the same client id (the
// default instance name is "DEFAULT", as upstream); only the same group under the same
// client id is refused, as the C++ client refuses it.
package client
