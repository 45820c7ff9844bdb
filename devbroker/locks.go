package devbroker

import (
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// STUB: replaced by LOCK_BATCH_MQ / UNLOCK_BATCH_MQ with lock expiry.

type lockTable struct{ b *Broker }

func newLockTable(b *Broker) *lockTable   { return &lockTable{b: b} }
func (l *lockTable) expire(now time.Time) {}

func (b *Broker) handleLockBatch(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
func (b *Broker) handleUnlockBatch(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	return fail(remoting.SystemError, "not implemented")
}
