package devbroker

// Persistence (Config.DataDir): what survives a restart and how it comes back.
//
// Layout of the data directory:
//
//	store.json             the commit-log segment size, fixed at creation: physical offsets
//	                       (and so offset msg ids) depend on it
//	commitlog/<20 digits>  one file per segment, named by its first physical offset; the
//	                       file holds exactly the bytes written (no BLANK padding)
//	topics.json            topic configuration
//	consumerOffsets.json   committed consumer offsets
//	queues.json            each consume queue's max offset, so a queue whose messages were
//	                       all evicted keeps numbering where it stopped
//	delayOffsets.json      per delay level, the schedule-queue offset delivered next
//
// Behaviour:
//   - Durability: a send is answered only after its record has been written to its segment
//     file with write(2), so an acknowledged message survives the broker process dying.
//     Config.SyncFlush also fsyncs each append before answering (SYNC_FLUSH); without it
//     (the default, like ASYNC_FLUSH) a machine crash can lose the newest records. A failed
//     write fails the send, but the record already in memory stays pullable until restart.
//   - The segments are also kept in memory, as without a data dir; reads never touch the
//     files. On start every segment file is read back and every record replayed through the
//     same dispatch an append does (consume queue entry, key index), taking the queue
//     offset, physical offset and store time from the record, so every message is pullable
//     at the offsets it was acknowledged with. Replay stops at the first record that does
//     not check out (a torn write: short, zeroed or with a wrong physical offset): that file
//     is truncated there and any later segment files are deleted.
//   - Eviction past MaxStoreBytes deletes whole segment files.
//   - The JSON files are written atomically (temp file, fsync, rename) every
//     Config.FlushInterval (default 1 s) when they changed, and on Close. After an abrupt
//     stop, what changed since the last write is lost: consumer offsets go back (messages
//     are consumed again), and delayed messages delivered since are delivered again, as
//     with Java's consumerOffset.json and delayOffset.json.
//   - Transactions are derived from the log as Java does it: ending a half message (commit,
//     rollback, or discard after too many checks) appends an op record to
//     RMQ_SYS_TRANS_OP_HALF_TOPIC whose body is the half message's queue offset. On start
//     every half record without an op record is pending again, checked as if just sent
//     (its check count starts over). A crash between a commit and its op record makes the
//     producer be checked again, and a second commit stores the message twice.
//   - Topics found in the log but missing from topics.json (created after its last write)
//     come back with max(highest queue id + 1, DefaultQueueNums) queues.
//
// Simplified: no checkpoint file and no consume-queue files (replay reads the whole log, so
// starting takes time proportional to the store); a record is checked by its length, magic
// code, physical offset and field lengths, not by CRC; there is no lock on the directory, so
// two brokers must not share one.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/internal/atomicfile"
)

type persister struct {
	b   *Broker
	dir string

	mu      sync.Mutex        // guards last and the JSON writes
	last    map[string][]byte // file name → bytes last written, to skip unchanged ones
	crashed bool              // tests: Close skips the final save, as a killed process would
}

// segFiles writes the commit-log segments; every method runs under store.mu.
type segFiles struct {
	dir     string
	segSize int64
	sync    bool
	cur     *os.File // the file of segment curSeg, kept open for appends
	curSeg  int64
}

func (f *segFiles) path(seg int64) string {
	return filepath.Join(f.dir, fmt.Sprintf("%020d", seg*f.segSize))
}

// write stores data at position at of segment seg.
func (f *segFiles) write(seg, at int64, data []byte) error {
	if f.cur == nil || f.curSeg != seg {
		if f.cur != nil {
			f.cur.Close()
			f.cur = nil
		}
		file, err := os.OpenFile(f.path(seg), os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		f.cur, f.curSeg = file, seg
	}
	if _, err := f.cur.WriteAt(data, at); err != nil {
		return err
	}
	if f.sync {
		return f.cur.Sync()
	}
	return nil
}

func (f *segFiles) remove(seg int64) error {
	if f.cur != nil && f.curSeg == seg {
		f.cur.Close()
		f.cur = nil
	}
	return os.Remove(f.path(seg))
}

func (f *segFiles) close() {
	if f.cur != nil {
		f.cur.Close()
		f.cur = nil
	}
}

type storeMeta struct {
	SegmentSize int64 `json:"segmentSize"`
}

type offsetRecord struct {
	Group   string `json:"group"`
	Topic   string `json:"topic"`
	QueueID int32  `json:"queueId"`
	Offset  int64  `json:"offset"`
}

type queueRecord struct {
	Topic   string `json:"topic"`
	QueueID int32  `json:"queueId"`
	Max     int64  `json:"max"`
}

// openPersistence restores the broker's state from cfg.DataDir; the broker serves nothing
// yet. It is nil without a data dir.
func openPersistence(b *Broker) (*persister, error) {
	if b.cfg.DataDir == "" {
		return nil, nil
	}
	p := &persister{b: b, dir: b.cfg.DataDir, last: make(map[string][]byte)}
	logDir := filepath.Join(p.dir, "commitlog")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("devbroker: data dir: %w", err)
	}
	s := b.store
	var meta storeMeta
	if found, err := p.readJSON("store.json", &meta); err != nil {
		return nil, err
	} else if found && meta.SegmentSize > 0 {
		s.segSize = meta.SegmentSize
		s.maxSegs = int(max(2, b.cfg.MaxStoreBytes/s.segSize))
	} else if err := p.writeJSON("store.json", storeMeta{SegmentSize: s.segSize}); err != nil {
		return nil, err
	}
	s.files = &segFiles{dir: logDir, segSize: s.segSize, sync: b.cfg.SyncFlush}

	var topics []topicConfig
	if _, err := p.readJSON("topics.json", &topics); err != nil {
		return nil, err
	}
	b.topics.mu.Lock()
	for _, tc := range topics {
		b.topics.topics[tc.Name] = tc
	}
	b.topics.mu.Unlock()

	var offsets []offsetRecord
	if _, err := p.readJSON("consumerOffsets.json", &offsets); err != nil {
		return nil, err
	}
	for _, o := range offsets {
		b.offsets.commit(o.Group, o.Topic, o.QueueID, o.Offset)
	}

	if err := s.load(logDir); err != nil {
		return nil, err
	}
	var queues []queueRecord
	if _, err := p.readJSON("queues.json", &queues); err != nil {
		return nil, err
	}
	s.restoreQueueMax(queues)
	p.restoreTopicsFromLog()

	var delays []int64
	if _, err := p.readJSON("delayOffsets.json", &delays); err != nil {
		return nil, err
	}
	for i := range min(len(delays), len(b.sched.next)) {
		b.sched.next[i] = delays[i]
	}
	b.sched.saveProgress()
	p.restoreHalfMessages()
	return p, nil
}

// load reads the segment files back into memory and replays them.
func (s *store) load(logDir string) error {
	entries, err := os.ReadDir(logDir)
	if err != nil {
		return err
	}
	var starts []int64
	for _, e := range entries {
		if v, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && len(e.Name()) == 20 && v%s.segSize == 0 {
			starts = append(starts, v)
		}
	}
	slices.Sort(starts)
	for len(starts) > s.maxSegs {
		s.b.log.Warn("segment beyond MaxStoreBytes deleted at start", "offset", starts[0])
		if err := os.Remove(s.files.path(starts[0] / s.segSize)); err != nil {
			return err
		}
		starts = starts[1:]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	torn := false
	for i, start := range starts {
		seg := start / s.segSize
		if torn || (i > 0 && seg != starts[i-1]/s.segSize+1) {
			// Nothing after a torn record or a missing segment can be trusted to line up.
			s.b.log.Warn("commit-log segment after a damaged one deleted", "offset", start)
			if err := s.files.remove(seg); err != nil {
				return err
			}
			torn = true
			continue
		}
		buf, err := readSegment(s.files.path(seg), s.segSize)
		if err != nil {
			return err
		}
		if i == 0 {
			s.firstSeg = seg
		}
		s.segs = append(s.segs, buf)
		s.index = append(s.index, nil)
		valid := s.replaySegment(len(s.segs) - 1)
		if valid < len(buf) {
			s.b.log.Warn("torn commit-log tail ignored", "segment", start, "valid", valid, "size", len(buf))
			s.segs[len(s.segs)-1] = buf[:valid]
			if err := os.Truncate(s.files.path(seg), int64(valid)); err != nil {
				return err
			}
			torn = true
		}
	}
	return nil
}

func readSegment(path string, segSize int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	n := min(st.Size(), segSize)
	buf := make([]byte, n, segSize)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// replaySegment dispatches the records of s.segs[i] and returns how many bytes of it hold
// whole, valid records. The caller holds s.mu.
func (s *store) replaySegment(i int) int {
	be := binary.BigEndian
	seg := s.segs[i]
	base := (s.firstSeg + int64(i)) * s.segSize
	pos := 0
	var keys []uint32
	for pos+message.MinStoredSize <= len(seg) {
		size := int(int32(be.Uint32(seg[pos:])))
		if size < message.MinStoredSize || pos+size > len(seg) ||
			int32(be.Uint32(seg[pos+4:])) != message.MagicCode ||
			int64(be.Uint64(seg[pos+recPhyOffsetAt:])) != base+int64(pos) {
			break
		}
		rec := seg[pos : pos+size]
		topic, props, ok := recordTail(rec)
		if !ok {
			break
		}
		bornLen := 8
		if int32(be.Uint32(rec[recSysFlagAt:]))&message.SysFlagBornHostV6 != 0 {
			bornLen = 20
		}
		ts := int64(be.Uint64(rec[recBornHostAt+bornLen:]))
		qid := int32(be.Uint32(rec[12:]))
		qoff := int64(be.Uint64(rec[recQueueOffsetAt:]))
		phy := base + int64(pos)
		key := cqKey{string(topic), qid}
		q := s.queues[key]
		if q == nil {
			q = &consumeQueue{base: qoff, min: qoff, max: qoff}
			s.queues[key] = q
		} else if q.min == q.max && q.max < qoff {
			*q = consumeQueue{base: qoff, min: qoff, max: qoff}
		}
		if q.max == qoff {
			q.push(cqEntry{phy: phy, storeTS: ts, size: int32(size), tags: int32(tagsCodeOf(props))})
		} else {
			s.b.log.Warn("record out of its queue's order not dispatched", "topic", key.topic, "queue", qid, "offset", qoff, "expected", q.max)
		}
		uniq, _ := propertyValue(props, message.PropertyUniqClientMessageIDKeyIndex)
		k, _ := propertyValue(props, message.PropertyKeys)
		keys = appendKeyHashes(keys[:0], key.topic, uniq, k)
		if len(keys) > 0 {
			s.indexKeys(i, phy, ts, keys)
		}
		s.lastTS = max(s.lastTS, ts)
		pos += size
	}
	return pos
}

// restoreQueueMax brings back the numbering of queues whose messages were all evicted.
func (s *store) restoreQueueMax(saved []queueRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range saved {
		key := cqKey{r.Topic, r.QueueID}
		if q := s.queues[key]; q == nil {
			s.queues[key] = &consumeQueue{base: r.Max, min: r.Max, max: r.Max}
		} else if q.min == q.max && q.max < r.Max {
			*q = consumeQueue{base: r.Max, min: r.Max, max: r.Max}
		}
	}
}

func (s *store) queueMaxes() []queueRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]queueRecord, 0, len(s.queues))
	for k, q := range s.queues {
		out = append(out, queueRecord{Topic: k.topic, QueueID: k.queueID, Max: q.max})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Topic < out[j].Topic || out[i].Topic == out[j].Topic && out[i].QueueID < out[j].QueueID
	})
	return out
}

func (p *persister) restoreTopicsFromLog() {
	b := p.b
	need := map[string]int{}
	b.store.mu.RLock()
	for k := range b.store.queues {
		need[k.topic] = max(need[k.topic], int(k.queueID)+1)
	}
	b.store.mu.RUnlock()
	for name, n := range need {
		if _, ok := b.topics.get(name); !ok && validateTopic(name) == nil {
			b.ensureTopic(name, max(n, b.cfg.DefaultQueueNums))
		}
	}
}

// restoreHalfMessages makes every half record without an op record pending again.
func (p *persister) restoreHalfMessages() {
	b := p.b
	s := b.store
	done := map[int64]bool{}
	s.mu.RLock()
	op := s.queues[cqKey{message.TransactionOpHalfTopic, 0}]
	if op != nil {
		for off := op.min; off < op.max; off++ {
			e := op.at(off)
			if m, _, err := message.DecodeStoredOne(s.slice(e.phy, e.size), message.DecodeOptions{}); err == nil {
				if v, err := strconv.ParseInt(string(m.Body), 10, 64); err == nil {
					done[v] = true
				}
			}
		}
	}
	var halves []cqEntry
	var halfOffsets []int64
	if hq := s.queues[cqKey{message.TransactionHalfTopic, 0}]; hq != nil {
		for off := hq.min; off < hq.max; off++ {
			if !done[off] {
				halves = append(halves, *hq.at(off))
				halfOffsets = append(halfOffsets, off)
			}
		}
	}
	s.mu.RUnlock()
	for i, e := range halves {
		m, props, err := s.messageAt(e.phy)
		if err != nil {
			continue
		}
		b.tx.track(appendResult{QueueOffset: halfOffsets[i], PhyOffset: e.phy, Size: e.size, StoreTimestamp: e.storeTS},
			m, props, string(propertyOr(props, message.PropertyProducerGroup)))
	}
}

// endHalf appends the op record that marks a half message as ended, so a restart does not
// make it pending again.
func (p *persister) endHalf(h *halfMsg) {
	if p == nil {
		return
	}
	b := p.b
	b.ensureTopic(message.TransactionOpHalfTopic, 1)
	m := message.MessageExt{Message: message.Message{Topic: message.TransactionOpHalfTopic,
		Body: []byte(strconv.FormatInt(h.queueOffset, 10))}, BornTimestamp: time.Now().UnixMilli(), BornHost: b.store.storeHost}
	props := []byte(message.PropertyTags + string(message.NameValueSeparator) + "d")
	if _, err := b.storeOne(&m, props); err != nil {
		b.log.Error("storing a transaction op record", "phy", h.phy, "err", err)
	}
}

// start saves the JSON state every FlushInterval until Close.
func (p *persister) start() {
	b := p.b
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(b.cfg.FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				if err := p.save(); err != nil {
					b.log.Error("saving broker state", "err", err)
				}
			}
		}
	}()
}

// save writes the JSON files that changed.
func (p *persister) save() error {
	b := p.b
	var offsets []offsetRecord
	b.offsets.mu.RLock()
	for k, v := range b.offsets.offsets {
		offsets = append(offsets, offsetRecord{Group: k.group, Topic: k.topic, QueueID: k.queueID, Offset: v})
	}
	b.offsets.mu.RUnlock()
	sort.Slice(offsets, func(i, j int) bool {
		a, c := offsets[i], offsets[j]
		if a.Group != c.Group {
			return a.Group < c.Group
		}
		if a.Topic != c.Topic {
			return a.Topic < c.Topic
		}
		return a.QueueID < c.QueueID
	})
	return errors.Join(
		p.writeJSON("topics.json", b.topics.list()),
		p.writeJSON("consumerOffsets.json", offsets),
		p.writeJSON("queues.json", b.store.queueMaxes()),
		p.writeJSON("delayOffsets.json", b.sched.progress()),
	)
}

// close runs after every goroutine has stopped.
func (p *persister) close() error {
	var err error
	p.mu.Lock()
	crashed := p.crashed
	p.mu.Unlock()
	if !crashed {
		err = p.save()
	}
	s := p.b.store
	s.mu.Lock()
	s.files.close()
	s.mu.Unlock()
	return err
}

func (p *persister) readJSON(name string, v any) (bool, error) {
	data, err := os.ReadFile(filepath.Join(p.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("devbroker: %s: %w", name, err)
	}
	p.last[name] = data
	return true, nil
}

// writeJSON replaces a file atomically, so a crash leaves the old or the new one whole.
func (p *persister) writeJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if bytes.Equal(p.last[name], data) {
		return nil
	}
	if err := atomicfile.WriteFile(filepath.Join(p.dir, name), data); err != nil {
		return fmt.Errorf("devbroker: writing %s: %w", name, err)
	}
	p.last[name] = data
	return nil
}
