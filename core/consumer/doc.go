// Package consumer receives messages: PushConsumer (the C API's CPushConsumer) and
// PullConsumer (CPullConsumer), and what they are built from: how a group splits queues
// (allocation), what has been pulled but not yet consumed (process queues), and where
// consumption progress is kept (offset stores).
//
// A PushConsumer owns a client id and, in a clustering group, its share of each subscribed
// topic's queues by upstream's average allocation, recomputed at Start, every
// RebalanceInterval and whenever a broker reports a membership change. It also subscribes
// the group's %RETRY% topic. Each owned queue has one pull loop (a goroutine) that long-polls
// its broker and adds what it finds to the queue's ProcessQueue; the listener runs on a pool
// of ThreadCount workers. The path of a message:
//
//	rebalance → pull loop → ProcessQueue → worker pool → listener → commit → offset store
//
// Guarantees, stricter than upstream's in places:
//   - An offset is committed only past messages that are finished: consumed successfully,
//     or accepted back by the broker for a retry. A listener that is slow on one message
//     holds the committed offset there, however far the others get.
//   - A message that neither succeeded nor could be sent back is consumed here again after
//     a pause; it is never skipped.
//   - A queue given up in a rebalance commits nothing after its last persist, so it cannot
//     overwrite its next owner's progress. Offsets are persisted every PersistInterval and
//     at Shutdown; messages in flight at that moment are delivered again (at least once).
//   - Pulls pause while a queue holds MaxCachedMessagesPerQueue messages or
//     MaxCachedMiBPerQueue MiB; no message is dropped to make room.
//   - Orderly consumption gives each queue's messages one at a time in queue order, only
//     while this client holds the queue's broker lock (clustering); a message the listener
//     wants again is retried in place.
//   - Shutdown stops every goroutine it started; only a listener call that outlives
//     ShutdownTimeout keeps its worker.
package consumer
