package devbroker

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// setStoreClock makes the store stamp messages with these times (ms), in order.
func setStoreClock(s *store, times ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = func() int64 {
		t := times[0]
		if len(times) > 1 {
			times = times[1:]
		}
		return t
	}
}

func startStoreBroker(t *testing.T, cfg Config) *Broker {
	t.Helper()
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	b, err := Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func storeMsg(topic string, queueID int32, body []byte, tags string) *message.MessageExt {
	m := &message.MessageExt{Message: message.Message{Topic: topic, Body: body}, QueueID: queueID}
	m.SetTags(tags)
	return m
}

func TestStoreAppendIsAtomicAndContiguous(t *testing.T) {
	b := startStoreBroker(t, Config{})
	s := b.store

	res, err := s.append([]*message.MessageExt{
		storeMsg("T", 0, []byte("a"), "X"), storeMsg("T", 1, []byte("b"), ""), storeMsg("T", 0, []byte("c"), "Y"),
	})
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, []int64{0, 0, 1}, []int64{res[0].QueueOffset, res[1].QueueOffset, res[2].QueueOffset})
	assert.Equal(t, int64(0), res[0].PhyOffset)
	assert.Equal(t, int64(res[0].Size), res[1].PhyOffset, "records are back to back")
	assert.Equal(t, int64(2), s.maxOffset("T", 0))
	assert.Equal(t, int64(1), s.maxOffset("T", 1))

	m, err := s.readAt(res[2].PhyOffset)
	require.NoError(t, err)
	assert.Equal(t, "c", string(m.Body))
	assert.Equal(t, "Y", m.Tags())
	assert.Equal(t, int64(1), m.QueueOffset)
	assert.Equal(t, res[2].StoreTimestamp, m.StoreTimestamp)
	assert.Equal(t, b.BrokerAddr(), m.StoreHost.String())

	_, err = s.readAt(res[0].PhyOffset + 1)
	assert.Error(t, err, "not the start of a record")
	_, err = s.readAt(1 << 40)
	assert.ErrorIs(t, err, errNoRecord)

	f := newTagFilter("Y")
	got := s.get("T", 0, 0, 32, &f)
	assert.Equal(t, statusFound, got.Status)
	assert.Equal(t, 1, got.Count)
	assert.Equal(t, int64(2), got.NextBeginOffset)
	rec, err := s.recordAt(res[2].PhyOffset)
	require.NoError(t, err)
	assert.Equal(t, rec, got.Body, "a pull body is the stored bytes")
}

func TestStoreDropsOldSegmentsPastMaxStoreBytes(t *testing.T) {
	b := startStoreBroker(t, Config{MaxMessageSize: 1024, MaxStoreBytes: 256 << 10})
	s := b.store
	require.Equal(t, int64(64<<10), s.segSize)
	require.Equal(t, 4, s.maxSegs)

	body := bytes.Repeat([]byte("x"), 1000)
	var all []appendResult
	for i := range 1000 {
		res, err := s.append([]*message.MessageExt{storeMsg("T", int32(i%2), body, "")})
		require.NoError(t, err)
		r := res[0]
		require.LessOrEqual(t, r.PhyOffset%s.segSize+int64(r.Size), s.segSize, "a record never spans segments")
		all = append(all, r)
	}
	s.mu.RLock()
	segs, minPhy := len(s.segs), s.firstSeg*s.segSize
	s.mu.RUnlock()
	assert.LessOrEqual(t, int64(segs)*s.segSize, b.cfg.MaxStoreBytes)
	require.Greater(t, minPhy, int64(0))

	for q := range int32(2) {
		minOff := s.minOffset("T", q)
		assert.Equal(t, int64(500), s.maxOffset("T", q))
		require.Greater(t, minOff, int64(0))
		all := newTagFilter("*")
		first := s.get("T", q, minOff, 1, &all)
		require.Equal(t, statusFound, first.Status)
		msgs, err := message.DecodeStored(first.Body, message.DecodeOptions{})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, msgs[0].CommitLogOffset, minPhy, "the oldest kept entry is in a kept segment")
		assert.Equal(t, statusOffsetTooSmall, s.get("T", q, minOff-1, 1, &all).Status)
	}
	_, err := s.readAt(all[0].PhyOffset)
	assert.ErrorIs(t, err, errNoRecord, "dropped")
	last := all[len(all)-1]
	m, err := s.readAt(last.PhyOffset)
	require.NoError(t, err)
	assert.Equal(t, body, m.Body)
}

func TestStoreTimestampsNeverGoBack(t *testing.T) {
	b := startStoreBroker(t, Config{})
	setStoreClock(b.store, 5000, 4000)
	r1, err := b.store.append([]*message.MessageExt{storeMsg("T", 0, nil, "")})
	require.NoError(t, err)
	r2, err := b.store.append([]*message.MessageExt{storeMsg("T", 0, nil, "")})
	require.NoError(t, err)
	assert.Equal(t, int64(5000), r1[0].StoreTimestamp)
	assert.Equal(t, int64(5000), r2[0].StoreTimestamp)
	m, err := b.store.readAt(r2[0].PhyOffset)
	require.NoError(t, err)
	assert.Equal(t, int64(5000), m.StoreTimestamp, "the record carries the store time")
}

func TestStoreConsumeQueueSpansChunks(t *testing.T) {
	b := startStoreBroker(t, Config{})
	s := b.store
	n := 3*cqChunkLen + 7
	batch := make([]*message.MessageExt, n)
	for i := range batch {
		batch[i] = storeMsg("T", 0, []byte(fmt.Sprint(i)), "")
	}
	_, err := s.append(batch)
	require.NoError(t, err)
	all := newTagFilter("")
	for _, off := range []int64{0, cqChunkLen - 1, cqChunkLen, 2*cqChunkLen + 3, int64(n) - 1} {
		got := s.get("T", 0, off, 1, &all)
		require.Equal(t, statusFound, got.Status)
		msgs, err := message.DecodeStored(got.Body, message.DecodeOptions{})
		require.NoError(t, err)
		assert.Equal(t, off, msgs[0].QueueOffset)
		assert.Equal(t, fmt.Sprint(off), string(msgs[0].Body))
	}
}

func TestConsumeQueueTrimDropsWholeChunks(t *testing.T) {
	var q consumeQueue
	for i := range 2*cqChunkLen + 10 {
		q.push(cqEntry{phy: int64(i) * 100, size: 100})
	}
	q.trimBelow(int64(cqChunkLen+5) * 100)
	assert.Equal(t, int64(cqChunkLen+5), q.min)
	assert.Equal(t, int64(cqChunkLen), q.base)
	assert.Len(t, q.chunks, 2)
	assert.Equal(t, int64(cqChunkLen+5)*100, q.at(q.min).phy)

	q.trimBelow(1 << 40)
	assert.Equal(t, q.max, q.min)
	q.push(cqEntry{phy: 1 << 41})
	assert.Equal(t, int64(1<<41), q.at(q.max-1).phy, "a fully trimmed queue keeps growing")
}
