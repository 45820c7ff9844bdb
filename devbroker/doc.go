// Package devbroker is a RocketMQ 4.x name server and broker in one Go process, for tests,
// demos and development where no Java broker can run.
//
// It speaks the real remoting protocol (core/remoting) and stores messages in the real
// commit-log record format (core/message), so clients cannot tell it from the real thing
// for the features it implements; Apache's Go client is run against it in interop/ to keep
// it honest. Messages are kept in memory.
//
// Each request family has a file of its own: nameserver.go (routes), send.go, pull.go,
// offsets.go, clients.go (heartbeats, membership), locks.go. The store (commit log and
// consume queues) is store.go; topics.go keeps topic configuration.
package devbroker
