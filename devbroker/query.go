package devbroker

// QUERY_MESSAGE (12), VIEW_MESSAGE_BY_ID (33), and the key index behind the first.
//
// Behaviour, as the 4.9.x broker (QueryMessageProcessor, IndexService):
//   - Every stored record's UNIQ_KEY and each space-separated word of its KEYS is indexed as
//     topic#key under the topic the record is stored in: a delayed message is found under
//     SCHEDULE_TOPIC_XXXX until it is delivered, a half message under the half topic.
//   - QUERY_MESSAGE (ext topic, key, maxNum, beginTimestamp, endTimestamp) answers the
//     newest maxNum records (at most 64; 32 when _UNIQUE_KEY_QUERY=true) of that topic with
//     that key and a store time in [begin, end], back to back in commit-log order. Ext
//     indexLastUpdateTimestamp and indexLastUpdatePhyoffset locate the newest indexed
//     record (0 when nothing matched). No match → QUERY_NOT_FOUND "can not find message,
//     maybe time range not correct".
//   - VIEW_MESSAGE_BY_ID (ext offset) answers the record at that commit-log offset, or
//     SYSTEM_ERROR "can not find message by the offset, <offset>".
//
// Simplified:
//   - The index lives with the store, one per commit-log segment, and goes when its segment
//     goes; Java keeps index files of its own and ages them out with the commit log.
//   - Keys are found by a 32-bit hash and then checked against the record, so unlike Java
//     (which compares hashes only and leaves the rest to the client) a query never answers
//     a record of another key. A record whose UNIQ_KEY is also one of its KEYS is indexed
//     once, so it is never answered twice. Store times are compared to the millisecond
//     (Java: to the second).

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

const (
	// Java's maxMsgsNumBatch and defaultQueryMaxNum.
	maxQueryNum       = 64
	maxUniqueQueryNum = 32

	uniqueKeyQueryFlag = "_UNIQUE_KEY_QUERY"
)

// segIndex is one segment's key index: a chained hash table whose chains run from the
// newest entry to the oldest, so a query meets the newest matches first.
type segIndex struct {
	slots   []int32 // bucket → 1 + index of its newest entry; 0 when empty
	entries []keyEntry
}

type keyEntry struct {
	hash uint32
	prev int32 // 1 + index of the bucket's next older entry; 0 at the end
	phy  int64
	ts   int64 // store time, so time ranges are checked without reading the record
}

// keyHash is FNV-1a of topic#key.
func keyHash(topic string, key []byte) uint32 {
	const prime = 16777619
	h := uint32(2166136261)
	for i := 0; i < len(topic); i++ {
		h = (h ^ uint32(topic[i])) * prime
	}
	h = (h ^ '#') * prime
	for _, c := range key {
		h = (h ^ uint32(c)) * prime
	}
	return h
}

// appendKeyHashes adds the index hashes of one message: its UNIQ_KEY and each word of its
// KEYS, each distinct hash once.
func appendKeyHashes(dst []uint32, topic string, uniq, keys []byte) []uint32 {
	from := len(dst)
	add := func(k []byte) {
		if len(k) == 0 {
			return
		}
		if h := keyHash(topic, k); !slices.Contains(dst[from:], h) {
			dst = append(dst, h)
		}
	}
	add(uniq)
	for len(keys) > 0 {
		word := keys
		if i := bytes.IndexByte(keys, ' '); i >= 0 {
			word, keys = keys[:i], keys[i+1:]
		} else {
			keys = nil
		}
		add(word)
	}
	return dst
}

// indexSlots sizes a segment's hash table: about one bucket per 2 KiB of segment.
func (s *store) indexSlots() int {
	n := 256
	for n < 1<<16 && int64(n)<<11 < s.segSize {
		n <<= 1
	}
	return n
}

// indexKeys records the key hashes of the record at phy, in segment s.segs[seg]. The
// caller holds s.mu for writing.
func (s *store) indexKeys(seg int, phy, ts int64, hashes []uint32) {
	ix := s.index[seg]
	if ix == nil {
		ix = &segIndex{slots: make([]int32, s.indexSlots())}
		s.index[seg] = ix
	}
	mask := uint32(len(ix.slots) - 1)
	for _, h := range hashes {
		bucket := h & mask
		ix.entries = append(ix.entries, keyEntry{hash: h, prev: ix.slots[bucket], phy: phy, ts: ts})
		ix.slots[bucket] = int32(len(ix.entries))
	}
	s.indexLastTS, s.indexLastPhy = ts, phy
}

// recordBytes returns the stored record at phy, which the index says is there; the caller
// holds s.mu.
func (s *store) recordBytes(phy int64) []byte {
	idx := phy/s.segSize - s.firstSeg
	if idx < 0 || idx >= int64(len(s.segs)) {
		return nil
	}
	seg, pos := s.segs[idx], phy%s.segSize
	if pos+4 > int64(len(seg)) {
		return nil
	}
	size := int64(binary.BigEndian.Uint32(seg[pos:]))
	if pos+size > int64(len(seg)) {
		return nil
	}
	return seg[pos : pos+size]
}

// hasKey reports whether a record's properties carry key as UNIQ_KEY or as a word of KEYS.
func hasKey(props []byte, key string) bool {
	if v, ok := propertyValue(props, message.PropertyUniqClientMessageIDKeyIndex); ok && string(v) == key {
		return true
	}
	keys, _ := propertyValue(props, message.PropertyKeys)
	for len(keys) > 0 {
		word := keys
		if i := bytes.IndexByte(keys, ' '); i >= 0 {
			word, keys = keys[:i], keys[i+1:]
		} else {
			keys = nil
		}
		if string(word) == key {
			return true
		}
	}
	return false
}

// queryResult is what queryKey found: Body holds Count records back to back.
type queryResult struct {
	Body                   []byte
	Count                  int
	LastUpdate, LastPhyOff int64
}

// queryKey finds the newest maxNum records of topic with key stored in [begin, end], and
// returns them oldest first.
func (s *store) queryKey(topic, key string, maxNum int, begin, end int64) queryResult {
	var res queryResult
	if maxNum <= 0 {
		return res
	}
	h := keyHash(topic, []byte(key))
	s.mu.RLock()
	defer s.mu.RUnlock()
	var found [][]byte // newest first
	for i := len(s.index) - 1; i >= 0 && len(found) < maxNum; i-- {
		ix := s.index[i]
		if ix == nil {
			continue
		}
		for e := ix.slots[h&uint32(len(ix.slots)-1)]; e != 0 && len(found) < maxNum; e = ix.entries[e-1].prev {
			en := &ix.entries[e-1]
			if en.hash != h || en.ts < begin || en.ts > end {
				continue
			}
			rec := s.recordBytes(en.phy)
			if t, props, ok := recordTail(rec); ok && string(t) == topic && hasKey(props, key) {
				found = append(found, rec)
			}
		}
	}
	if len(found) == 0 {
		return res
	}
	res.LastUpdate, res.LastPhyOff = s.indexLastTS, s.indexLastPhy
	total := 0
	for _, rec := range found {
		total += len(rec)
	}
	res.Body = make([]byte, 0, total)
	for i := len(found) - 1; i >= 0; i-- {
		res.Body = append(res.Body, found[i]...)
	}
	res.Count = len(found)
	return res
}

func (b *Broker) handleQueryMessage(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	topic, key := f.str("topic", true), f.str("key", true)
	maxNum := int(f.i32("maxNum", true))
	begin, end := f.i64("beginTimestamp", true), f.i64("endTimestamp", true)
	if bad := f.failure(); bad != nil {
		return bad
	}
	if req.Ext(uniqueKeyQueryFlag) == "true" {
		maxNum = maxUniqueQueryNum
	}
	res := b.store.queryKey(topic, key, min(maxNum, maxQueryNum), begin, end)
	resp := ok()
	if res.Count == 0 {
		resp = fail(remoting.QueryNotFound, "can not find message, maybe time range not correct")
	}
	resp.Body = res.Body
	resp.SetExt("indexLastUpdateTimestamp", strconv.FormatInt(res.LastUpdate, 10))
	resp.SetExt("indexLastUpdatePhyoffset", strconv.FormatInt(res.LastPhyOff, 10))
	return resp
}

func (b *Broker) handleViewMessageByID(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	off := f.i64("offset", true)
	if bad := f.failure(); bad != nil {
		return bad
	}
	rec, err := b.store.recordAt(off)
	// An offset inside a record can look like a record's start; its own offset field and
	// magic code tell.
	if err != nil || int32(binary.BigEndian.Uint32(rec[4:])) != message.MagicCode ||
		int64(binary.BigEndian.Uint64(rec[recPhyOffsetAt:])) != off {
		return fail(remoting.SystemError, "can not find message by the offset, %d", off)
	}
	resp := ok()
	resp.Body = rec
	return resp
}
