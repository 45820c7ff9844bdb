package devbroker

// Delay levels: a message with a DELAY property waits in SCHEDULE_TOPIC_XXXX and is then
// delivered to its real topic and queue.
//
// Behaviour, as the 4.9.x broker (CommitLog.asyncPutMessage, ScheduleMessageService):
//   - A message whose transaction type is NOT or COMMIT and whose DELAY is above 0 is
//     stored in SCHEDULE_TOPIC_XXXX, queue level-1, with REAL_TOPIC and REAL_QID set to its
//     topic and queue; a level past the end of the table is the last level (DELAY is
//     rewritten). That covers sends, CONSUMER_SEND_MSG_BACK's retries and committed
//     transactional messages. A send is answered as any other: the schedule record's
//     msgId and queue offset, the queue id asked for.
//   - A message is due at its store time plus its level's delay (Config.DelayLevels, by
//     default 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h). One due later
//     than now plus its delay (the clock went back) is due now. Each level is delivered in
//     order, as Java's per-level offsets are.
//   - Delivery stores a new record in REAL_TOPIC/REAL_QID with the body, flag, sysFlag, born
//     time and host, store host and reconsume times of the schedule record, and wakes held
//     pulls. Its properties are the schedule record's as stored: Java encodes them before
//     it drops DELAY from its map, so a delivered message still carries DELAY, REAL_TOPIC
//     and REAL_QID. A message whose real topic is the half topic is dropped, as in Java.
//   - One goroutine delivers every level. It sleeps on a timer set for the earliest due
//     message, is woken by each new schedule record, and stops with Close.
//
// Simplified:
//   - The schedule queues are the store's own consume queues, read by offset: nothing is
//     kept per waiting message. A record the store evicts before it is due is skipped.
//   - With a data dir the delivery offsets are saved with the other JSON state
//     (persist.go); after an abrupt stop, deliveries since the last save are repeated.

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// DefaultDelayLevels is the real broker's messageDelayLevel.
var DefaultDelayLevels = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute,
	6 * time.Minute, 7 * time.Minute, 8 * time.Minute, 9 * time.Minute, 10 * time.Minute,
	20 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
}

// deliverBatch bounds the records one store append delivers.
const deliverBatch = 256

type scheduler struct {
	b      *Broker
	delays []time.Duration
	wakeCh chan struct{}
	next   []int64 // per level, the schedule-queue offset to deliver next (run's own)
	rb     recordBatch

	progMu sync.Mutex
	prog   []int64 // a copy of next as of the last deliverDue, for persistence
}

// saveProgress publishes next for progress; only run (or start-up) calls it.
func (sc *scheduler) saveProgress() {
	sc.progMu.Lock()
	sc.prog = append(sc.prog[:0], sc.next...)
	sc.progMu.Unlock()
}

func (sc *scheduler) progress() []int64 {
	sc.progMu.Lock()
	defer sc.progMu.Unlock()
	return slices.Clone(sc.prog)
}

func newScheduler(b *Broker) *scheduler {
	return &scheduler{
		b:      b,
		delays: b.cfg.DelayLevels,
		wakeCh: make(chan struct{}, 1),
		next:   make([]int64, len(b.cfg.DelayLevels)),
	}
}

func (sc *scheduler) start() {
	sc.b.ensureTopic(message.ScheduleTopic, len(sc.delays))
	sc.b.wg.Add(1)
	go sc.run()
}

// wake makes the scheduler look at its queues again, without blocking.
func (sc *scheduler) wake() {
	select {
	case sc.wakeCh <- struct{}{}:
	default:
	}
}

func (sc *scheduler) run() {
	defer sc.b.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if wait, ok := sc.deliverDue(); ok {
			timer.Reset(wait)
		} else {
			timer.Stop()
		}
		select {
		case <-sc.b.stop:
			return
		case <-sc.wakeCh:
		case <-timer.C:
		}
	}
}

// deliverDue delivers every due message and reports how long until the next one is due
// (ok=false when none is waiting).
func (sc *scheduler) deliverDue() (wait time.Duration, ok bool) {
	earliest := int64(-1)
	for lvl, delay := range sc.delays {
		delayMs := delay.Milliseconds()
		for {
			e, lo, _, found := sc.b.store.queueEntry(message.ScheduleTopic, int32(lvl), sc.next[lvl])
			if !found {
				if sc.next[lvl] < lo {
					sc.b.log.Warn("delayed messages evicted before their time", "level", lvl+1, "skipped", lo-sc.next[lvl])
					sc.next[lvl] = lo
					continue
				}
				break
			}
			now := time.Now().UnixMilli()
			due := e.storeTS + delayMs
			if due > now+delayMs {
				due = now
			}
			if due > now {
				if earliest < 0 || due < earliest {
					earliest = due
				}
				break
			}
			sc.deliver(e.phy)
			sc.next[lvl]++
			if len(sc.rb.recs) >= deliverBatch {
				sc.flush()
			}
		}
	}
	sc.flush()
	sc.saveProgress()
	if earliest < 0 {
		return 0, false
	}
	return time.Until(time.UnixMilli(earliest)), true
}

// deliver adds the message of the schedule record at phy, back in its real topic and
// queue, to the batch the next flush stores.
func (sc *scheduler) deliver(phy int64) {
	old, props, err := sc.b.store.messageAt(phy)
	if err != nil {
		sc.b.log.Warn("delayed message unreadable, dropped", "phy", phy, "err", err)
		return
	}
	realTopic, _ := propertyValue(props, message.PropertyRealTopic)
	qidStr, _ := propertyValue(props, message.PropertyRealQueueID)
	qid, err := strconv.ParseInt(string(qidStr), 10, 32)
	switch {
	case len(realTopic) == 0 || err != nil || qid < 0:
		sc.b.log.Warn("delayed message without a real topic and queue, dropped", "phy", phy)
		return
	case string(realTopic) == message.TransactionHalfTopic || string(realTopic) == message.ScheduleTopic:
		sc.b.log.Warn("delayed message for a system topic, dropped", "phy", phy, "topic", string(realTopic))
		return
	}
	m := message.MessageExt{
		Message:        message.Message{Topic: string(realTopic), Flag: old.Flag, Body: old.Body},
		QueueID:        int32(qid),
		SysFlag:        old.SysFlag,
		BornTimestamp:  old.BornTimestamp,
		BornHost:       old.BornHost,
		StoreHost:      old.StoreHost,
		ReconsumeTimes: old.ReconsumeTimes,
	}
	sc.rb.addRaw(&m, props, tagsCodeOf(props))
}

func (sc *scheduler) flush() {
	if len(sc.rb.recs) == 0 {
		return
	}
	if _, err := sc.b.store.appendRecords(&sc.rb); err != nil {
		sc.b.log.Error("delivering delayed messages", "count", len(sc.rb.recs), "err", err)
	}
	sc.rb.reset()
}

// applyDelay moves a message with a DELAY level into the schedule topic, as the store does
// before it appends; m and its raw properties are rewritten in place of the originals.
func (b *Broker) applyDelay(m *message.MessageExt, props []byte) []byte {
	if t := message.TransactionValue(m.SysFlag); t != message.SysFlagTransactionNotType && t != message.SysFlagTransactionCommit {
		return props
	}
	level := delayLevelOf(props)
	if level <= 0 {
		return props
	}
	if n := len(b.cfg.DelayLevels); level > n {
		level = n
		props = editProperties(props, message.PropertyDelayTimeLevel, strconv.Itoa(n))
	}
	props = editProperties(props, message.PropertyRealTopic, m.Topic,
		message.PropertyRealQueueID, strconv.Itoa(int(m.QueueID)))
	m.Topic, m.QueueID = message.ScheduleTopic, int32(level-1)
	return props
}

// ensureTopic returns a topic the broker itself writes to (schedule, half, check-max, DLQ),
// creating it read-write with queues queues if missing, whatever auto-creation says.
func (b *Broker) ensureTopic(name string, queues int) topicConfig {
	t := b.topics
	if tc, ok := t.get(name); ok {
		return tc
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if tc, ok := t.topics[name]; ok {
		return tc
	}
	tc := topicConfig{Name: name, ReadQueueNums: queues, WriteQueueNums: queues, Perm: PermRead | PermWrite}
	t.topics[name] = tc
	b.log.Info("system topic created", "topic", name, "queues", queues)
	return tc
}

// editProperties returns props with each key of the key, value pairs set to its value:
// earlier entries of the key are dropped and the new one is appended. Other entries keep
// their bytes and order.
func editProperties(props []byte, kv ...string) []byte {
	out := make([]byte, 0, len(props)+32*len(kv))
	for len(props) > 0 {
		entry := props
		if i := bytes.IndexByte(props, message.PropertySeparator); i >= 0 {
			entry, props = props[:i], props[i+1:]
		} else {
			props = nil
		}
		if len(entry) == 0 || replaced(entry, kv) {
			continue
		}
		if len(out) > 0 {
			out = append(out, message.PropertySeparator)
		}
		out = append(out, entry...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if len(out) > 0 {
			out = append(out, message.PropertySeparator)
		}
		out = append(out, kv[i]...)
		out = append(out, message.NameValueSeparator)
		out = append(out, kv[i+1]...)
	}
	return out
}

// replaced reports whether a properties entry names one of the keys being set.
func replaced(entry []byte, kv []string) bool {
	j := bytes.IndexByte(entry, message.NameValueSeparator)
	if j < 0 {
		return false
	}
	for i := 0; i < len(kv); i += 2 {
		if string(entry[:j]) == kv[i] {
			return true
		}
	}
	return false
}
