package devbroker

// Queue locks of orderly consumers: LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42).
//
// Behaviour, as the 4.9.x broker (RebalanceLockManager, AdminBrokerProcessor):
//   - Body {"consumerGroup","clientId","mqSet":[MessageQueue]}. LOCK answers
//     {"lockOKMQSet":[...]}, the queues the client now holds: free ones, ones it already
//     holds (the lock is renewed) and ones whose lock expired (LockExpiry, 60 s upstream).
//     A queue held by another client is left out.
//   - UNLOCK frees the queues the client holds and ignores the rest; it always succeeds.
//
// Differences:
//   - A client's locks are freed as soon as its connection closes or it leaves the group
//     (unregister, heartbeat expiry), not only after LockExpiry, so a test that stops one
//     orderly consumer sees another take over at once. The cost: a client whose connection
//     merely broke may, until its local 30 s lease runs out, still consume a queue that
//     another client has just locked.
//   - The answer lists the queues in request order (upstream: hash-set order).

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// messageQueueJSON is MessageQueue with its fields in fastjson's (alphabetical) order.
type messageQueueJSON struct {
	BrokerName string `json:"brokerName"`
	QueueID    int32  `json:"queueId"`
	Topic      string `json:"topic"`
}

type lockBatchJSON struct {
	ConsumerGroup string             `json:"consumerGroup"`
	ClientID      string             `json:"clientId"`
	MQSet         []messageQueueJSON `json:"mqSet"`
}

type lockKey struct {
	group string
	mq    messageQueueJSON
}

type lockEntry struct {
	clientID string
	conn     *remoting.Conn // the connection the lock was last taken or renewed on
	last     time.Time
}

type lockTable struct {
	b     *Broker
	mu    sync.Mutex
	locks map[lockKey]*lockEntry
}

func newLockTable(b *Broker) *lockTable {
	return &lockTable{b: b, locks: make(map[lockKey]*lockEntry)}
}

func (l *lockTable) expired(e *lockEntry, now time.Time) bool {
	return now.Sub(e.last) > l.b.cfg.LockExpiry
}

// tryLock grants the queues that are free, expired or already the client's.
func (l *lockTable) tryLock(group, clientID string, conn *remoting.Conn, mqs []messageQueueJSON, now time.Time) []messageQueueJSON {
	granted := make([]messageQueueJSON, 0, len(mqs))
	seen := make(map[messageQueueJSON]bool, len(mqs))
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, mq := range mqs {
		if seen[mq] {
			continue
		}
		seen[mq] = true
		k := lockKey{group, mq}
		e := l.locks[k]
		switch {
		case e == nil:
			l.locks[k] = &lockEntry{clientID: clientID, conn: conn, last: now}
		case e.clientID == clientID || l.expired(e, now):
			if e.clientID != clientID {
				l.b.log.Info("queue lock expired, taken over", "group", group, "queue", mq, "from", e.clientID, "to", clientID)
			}
			e.clientID, e.conn, e.last = clientID, conn, now
		default:
			continue
		}
		granted = append(granted, mq)
	}
	return granted
}

func (l *lockTable) unlock(group, clientID string, mqs []messageQueueJSON) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, mq := range mqs {
		k := lockKey{group, mq}
		if e := l.locks[k]; e != nil && e.clientID == clientID {
			delete(l.locks, k)
		}
	}
}

// releaseClient frees every lock the client holds in the group.
func (l *lockTable) releaseClient(group, clientID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, e := range l.locks {
		if k.group == group && e.clientID == clientID {
			delete(l.locks, k)
		}
	}
}

// connectionClosed frees the locks last taken on the connection.
func (l *lockTable) connectionClosed(conn *remoting.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, e := range l.locks {
		if e.conn == conn {
			delete(l.locks, k)
		}
	}
}

// expire forgets expired locks; tryLock already treats them as free, this only bounds memory.
func (l *lockTable) expire(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, e := range l.locks {
		if l.expired(e, now) {
			delete(l.locks, k)
		}
	}
}

func decodeLockBatch(req *remoting.Command) (lockBatchJSON, *remoting.Command) {
	var body lockBatchJSON
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return body, fail(remoting.SystemError, "bad lock batch body: %v", err)
	}
	return body, nil
}

func (b *Broker) handleLockBatch(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	body, bad := decodeLockBatch(req)
	if bad != nil {
		return bad
	}
	granted := b.locks.tryLock(body.ConsumerGroup, body.ClientID, conn, body.MQSet, time.Now())
	out, err := json.Marshal(struct {
		LockOKMQSet []messageQueueJSON `json:"lockOKMQSet"`
	}{granted})
	if err != nil {
		return fail(remoting.SystemError, "%v", err)
	}
	resp := ok()
	resp.Body = out
	return resp
}

func (b *Broker) handleUnlockBatch(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	body, bad := decodeLockBatch(req)
	if bad != nil {
		return bad
	}
	b.locks.unlock(body.ConsumerGroup, body.ClientID, body.MQSet)
	return ok()
}
