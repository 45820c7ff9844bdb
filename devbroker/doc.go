// Package devbroker is a RocketMQ 4.x name server and broker in one Go process, for tests,
// demos and development where no Java broker can run.
//
// It speaks the real remoting protocol (core/remoting) and stores messages in the real
// commit-log record format (core/message), so clients cannot tell it from the real thing
// for the features it implements; Apache's Go client is run against it in interop/ to keep
// it honest. Messages are kept in memory, and with Config.DataDir also on disk so that they
// survive a restart (persist.go).
//
// Each request family has a file of its own: nameserver.go (routes), send.go, pull.go,
// offsets.go, clients.go (heartbeats, membership), locks.go, sendback.go (retry and
// dead-letter queues), transaction.go (half messages, END_TRANSACTION and the checks),
// query.go (QUERY_MESSAGE, VIEW_MESSAGE_BY_ID). The store (commit log, consume queues and
// key index) is store.go; schedule.go delivers delayed messages; topics.go keeps topic
// configuration.
package devbroker
