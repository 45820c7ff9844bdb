package message

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleBatch() []*Message {
	a := &Message{Topic: "T", Flag: 1, Body: []byte("first")}
	a.SetTags("TagA")
	a.SetProperty(PropertyUniqClientMessageIDKeyIndex, "ID1")
	b := &Message{Topic: "T", Body: nil}
	c := &Message{Topic: "T", Flag: -5, Body: bytes.Repeat([]byte{0xFF}, 300)}
	c.SetKeys("k1", "k2")
	return []*Message{a, b, c}
}

func TestBatchRoundTrip(t *testing.T) {
	msgs := sampleBatch()
	buf := AppendBatch(nil, append(msgs, nil))
	got, err := DecodeBatch(buf)
	require.NoError(t, err)
	require.Len(t, got, len(msgs))
	for i, m := range msgs {
		want := *m
		want.Topic = "" // travels in the request header, not the body
		assert.Equal(t, &want, got[i], "message %d", i)
	}
	clear(buf)
	assert.Equal(t, []byte("first"), got[0].Body, "results do not alias the input")
}

func TestBatchLayout(t *testing.T) {
	m := &Message{Flag: 0x0102, Body: []byte("ab")}
	m.SetTags("t")
	b := AppendBatch(nil, []*Message{m})
	be := binary.BigEndian
	want := be.AppendUint32(nil, uint32(4+4+4+4+4+2+2+len("TAGS\x01t")))
	want = be.AppendUint32(want, 0) // magic
	want = be.AppendUint32(want, 0) // body CRC
	want = be.AppendUint32(want, 0x0102)
	want = be.AppendUint32(want, 2)
	want = append(want, "ab"...)
	want = be.AppendUint16(want, uint16(len("TAGS\x01t")))
	want = append(want, "TAGS\x01t"...)
	assert.Equal(t, want, b)
}

func TestBatchCorrupt(t *testing.T) {
	buf := AppendBatch(nil, sampleBatch())
	first := int(binary.BigEndian.Uint32(buf))
	for cut := 1; cut < len(buf); cut++ {
		got, err := DecodeBatch(buf[:cut])
		if cut == first || cut == first+22 { // record boundaries
			assert.NoError(t, err, "cut %d", cut)
			continue
		}
		assert.Error(t, err, "cut %d", cut)
		assert.LessOrEqual(t, len(got), 2)
	}

	bad := bytes.Clone(buf)
	binary.BigEndian.PutUint32(bad[16:], 0x7FFFFFFF) // body length of the first entry
	got, err := DecodeBatch(bad)
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Empty(t, got)

	bad = bytes.Clone(buf)
	binary.BigEndian.PutUint32(bad[first:], 3) // second entry's totalSize
	got, err = DecodeBatch(bad)
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Len(t, got, 1)
	assert.Contains(t, err.Error(), "message: batch entry 1 at byte")

	got, err = DecodeBatch(nil)
	assert.NoError(t, err)
	assert.Nil(t, got)
}
