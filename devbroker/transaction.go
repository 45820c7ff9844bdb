package devbroker

// Transactional messages: half messages, END_TRANSACTION (37) and the broker's
// CHECK_TRANSACTION_STATE (39) to producers.
//
// Behaviour, as the 4.9.x broker (TransactionalMessageBridge, EndTransactionProcessor,
// TransactionalMessageServiceImpl.check, DefaultTransactionalMessageCheckListener):
//   - A send whose TRAN_MSG property is "true" stores a half message: topic
//     RMQ_SYS_TRANS_HALF_TOPIC queue 0 (created with 1 queue on first use), REAL_TOPIC and
//     REAL_QID set, transaction type reset to NOT. Consumers of the real topic cannot see
//     it. The answer is a normal send answer: the half record's msgId and queue offset, the
//     queue id asked for. A half message is never delayed; its DELAY applies on commit.
//   - END_TRANSACTION (ext producerGroup, tranStateTableOffset, commitLogOffset,
//     commitOrRollback, fromTransactionCheck, msgId, transactionId) with 0 (unknown) leaves
//     the message pending and gets no answer. COMMIT (8) and ROLLBACK (12) are checked as
//     Java checks them: SYSTEM_ERROR "Find prepared transaction message failed", "The
//     producer group wrong" (against PGROUP), "The transaction state table offset wrong".
//     Commit stores the message in REAL_TOPIC/REAL_QID with the half's body, flag, born
//     time and host, store host, reconsume times and properties as stored (so TRAN_MSG,
//     PGROUP, REAL_TOPIC and REAL_QID stay, as in Java), transaction type COMMIT and
//     preparedTransactionOffset = the half's commit-log offset; a DELAY sends it through
//     the schedule topic. Rollback discards it. Anything else is SYSTEM_ERROR
//     "commitOrRollback field wrong".
//   - A half message still pending Config.TransactionTimeout (6 s) after it was born —
//     CHECK_IMMUNITY_TIME_IN_SECONDS if longer — is checked: CHECK_TRANSACTION_STATE, oneway,
//     to a live producer of its group (PGROUP) with ext tranStateTableOffset,
//     commitLogOffset, msgId and transactionId (its UNIQ_KEY), offsetMsgId, and as body
//     the half record in its real topic and queue with TRANSACTION_CHECK_TIMES and
//     TRAN_PREPARED_QUEUE_OFFSET added. The producer answers with END_TRANSACTION,
//     fromTransactionCheck=true. A check with no live producer still counts.
//   - Then it is checked every Config.TransactionCheckInterval (60 s) until it has been
//     checked Config.TransactionCheckMax (15) times; at the next turn it is moved to
//     TRANS_CHECK_MAX_TIME_TOPIC (1 queue, created on demand) and forgotten.
//   - One goroutine checks, sleeping until the earliest due half message; Close stops it.
//
// Simplified and different:
//   - Pending half messages are a table in memory, not Java's half and op queues. Java
//     appends a fresh copy of the half message for every check (so each check carries new
//     offsets) and checks whatever is due each time its checker runs; here the one record
//     stays, each message keeps its own timer, and the offsets of the send are the ones
//     END_TRANSACTION names.
//   - A message already committed or rolled back is not pending, so a second
//     END_TRANSACTION for it is SYSTEM_ERROR "Find prepared transaction message failed";
//     Java looks only at the commit log and would store a committed message twice.
//   - A half message without PGROUP belongs to the send's producerGroup (Java fails it).
//   - The half record evicted from the store ends its transaction silently.
//   - With a data dir, ending a half message also appends Java's op record; a restart makes
//     the half messages without one pending again (persist.go).

import (
	"container/heap"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// checkWriteTimeout bounds one CHECK_TRANSACTION_STATE write.
const checkWriteTimeout = 3 * time.Second

// halfMsg is a pending half message.
type halfMsg struct {
	phy         int64 // commit-log offset of the half record
	queueOffset int64 // its offset in the half topic: END_TRANSACTION's tranStateTableOffset
	group       string
	due         int64 // unix ms of its next check
	checks      int   // checks sent so far; the checker's own
	idx         int   // position in txTable.due; -1 while out of it
}

type halfHeap []*halfMsg

func (h halfHeap) Len() int           { return len(h) }
func (h halfHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h halfHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *halfHeap) Push(x any) {
	m := x.(*halfMsg)
	m.idx = len(*h)
	*h = append(*h, m)
}
func (h *halfHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	m.idx = -1
	return m
}

type txTable struct {
	b      *Broker
	wakeCh chan struct{}

	mu      sync.Mutex
	pending map[int64]*halfMsg // by phy
	due     halfHeap
}

func newTxTable(b *Broker) *txTable {
	return &txTable{b: b, wakeCh: make(chan struct{}, 1), pending: make(map[int64]*halfMsg)}
}

func (tx *txTable) start() {
	tx.b.wg.Add(1)
	go tx.run()
}

func (tx *txTable) wake() {
	select {
	case tx.wakeCh <- struct{}{}:
	default:
	}
}

// count is the number of pending half messages.
func (tx *txTable) count() int {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return len(tx.pending)
}

func isPrepared(props []byte) bool {
	v, _ := propertyValue(props, message.PropertyTransactionPrepared)
	return strings.EqualFold(string(v), "true")
}

// toHalf turns a prepared message into its half message.
func (b *Broker) toHalf(m *message.MessageExt, props []byte) []byte {
	props = editProperties(props, message.PropertyRealTopic, m.Topic,
		message.PropertyRealQueueID, strconv.Itoa(int(m.QueueID)))
	m.SysFlag = message.ResetTransactionValue(m.SysFlag, message.SysFlagTransactionNotType)
	b.ensureTopic(message.TransactionHalfTopic, 1)
	m.Topic, m.QueueID = message.TransactionHalfTopic, 0
	return props
}

// track registers a stored half message.
func (tx *txTable) track(res appendResult, m *message.MessageExt, props []byte, producerGroup string) {
	group := producerGroup
	if g, ok := propertyValue(props, message.PropertyProducerGroup); ok {
		group = string(g)
	}
	immunity := tx.b.cfg.TransactionTimeout
	if v, ok := propertyValue(props, message.PropertyCheckImmunityTimeInSeconds); ok {
		if sec, err := strconv.ParseInt(string(v), 10, 64); err == nil && time.Duration(sec)*time.Second > immunity {
			immunity = time.Duration(sec) * time.Second
		}
	}
	born := min(m.BornTimestamp, res.StoreTimestamp)
	h := &halfMsg{phy: res.PhyOffset, queueOffset: res.QueueOffset, group: group, due: born + immunity.Milliseconds()}
	tx.mu.Lock()
	tx.pending[h.phy] = h
	heap.Push(&tx.due, h)
	tx.mu.Unlock()
	tx.wake()
}

// claim takes a pending half message out of the table for END_TRANSACTION, after Java's
// checks; on failure the answer is returned instead.
func (tx *txTable) claim(phy int64, group string, tranStateTableOffset int64) (*halfMsg, *remoting.Command) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	h := tx.pending[phy]
	switch {
	case h == nil:
		return nil, fail(remoting.SystemError, "Find prepared transaction message failed")
	case h.group != group:
		return nil, fail(remoting.SystemError, "The producer group wrong")
	case h.queueOffset != tranStateTableOffset:
		return nil, fail(remoting.SystemError, "The transaction state table offset wrong")
	}
	tx.removeLocked(h)
	return h, nil
}

// restore puts back a half message whose commit could not be stored.
func (tx *txTable) restore(h *halfMsg) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if _, ok := tx.pending[h.phy]; !ok {
		tx.pending[h.phy] = h
		heap.Push(&tx.due, h)
	}
}

func (tx *txTable) removeLocked(h *halfMsg) {
	delete(tx.pending, h.phy)
	if h.idx >= 0 {
		heap.Remove(&tx.due, h.idx)
	}
}

func (b *Broker) handleEndTransaction(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	group := f.str("producerGroup", true)
	tranOffset := f.i64("tranStateTableOffset", true)
	phy := f.i64("commitLogOffset", true)
	typ := f.i32("commitOrRollback", true)
	fromCheck := f.boolean("fromTransactionCheck")
	msgID := f.str("msgId", true)
	if bad := f.failure(); bad != nil {
		return bad
	}
	switch typ {
	case message.SysFlagTransactionNotType:
		b.log.Debug("transaction state unknown, still pending", "group", group, "msgId", msgID,
			"fromCheck", fromCheck, "producer", conn.RemoteAddr(), "remark", req.Remark)
		return nil
	case message.SysFlagTransactionCommit, message.SysFlagTransactionRollback:
	default:
		return fail(remoting.SystemError, "commitOrRollback field wrong")
	}
	h, bad := b.tx.claim(phy, group, tranOffset)
	if bad != nil {
		return bad
	}
	if typ == message.SysFlagTransactionRollback {
		b.persist.endHalf(h)
		b.log.Debug("transaction rolled back", "group", group, "msgId", msgID, "fromCheck", fromCheck)
		return ok()
	}
	half, props, err := b.store.messageAt(phy)
	if err != nil {
		return fail(remoting.SystemError, "Find prepared transaction message failed")
	}
	realTopic, _ := propertyValue(props, message.PropertyRealTopic)
	qid, err := strconv.ParseInt(string(propertyOr(props, message.PropertyRealQueueID)), 10, 32)
	if len(realTopic) == 0 || err != nil {
		return fail(remoting.SystemError, "the half message has no real topic and queue")
	}
	m := message.MessageExt{
		Message:                   message.Message{Topic: string(realTopic), Flag: half.Flag, Body: half.Body},
		QueueID:                   int32(qid),
		SysFlag:                   message.ResetTransactionValue(half.SysFlag, message.SysFlagTransactionCommit),
		BornTimestamp:             half.BornTimestamp,
		BornHost:                  half.BornHost,
		StoreHost:                 half.StoreHost,
		ReconsumeTimes:            half.ReconsumeTimes,
		PreparedTransactionOffset: phy,
	}
	props = b.applyDelay(&m, props)
	if _, err := b.storeOne(&m, props); err != nil {
		b.tx.restore(h)
		return fail(remoting.SystemError, "%v", err)
	}
	b.persist.endHalf(h)
	b.log.Debug("transaction committed", "group", group, "msgId", msgID, "topic", m.Topic, "fromCheck", fromCheck)
	return ok()
}

func propertyOr(props []byte, key string) []byte {
	v, _ := propertyValue(props, key)
	return v
}

func (tx *txTable) run() {
	defer tx.b.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if wait, ok := tx.checkDue(); ok {
			timer.Reset(wait)
		} else {
			timer.Stop()
		}
		select {
		case <-tx.b.stop:
			return
		case <-tx.wakeCh:
		case <-timer.C:
		}
	}
}

// checkDue checks (or discards) the half messages that are due and reports how long until
// the next one is (ok=false when none is pending).
func (tx *txTable) checkDue() (wait time.Duration, ok bool) {
	const batch = 256
	now := time.Now().UnixMilli()
	tx.mu.Lock()
	var due []*halfMsg
	for len(tx.due) > 0 && tx.due[0].due <= now && len(due) < batch {
		due = append(due, heap.Pop(&tx.due).(*halfMsg))
	}
	tx.mu.Unlock()

	for _, h := range due {
		tx.checkOne(h)
	}

	next := now + tx.b.cfg.TransactionCheckInterval.Milliseconds()
	tx.mu.Lock()
	defer tx.mu.Unlock()
	for _, h := range due {
		// An END_TRANSACTION may have claimed it meanwhile.
		if tx.pending[h.phy] == h && h.idx < 0 {
			h.due = next
			heap.Push(&tx.due, h)
		}
	}
	switch {
	case len(due) == batch:
		return 0, true
	case len(tx.due) == 0:
		return 0, false
	}
	return time.Until(time.UnixMilli(tx.due[0].due)), true
}

// checkOne sends a due half message's check, or discards it after its last one.
func (tx *txTable) checkOne(h *halfMsg) {
	b := tx.b
	half, props, err := b.store.messageAt(h.phy)
	if err != nil {
		b.log.Warn("half message gone from the store, transaction dropped", "phy", h.phy, "err", err)
		tx.forget(h)
		return
	}
	if h.checks >= b.cfg.TransactionCheckMax {
		if tx.forget(h) {
			tx.discard(h, half, props)
		}
		return
	}
	h.checks++
	props = editProperties(props, message.PropertyTransactionCheckTimes, strconv.Itoa(h.checks),
		message.PropertyTransactionPreparedQueueOffset, strconv.FormatInt(h.queueOffset, 10))
	realTopic, _ := propertyValue(props, message.PropertyRealTopic)
	qid, _ := strconv.ParseInt(string(propertyOr(props, message.PropertyRealQueueID)), 10, 32)
	uniq := string(propertyOr(props, message.PropertyUniqClientMessageIDKeyIndex))

	conn, ok := b.clients.producerConn(h.group)
	if !ok {
		b.log.Warn("no live producer to check a transaction with", "group", h.group, "msgId", uniq, "check", h.checks)
		return
	}
	// The body is the half message as the producer sent it: real topic and queue.
	m := message.MessageExt{
		Message:                   message.Message{Topic: string(realTopic), Flag: half.Flag, Body: half.Body},
		QueueID:                   int32(qid),
		QueueOffset:               half.QueueOffset,
		CommitLogOffset:           half.CommitLogOffset,
		SysFlag:                   half.SysFlag,
		BornTimestamp:             half.BornTimestamp,
		BornHost:                  half.BornHost,
		StoreTimestamp:            half.StoreTimestamp,
		StoreHost:                 half.StoreHost,
		ReconsumeTimes:            half.ReconsumeTimes,
		PreparedTransactionOffset: half.PreparedTransactionOffset,
	}
	var rb recordBatch
	rb.addRaw(&m, props, 0)
	ext := map[string]string{
		"tranStateTableOffset": strconv.FormatInt(h.queueOffset, 10),
		"commitLogOffset":      strconv.FormatInt(h.phy, 10),
		"offsetMsgId":          half.MsgID,
	}
	if uniq != "" {
		ext["msgId"], ext["transactionId"] = uniq, uniq
	}
	req := remoting.NewRequest(remoting.CheckTransactionState, ext, rb.buf)
	req.Language = remoting.Java
	if err := conn.InvokeOneway(req, checkWriteTimeout); err != nil {
		b.log.Warn("check transaction state", "group", h.group, "producer", conn.RemoteAddr(), "err", err)
		return
	}
	b.log.Debug("transaction state checked", "group", h.group, "msgId", uniq, "check", h.checks)
}

// forget drops a half message the checker holds, unless END_TRANSACTION got it first.
func (tx *txTable) forget(h *halfMsg) bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.pending[h.phy] != h {
		return false
	}
	tx.removeLocked(h)
	return true
}

// discard moves a half message checked too often to TRANS_CHECK_MAX_TIME_TOPIC.
func (tx *txTable) discard(h *halfMsg, half *message.MessageExt, props []byte) {
	b := tx.b
	b.ensureTopic(message.TransactionCheckMaxTimeTopic, 1)
	props = editProperties(props, message.PropertyTransactionCheckTimes, strconv.Itoa(h.checks),
		message.PropertyTransactionPreparedQueueOffset, strconv.FormatInt(h.queueOffset, 10))
	m := message.MessageExt{
		Message:        message.Message{Topic: message.TransactionCheckMaxTimeTopic, Flag: half.Flag, Body: half.Body},
		SysFlag:        half.SysFlag,
		BornTimestamp:  half.BornTimestamp,
		BornHost:       half.BornHost,
		StoreHost:      half.StoreHost,
		ReconsumeTimes: half.ReconsumeTimes,
	}
	if _, err := b.storeOne(&m, props); err != nil {
		b.log.Error("moving a half message to "+message.TransactionCheckMaxTimeTopic, "phy", h.phy, "err", err)
		return
	}
	b.persist.endHalf(h)
	b.log.Warn("half message checked too many times, moved to "+message.TransactionCheckMaxTimeTopic,
		"group", h.group, "checks", h.checks, "phy", h.phy)
}
