package devbroker

// STUB: replaced by the store implementation (commit log + consume queues).

type store struct{ b *Broker }

func newStore(b *Broker) *store { return &store{b: b} }

// minOffset is the logical offset of the oldest message still kept in a queue.
func (s *store) minOffset(topic string, queueID int32) int64 { return 0 }

// maxOffset is the logical offset the next message of a queue will get.
func (s *store) maxOffset(topic string, queueID int32) int64 { return 0 }
