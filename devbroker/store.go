package devbroker

// The store: a commit log and one consume queue per (topic, queueId), in memory.
//
// Behaviour:
//   - Records are the exact commit-log encoding (core/message), so pulls copy stored bytes
//     as they are. Properties are written as given, never re-encoded.
//   - The commit log is a list of fixed-size segments allocated on demand. A record never
//     spans two segments, so a physical offset is segmentIndex*segmentSize+position and a
//     lookup is O(1). Unlike Java, the unused tail of a segment holds no BLANK record:
//     nothing here scans the log sequentially.
//   - Config.MaxStoreBytes bounds the segments kept: the oldest segment is dropped (and its
//     buffer reused) when a new one would exceed it, and each consume queue's min offset
//     moves past the entries that pointed into it.
//   - Store timestamps never go backwards (a wall clock stepped back repeats the last one),
//     which keeps SEARCH_OFFSET_BY_TIMESTAMP's binary search sound.
//   - One RWMutex: appends and eviction take it exclusively; reads copy bytes out under the
//     read lock, so nothing outside the store ever aliases a segment.
//   - Each segment has a key index (query.go) built as records are appended and dropped
//     with the segment, so QUERY_MESSAGE never costs memory the store has let go of.
//   - Records appended to SCHEDULE_TOPIC_XXXX wake the delay scheduler (schedule.go).
//   - With Config.DataDir each segment is also a file, written before appendRecords
//     returns (persist.go); memory still serves every read.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

const (
	maxSegmentSize = 64 << 20

	// cqChunkLen is how many consume-queue entries share one slice, so that a long queue
	// grows without copying and drops its head without reslicing everything.
	cqChunkLen = 4096

	// Java's in-memory transfer limits (maxTransferCountOnMessageInMemory and
	// maxTransferBytesOnMessageInMemory): a pull returns at most this much, but always at
	// least one message.
	maxPullMsgs  = 32
	maxPullBytes = 256 << 10

	// minPullScan is how many consume-queue entries one pull examines at least: Java reads a
	// 16000-byte window of 20-byte entries, or maxMsgNums entries if that is more.
	minPullScan = 16000 / 20

	// Offsets of the fields the store patches into an encoded record.
	recQueueOffsetAt = 4 + 4 + 4 + 4 + 4
	recPhyOffsetAt   = recQueueOffsetAt + 8
	recSysFlagAt     = recPhyOffsetAt + 8
	recBornHostAt    = recSysFlagAt + 4 + 8
)

// getStatus is the store's answer to a pull, named as Java's GetMessageStatus (the pull
// response carries the name as its remark).
type getStatus int

const (
	statusFound getStatus = iota
	statusNoMatchedMessage
	statusOffsetOverflowOne
	statusOffsetOverflowBadly
	statusOffsetTooSmall
	statusNoMessageInQueue
)

var getStatusNames = [...]string{"FOUND", "NO_MATCHED_MESSAGE", "OFFSET_OVERFLOW_ONE",
	"OFFSET_OVERFLOW_BADLY", "OFFSET_TOO_SMALL", "NO_MESSAGE_IN_QUEUE"}

func (s getStatus) String() string { return getStatusNames[s] }

// getResult is what get found: Body holds Count whole records back to back.
type getResult struct {
	Status          getStatus
	Body            []byte
	Count           int
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
}

// appendResult locates one appended record.
type appendResult struct {
	QueueOffset    int64
	PhyOffset      int64
	Size           int32
	StoreTimestamp int64
}

// tagFilter is a TAG subscription reduced to what the consume queue can check: the hash
// codes of the subscribed tags. Collisions pass; clients filter again by the tag string.
type tagFilter struct {
	all   bool
	codes []int32
}

func newTagFilter(expr string) tagFilter {
	_, codes := message.ParseTagExpression(expr)
	return tagFilter{all: codes == nil, codes: codes}
}

func (f *tagFilter) match(code int32) bool {
	return f.all || slices.Contains(f.codes, code)
}

type cqKey struct {
	topic   string
	queueID int32
}

// cqEntry is one consume-queue entry; Java's has no store time, but keeping it here saves a
// commit-log read per step of a timestamp search.
type cqEntry struct {
	phy     int64
	storeTS int64
	size    int32
	tags    int32
}

// consumeQueue holds the entries of offsets [min, max); chunks[0][0] is offset base.
type consumeQueue struct {
	chunks   [][]cqEntry
	base     int64
	min, max int64
}

func (q *consumeQueue) at(off int64) *cqEntry {
	i := off - q.base
	return &q.chunks[i/cqChunkLen][i%cqChunkLen]
}

func (q *consumeQueue) push(e cqEntry) {
	if int((q.max-q.base)/cqChunkLen) == len(q.chunks) {
		q.chunks = append(q.chunks, make([]cqEntry, 0, 16))
	}
	last := len(q.chunks) - 1
	q.chunks[last] = append(q.chunks[last], e)
	q.max++
}

// trimBelow forgets the entries that point below minPhy, which the commit log has dropped.
func (q *consumeQueue) trimBelow(minPhy int64) {
	for q.min < q.max && q.at(q.min).phy < minPhy {
		q.min++
	}
	for len(q.chunks) > 0 && q.base+cqChunkLen <= q.min {
		q.chunks[0] = nil
		q.chunks = q.chunks[1:]
		q.base += cqChunkLen
	}
}

type store struct {
	b         *Broker
	storeHost netip.AddrPort
	segSize   int64
	maxSegs   int
	now       func() int64 // ms; tests replace it

	mu       sync.RWMutex
	segs     [][]byte    // segs[i] is segment firstSeg+i; len = bytes written
	index    []*segIndex // index[i] holds the keys of segs[i]'s records (nil: none yet)
	firstSeg int64
	spare    []byte // the last dropped segment's buffer, reused by the next one
	queues   map[cqKey]*consumeQueue
	lastTS   int64
	files    *segFiles // nil: in memory only

	// indexLastTS and indexLastPhy locate the newest indexed record, for QUERY_MESSAGE's
	// indexLastUpdateTimestamp and indexLastUpdatePhyoffset.
	indexLastTS  int64
	indexLastPhy int64
}

func newStore(b *Broker) *store {
	// A segment must hold the largest record a send can produce.
	largest := int64(b.cfg.MaxMessageSize) + 1<<15 + 256 + 128
	seg := min(int64(maxSegmentSize), b.cfg.MaxStoreBytes/4)
	seg = max(seg, largest)
	return &store{
		b:         b,
		storeHost: parseAddrPort(b.brokerAddr),
		segSize:   seg,
		maxSegs:   int(max(2, b.cfg.MaxStoreBytes/seg)),
		now:       func() int64 { return time.Now().UnixMilli() },
		queues:    make(map[cqKey]*consumeQueue),
	}
}

// addrPortOf converts a connection address into the form records store; an IPv4-mapped
// address becomes plain IPv4 so that it takes 4 bytes, as Java writes it.
func addrPortOf(a net.Addr) netip.AddrPort {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return unmapAddrPort(tcp.AddrPort())
	}
	return parseAddrPort(a.String())
}

func parseAddrPort(hostPort string) netip.AddrPort {
	ap, _ := netip.ParseAddrPort(hostPort)
	return unmapAddrPort(ap)
}

func unmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// recordBatch collects encoded records outside the store lock; appendRecords then only
// copies and patches them. Reuse one after appendRecords returns.
type recordBatch struct {
	buf  []byte
	recs []pendingRecord
	tags []int32
	keys []uint32 // key-index hashes; a record's are keys[keyFrom:keyTo]
}

type pendingRecord struct {
	topic       string
	queueID     int32
	tags        int32
	start, size int
	tsAt        int // offset of STORETIMESTAMP in the record
	keyFrom     int // rb.keys[keyFrom:keyTo] are the record's key hashes
	keyTo       int
}

func (rb *recordBatch) reset() {
	rb.buf, rb.recs, rb.tags, rb.keys = rb.buf[:0], rb.recs[:0], rb.tags[:0], rb.keys[:0]
}

// addRaw encodes m with props as its properties, byte for byte. m.Properties must
// be nil: core/message only encodes maps, so the string is spliced in after it.
func (rb *recordBatch) addRaw(m *message.MessageExt, props []byte, tagsCode int64) {
	start := len(rb.buf)
	rb.buf = slices.Grow(rb.buf, message.StoredSize(m)+len(props))
	rb.buf = message.AppendStored(rb.buf, m)
	rb.buf = append(rb.buf, props...)
	binary.BigEndian.PutUint16(rb.buf[len(rb.buf)-len(props)-2:], uint16(len(props)))
	size := len(rb.buf) - start
	binary.BigEndian.PutUint32(rb.buf[start:], uint32(size))
	m.StoreSize = int32(size)
	from := len(rb.keys)
	uniq, _ := propertyValue(props, message.PropertyUniqClientMessageIDKeyIndex)
	keys, _ := propertyValue(props, message.PropertyKeys)
	rb.keys = appendKeyHashes(rb.keys, m.Topic, uniq, keys)
	rb.push(m, start, size, tagsCode, from)
}

// add encodes m with its properties map.
func (rb *recordBatch) add(m *message.MessageExt) {
	start := len(rb.buf)
	rb.buf = message.AppendStored(rb.buf, m)
	var code int64
	if tags := m.Tags(); tags != "" {
		code = message.TagsHashCode(tags)
	}
	from := len(rb.keys)
	rb.keys = appendKeyHashes(rb.keys, m.Topic, []byte(m.UniqKey()), []byte(m.Property(message.PropertyKeys)))
	rb.push(m, start, len(rb.buf)-start, code, from)
}

func (rb *recordBatch) push(m *message.MessageExt, start, size int, tagsCode int64, keyFrom int) {
	bornLen := 8
	if m.SysFlag&message.SysFlagBornHostV6 != 0 {
		bornLen = 20
	}
	rb.recs = append(rb.recs, pendingRecord{topic: m.Topic, queueID: m.QueueID, tags: int32(tagsCode),
		start: start, size: size, tsAt: recBornHostAt + bornLen, keyFrom: keyFrom, keyTo: len(rb.keys)})
}

// append stores msgs (properties from their maps) atomically: messages of one queue get
// contiguous offsets. StoreHost defaults to the broker's address.
func (s *store) append(msgs []*message.MessageExt) ([]appendResult, error) {
	var rb recordBatch
	for _, m := range msgs {
		if !m.StoreHost.IsValid() {
			m.StoreHost = s.storeHost
		}
		rb.add(m)
	}
	return s.appendRecords(&rb)
}

// appendRecords stores every record of rb or none, and wakes the pulls held on the queues
// it wrote to.
func (s *store) appendRecords(rb *recordBatch) ([]appendResult, error) {
	for _, r := range rb.recs {
		if int64(r.size) > s.segSize {
			return nil, fmt.Errorf("devbroker: record of %d bytes exceeds the segment size %d", r.size, s.segSize)
		}
	}
	out := make([]appendResult, len(rb.recs))
	s.mu.Lock()
	// The file writes cover the new bytes of the segment written last before and of any
	// segment this batch starts.
	startSeg, startLen := s.firstSeg+int64(len(s.segs)), 0
	if n := len(s.segs); n > 0 {
		startSeg, startLen = s.firstSeg+int64(n-1), len(s.segs[n-1])
	}
	ts := max(s.now(), s.lastTS)
	s.lastTS = ts
	var q *consumeQueue
	var key cqKey
	scheduled := false
	for i, r := range rb.recs {
		if q == nil || key.topic != r.topic || key.queueID != r.queueID {
			key = cqKey{r.topic, r.queueID}
			if q = s.queues[key]; q == nil {
				q = &consumeQueue{}
				s.queues[key] = q
			}
		}
		seg := s.reserve(r.size)
		pos := len(s.segs[seg])
		phy := (s.firstSeg+int64(seg))*s.segSize + int64(pos)
		s.segs[seg] = append(s.segs[seg], rb.buf[r.start:r.start+r.size]...)
		rec := s.segs[seg][pos:]
		binary.BigEndian.PutUint64(rec[recQueueOffsetAt:], uint64(q.max))
		binary.BigEndian.PutUint64(rec[recPhyOffsetAt:], uint64(phy))
		binary.BigEndian.PutUint64(rec[r.tsAt:], uint64(ts))
		out[i] = appendResult{QueueOffset: q.max, PhyOffset: phy, Size: int32(r.size), StoreTimestamp: ts}
		q.push(cqEntry{phy: phy, storeTS: ts, size: int32(r.size), tags: r.tags})
		if r.keyTo > r.keyFrom {
			s.indexKeys(seg, phy, ts, rb.keys[r.keyFrom:r.keyTo])
		}
		scheduled = scheduled || r.topic == message.ScheduleTopic
	}
	if s.files != nil {
		if err := s.writeFiles(startSeg, startLen); err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("devbroker: writing the commit log: %w", err)
		}
	}
	s.mu.Unlock()
	s.notifyArrivals(rb)
	if scheduled && s.b.sched != nil {
		s.b.sched.wake()
	}
	return out, nil
}

// reserve returns the index in s.segs of the segment that takes the next record of size
// bytes, starting a new segment (and dropping the oldest past MaxStoreBytes) if needed.
func (s *store) reserve(size int) int {
	if n := len(s.segs); n > 0 && int64(len(s.segs[n-1])+size) <= s.segSize {
		return n - 1
	}
	if len(s.segs) >= s.maxSegs {
		if s.files != nil {
			if err := s.files.remove(s.firstSeg); err != nil {
				s.b.log.Error("deleting an evicted commit-log segment", "err", err)
			}
		}
		s.spare = s.segs[0][:0]
		s.segs[0] = nil
		s.segs = s.segs[1:]
		s.index[0] = nil
		s.index = s.index[1:]
		s.firstSeg++
		minPhy := s.firstSeg * s.segSize
		for _, q := range s.queues {
			q.trimBelow(minPhy)
		}
	}
	buf := s.spare
	s.spare = nil
	if buf == nil {
		buf = make([]byte, 0, s.segSize)
	}
	s.segs = append(s.segs, buf)
	s.index = append(s.index, nil)
	return len(s.segs) - 1
}

// writeFiles writes the bytes appended since segment startSeg held startLen bytes; the
// caller holds s.mu.
func (s *store) writeFiles(startSeg int64, startLen int) error {
	for seg := max(startSeg, s.firstSeg); seg < s.firstSeg+int64(len(s.segs)); seg++ {
		from := 0
		if seg == startSeg {
			from = startLen
		}
		data := s.segs[seg-s.firstSeg]
		if from < len(data) {
			if err := s.files.write(seg, int64(from), data[from:]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *store) notifyArrivals(rb *recordBatch) {
	holds := s.b.holds
	if holds == nil || !holds.waiting() {
		return
	}
	for i := 0; i < len(rb.recs); {
		r := rb.recs[i]
		rb.tags = rb.tags[:0]
		j := i
		for ; j < len(rb.recs) && rb.recs[j].topic == r.topic && rb.recs[j].queueID == r.queueID; j++ {
			rb.tags = append(rb.tags, rb.recs[j].tags)
		}
		holds.notify(r.topic, r.queueID, rb.tags)
		i = j
	}
}

// slice returns the stored bytes of a record; the caller holds s.mu.
func (s *store) slice(phy int64, size int32) []byte {
	seg := s.segs[phy/s.segSize-s.firstSeg]
	pos := phy % s.segSize
	return seg[pos : pos+int64(size)]
}

// get reads up to maxNums messages of a queue from offset, as Java's
// DefaultMessageStore.getMessage does for messages in memory.
func (s *store) get(topic string, queueID int32, offset int64, maxNums int, f *tagFilter) getResult {
	s.mu.RLock()
	defer s.mu.RUnlock()
	res := getResult{NextBeginOffset: offset}
	q := s.queues[cqKey{topic, queueID}]
	if q != nil {
		res.MinOffset, res.MaxOffset = q.min, q.max
	}
	switch {
	case res.MaxOffset == 0:
		res.Status, res.NextBeginOffset = statusNoMessageInQueue, 0
		return res
	case offset < q.min:
		res.Status, res.NextBeginOffset = statusOffsetTooSmall, q.min
		return res
	case offset == q.max:
		res.Status = statusOffsetOverflowOne
		return res
	case offset > q.max:
		res.Status, res.NextBeginOffset = statusOffsetOverflowBadly, q.max
		if q.min == 0 {
			res.NextBeginOffset = 0
		}
		return res
	}

	var picked [maxPullMsgs]*cqEntry
	n, total := 0, 0
	end := min(q.max, offset+int64(max(minPullScan, maxNums)))
	i := offset
	for ; i < end; i++ {
		e := q.at(i)
		if n > 0 && (n >= maxNums || n >= maxPullMsgs || total+int(e.size) > maxPullBytes) {
			break
		}
		if !f.match(e.tags) {
			continue
		}
		picked[n] = e
		n++
		total += int(e.size)
	}
	res.NextBeginOffset = i
	if n == 0 {
		res.Status = statusNoMatchedMessage
		return res
	}
	res.Status, res.Count = statusFound, n
	first, last := picked[0], picked[n-1]
	if span := last.phy + int64(last.size) - first.phy; span == int64(total) && first.phy/s.segSize == last.phy/s.segSize {
		// One run of the log, as a batch producer leaves it: a single append skips the
		// clearing a make would do.
		res.Body = append([]byte(nil), s.slice(first.phy, int32(span))...)
		return res
	}
	res.Body = make([]byte, 0, total)
	for _, e := range picked[:n] {
		res.Body = append(res.Body, s.slice(e.phy, e.size)...)
	}
	return res
}

// minOffset is the logical offset of the oldest message still kept in a queue.
func (s *store) minOffset(topic string, queueID int32) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if q := s.queues[cqKey{topic, queueID}]; q != nil {
		return q.min
	}
	return 0
}

// maxOffset is the logical offset the next message of a queue will get.
func (s *store) maxOffset(topic string, queueID int32) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if q := s.queues[cqKey{topic, queueID}]; q != nil {
		return q.max
	}
	return 0
}

// searchOffset finds the queue offset of the message stored closest to ts (ms), as Java
// 4.9 does: an exact store time wins (the first such message here); otherwise the nearer
// neighbour, the earlier one on a tie; before every message the first, after every message
// the last; 0 for a queue that never had a message.
func (s *store) searchOffset(topic string, queueID int32, ts int64) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[cqKey{topic, queueID}]
	if q == nil || q.max == 0 {
		return 0
	}
	if q.min == q.max {
		return q.min
	}
	lo, hi := q.min, q.max // first entry with storeTS >= ts lies in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		if q.at(mid).storeTS < ts {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	switch {
	case lo == q.max:
		return q.max - 1
	case q.at(lo).storeTS == ts || lo == q.min:
		return lo
	}
	if ts-q.at(lo-1).storeTS > q.at(lo).storeTS-ts {
		return lo
	}
	return lo - 1
}

// earliestStoreTime is the store time of a queue's oldest kept message, or -1.
func (s *store) earliestStoreTime(topic string, queueID int32) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[cqKey{topic, queueID}]
	if q == nil || q.min == q.max {
		return -1
	}
	return q.at(q.min).storeTS
}

var errNoRecord = errors.New("devbroker: no message at that commit-log offset")

// recordAt returns a copy of the record starting at a physical offset.
func (s *store) recordAt(phy int64) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if phy < s.firstSeg*s.segSize || s.segSize <= 0 {
		return nil, errNoRecord
	}
	idx := phy/s.segSize - s.firstSeg
	if idx >= int64(len(s.segs)) {
		return nil, errNoRecord
	}
	seg, pos := s.segs[idx], phy%s.segSize
	if pos+message.MinStoredSize > int64(len(seg)) {
		return nil, errNoRecord
	}
	size := int64(int32(binary.BigEndian.Uint32(seg[pos:])))
	if size < message.MinStoredSize || pos+size > int64(len(seg)) {
		return nil, errNoRecord
	}
	return slices.Clone(seg[pos : pos+size]), nil
}

// readAt decodes the message stored at a physical offset (VIEW_MESSAGE_BY_ID, send-back).
func (s *store) readAt(phy int64) (*message.MessageExt, error) {
	m, _, err := s.messageAt(phy)
	return m, err
}

// messageAt decodes the message stored at a physical offset and also returns its
// properties exactly as stored, for the broker's own rewrites (send-back, delivery of
// delayed and transactional messages), which keep them byte for byte.
func (s *store) messageAt(phy int64) (*message.MessageExt, []byte, error) {
	rec, err := s.recordAt(phy)
	if err != nil {
		return nil, nil, err
	}
	m, _, err := message.DecodeStoredOne(rec, message.DecodeOptions{})
	if err != nil {
		return nil, nil, err
	}
	if m.CommitLogOffset != phy {
		return nil, nil, errNoRecord
	}
	_, props, ok := recordTail(rec)
	if !ok {
		return nil, nil, errNoRecord
	}
	return m, props, nil
}

// recordTail finds the topic and the properties of an encoded record without decoding the
// rest; ok is false for a record whose length fields do not add up.
func recordTail(rec []byte) (topic, props []byte, ok bool) {
	be := binary.BigEndian
	if len(rec) < message.MinStoredSize {
		return nil, nil, false
	}
	sysFlag := int32(be.Uint32(rec[recSysFlagAt:]))
	bornLen, storeLen := 8, 8
	if sysFlag&message.SysFlagBornHostV6 != 0 {
		bornLen = 20
	}
	if sysFlag&message.SysFlagStoreHostV6 != 0 {
		storeLen = 20
	}
	at := recBornHostAt + bornLen + 8 + storeLen + 4 + 8 // BODYLEN
	if at+4 > len(rec) {
		return nil, nil, false
	}
	at += 4 + int(int32(be.Uint32(rec[at:])))
	if at < 0 || at+1 > len(rec) {
		return nil, nil, false
	}
	topicLen := int(rec[at])
	at++
	if at+topicLen+2 > len(rec) {
		return nil, nil, false
	}
	topic = rec[at : at+topicLen]
	at += topicLen
	propsLen := int(be.Uint16(rec[at:]))
	at += 2
	if at+propsLen != len(rec) {
		return nil, nil, false
	}
	return topic, rec[at:], true
}

// queueEntry returns the consume-queue entry of a queue at offset, or ok=false when the
// queue does not hold it; lo and hi are the queue's bounds [min, max) either way.
func (s *store) queueEntry(topic string, queueID int32, offset int64) (e cqEntry, lo, hi int64, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[cqKey{topic, queueID}]
	if q == nil {
		return cqEntry{}, 0, 0, false
	}
	if offset < q.min || offset >= q.max {
		return cqEntry{}, q.min, q.max, false
	}
	return *q.at(offset), q.min, q.max, true
}
