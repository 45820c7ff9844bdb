package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleExt(i int) *MessageExt {
	m := &MessageExt{
		Message: Message{
			Topic: "TopicTest",
			Flag:  int32(7 + i),
			Body:  []byte("hello rocketmq " + string(rune('a'+i))),
		},
		QueueID:                   int32(i % 4),
		QueueOffset:               int64(100 + i),
		CommitLogOffset:           int64(0x1000 * (i + 1)),
		BornTimestamp:             1700000000000 + int64(i),
		BornHost:                  netip.MustParseAddrPort("192.168.1.20:54321"),
		StoreTimestamp:            1700000000005 + int64(i),
		StoreHost:                 netip.MustParseAddrPort("10.0.0.1:10911"),
		ReconsumeTimes:            int32(i),
		PreparedTransactionOffset: int64(i) * 3,
	}
	m.SetTags("TagA")
	m.SetKeys("order-1", "user-2")
	m.SetProperty(PropertyUniqClientMessageIDKeyIndex, "0A0000010001000000000000000000"+string(rune('A'+i))+"0")
	return m
}

// wantDecoded is what decoding m's record must give back.
func wantDecoded(m *MessageExt) *MessageExt {
	w := *m
	w.MsgID = OffsetMsgID(m.StoreHost, m.CommitLogOffset)
	if len(w.Body) == 0 {
		w.Body = nil
	}
	return &w
}

func TestStoredRoundTripIPv4(t *testing.T) {
	m := sampleExt(0)
	b := AppendStored(nil, m)
	require.Len(t, b, StoredSize(m))
	assert.Equal(t, int32(len(b)), m.StoreSize)
	assert.Equal(t, BodyCRC(m.Body), m.BodyCRC)
	assert.Zero(t, m.SysFlag&(SysFlagBornHostV6|SysFlagStoreHostV6))
	assert.Equal(t, []byte{0xDA, 0xA3, 0x20, 0xA7}, b[4:8])

	got, err := DecodeStored(b, DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, wantDecoded(m), got[0])
	assert.Equal(t, "0A00000100002A9F0000000000001000", got[0].MsgID)
}

func TestStoredRoundTripIPv6(t *testing.T) {
	m := sampleExt(1)
	m.BornHost = netip.MustParseAddrPort("[2001:db8::1]:40000")
	m.StoreHost = netip.MustParseAddrPort("[fe80::abcd]:10911")
	v4 := StoredSize(sampleExt(1))
	assert.Equal(t, v4+24, StoredSize(m))
	b := AppendStored(nil, m)
	require.Len(t, b, StoredSize(m))
	assert.Equal(t, SysFlagBornHostV6|SysFlagStoreHostV6, m.SysFlag)

	got, err := DecodeStored(b, DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, wantDecoded(m), got[0])
	assert.Len(t, got[0].MsgID, OffsetMsgIDLenV6)

	// Mixed families, and stale v6 bits in SysFlag are corrected.
	m = sampleExt(2)
	m.SysFlag = SysFlagBornHostV6 | SysFlagTransactionPrepared
	m.StoreHost = netip.MustParseAddrPort("[::1]:1")
	b = AppendStored(nil, m)
	assert.Equal(t, SysFlagStoreHostV6|SysFlagTransactionPrepared, m.SysFlag)
	one, n, err := DecodeStoredOne(b, DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	assert.Equal(t, wantDecoded(m), one)
}

// TestStoredFieldOrder builds a record field by field from the notes' table,
// independently of AppendStored, and checks both directions.
func TestStoredFieldOrder(t *testing.T) {
	body := []byte("body")
	props := "TAGS\x01t"
	var b []byte
	be := binary.BigEndian
	total := 91 + len(body) + len("T") + len(props) // 91 = fixed fields with IPv4 hosts
	b = be.AppendUint32(b, uint32(total))
	b = be.AppendUint32(b, 0xDAA320A7)
	b = be.AppendUint32(b, uint32(BodyCRC(body)))
	b = be.AppendUint32(b, 3)                  // queue id
	b = be.AppendUint32(b, 9)                  // flag
	b = be.AppendUint64(b, 11)                 // queue offset
	b = be.AppendUint64(b, 0x1234)             // physical offset
	b = be.AppendUint32(b, 0)                  // sysFlag
	b = be.AppendUint64(b, 1111)               // born timestamp
	b = append(b, 127, 0, 0, 1)                // born ip
	b = be.AppendUint32(b, 5555)               // born port
	b = be.AppendUint64(b, 2222)               // store timestamp
	b = append(b, 10, 0, 0, 1)                 // store ip
	b = be.AppendUint32(b, 10911)              // store port
	b = be.AppendUint32(b, 4)                  // reconsume times
	b = be.AppendUint64(b, 5)                  // prepared transaction offset
	b = be.AppendUint32(b, uint32(len(body)))  // body length
	b = append(b, body...)                     // body
	b = append(b, 1, 'T')                      // topic
	b = be.AppendUint16(b, uint16(len(props))) // properties length
	b = append(b, props...)                    // properties
	require.Len(t, b, total)

	got, err := DecodeStored(b, DecodeOptions{VerifyCRC: true})
	require.NoError(t, err)
	require.Len(t, got, 1)
	m := got[0]
	want := &MessageExt{
		Message:         Message{Topic: "T", Flag: 9, Body: body, Properties: map[string]string{"TAGS": "t"}},
		StoreSize:       int32(total),
		QueueID:         3,
		QueueOffset:     11,
		CommitLogOffset: 0x1234,
		BornTimestamp:   1111,
		BornHost:        netip.MustParseAddrPort("127.0.0.1:5555"),
		StoreTimestamp:  2222,
		StoreHost:       netip.MustParseAddrPort("10.0.0.1:10911"),
		ReconsumeTimes:  4, PreparedTransactionOffset: 5,
		BodyCRC: BodyCRC(body),
		MsgID:   "0A00000100002A9F0000000000001234",
	}
	assert.Equal(t, want, m)

	re := AppendStored(nil, m)
	assert.Equal(t, b, re)
}

func TestStoredEmptyBodyAndProperties(t *testing.T) {
	m := &MessageExt{Message: Message{Topic: "T"}, StoreHost: netip.MustParseAddrPort("1.2.3.4:5")}
	b := AppendStored(nil, m)
	assert.Len(t, b, MinStoredSize+1)
	got, err := DecodeStored(b, DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Nil(t, got[0].Body)
	assert.Nil(t, got[0].Properties)
	assert.Equal(t, "T", got[0].Topic)

	// A zero MessageExt encodes (0.0.0.0 hosts, empty topic) without panicking.
	var z MessageExt
	b = AppendStored(nil, &z)
	assert.Len(t, b, MinStoredSize)
	got, err = DecodeStored(b, DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddrPort("0.0.0.0:0"), got[0].StoreHost)
}

func TestStoredBackToBack(t *testing.T) {
	var buf []byte
	var want []*MessageExt
	for i := range 5 {
		m := sampleExt(i)
		if i == 3 {
			m.StoreHost = netip.MustParseAddrPort("[2001:db8::2]:10911")
			m.Body = nil
		}
		buf = AppendStored(buf, m)
		want = append(want, wantDecoded(m))
	}
	got, err := DecodeStored(buf, DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Results own their memory.
	clear(buf)
	assert.Equal(t, want, got)
}

func TestStoredCompressed(t *testing.T) {
	plain := bytes.Repeat([]byte("compress me please "), 400)
	z, err := Compress(plain, DefaultCompressLevel)
	require.NoError(t, err)
	for _, flag := range []int32{SysFlagCompressed | SysFlagCompressionZlib, SysFlagCompressed} {
		m := sampleExt(0)
		m.Body = z
		m.SysFlag = flag
		b := AppendStored(nil, m)
		assert.Equal(t, BodyCRC(z), m.BodyCRC, "CRC covers the stored bytes")

		got, err := DecodeStored(b, DecodeOptions{})
		require.NoError(t, err)
		assert.Equal(t, z, got[0].Body, "left compressed without Decompress")

		got, err = DecodeStored(b, DecodeOptions{Decompress: true, VerifyCRC: true})
		require.NoError(t, err)
		assert.Equal(t, plain, got[0].Body)
		assert.Equal(t, flag, got[0].SysFlag, "flags still describe the stored form")
		assert.Equal(t, m.BodyCRC, got[0].BodyCRC)
	}
}

func TestStoredDecompressErrors(t *testing.T) {
	big := make([]byte, 2<<20)
	z, err := Compress(big, DefaultCompressLevel)
	require.NoError(t, err)

	ok := sampleExt(0)
	var buf []byte
	buf = AppendStored(buf, ok)
	bomb := sampleExt(1)
	bomb.Body, bomb.SysFlag = z, SysFlagCompressed
	buf = AppendStored(buf, bomb)

	got, err := DecodeStored(buf, DecodeOptions{Decompress: true, MaxBodySize: 1 << 20})
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	assert.Len(t, got, 1, "messages before the bad record are returned")
	assert.Contains(t, err.Error(), "message: stored record 1 at byte")

	lz4 := sampleExt(2)
	lz4.SysFlag = SysFlagCompressed | SysFlagCompressionLZ4
	b := AppendStored(nil, lz4)
	_, err = DecodeStored(b, DecodeOptions{Decompress: true})
	assert.ErrorIs(t, err, ErrUnsupportedCompression)
	got, err = DecodeStored(b, DecodeOptions{})
	require.NoError(t, err, "without Decompress the body is just bytes")
	assert.Equal(t, lz4.Body, got[0].Body)

	garbage := sampleExt(3)
	garbage.SysFlag = SysFlagCompressed
	_, err = DecodeStored(AppendStored(nil, garbage), DecodeOptions{Decompress: true})
	assert.Error(t, err)
}

func TestStoredTruncated(t *testing.T) {
	var buf []byte
	var ends []int
	for i := range 3 {
		buf = AppendStored(buf, sampleExt(i))
		ends = append(ends, len(buf))
	}
	for cut := 0; cut <= len(buf); cut++ {
		complete := 0
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		got, err := DecodeStored(buf[:cut], DecodeOptions{})
		assert.Len(t, got, complete, "cut %d", cut)
		atBoundary := cut == 0 || complete > 0 && ends[complete-1] == cut
		if atBoundary {
			assert.NoError(t, err, "cut %d", cut)
		} else {
			assert.ErrorIs(t, err, ErrTruncated, "cut %d", cut)
		}
		_, _, err = DecodeStoredOne(buf[:cut], DecodeOptions{})
		assert.Equal(t, cut < ends[0], err != nil, "cut %d", cut)
	}
}

func TestStoredCorrupt(t *testing.T) {
	first := AppendStored(nil, sampleExt(0))
	second := AppendStored(nil, sampleExt(1))
	n := len(first)
	decodeWith := func(mut func(rec []byte) []byte) ([]*MessageExt, error) {
		rec := mut(bytes.Clone(second))
		return DecodeStored(append(bytes.Clone(first), rec...), DecodeOptions{})
	}
	be := binary.BigEndian
	cases := []struct {
		name string
		mut  func([]byte) []byte
		want error
	}{
		{"bad magic", func(r []byte) []byte { r[4] ^= 0xFF; return r }, ErrBadMagic},
		{"blank magic", func(r []byte) []byte { be.PutUint32(r[4:], uint32(0xCBD43194)); return r }, ErrBlank},
		{"total too small", func(r []byte) []byte { be.PutUint32(r, 20); return r }, ErrMalformed},
		{"total negative", func(r []byte) []byte { be.PutUint32(r, 0x80000000); return r }, ErrMalformed},
		{"total too large", func(r []byte) []byte { be.PutUint32(r, uint32(len(r)+1)); return r }, ErrTruncated},
		{"total larger than fields", func(r []byte) []byte {
			be.PutUint32(r, uint32(len(r)+1))
			return append(r, 0)
		}, ErrMalformed},
		{"body length huge", func(r []byte) []byte { be.PutUint32(r[bodyLenAt(r):], 0x7FFFFFF0); return r }, ErrMalformed},
		{"body length negative", func(r []byte) []byte { be.PutUint32(r[bodyLenAt(r):], 0xFFFFFFFF); return r }, ErrMalformed},
		{"bad port", func(r []byte) []byte { be.PutUint32(r[offSysFlag+4+8+4:], 70000); return r }, ErrMalformed},
		{"v6 flag on v4 record", func(r []byte) []byte {
			be.PutUint32(r[offSysFlag:], uint32(SysFlagStoreHostV6))
			return r
		}, ErrMalformed},
	}
	for _, c := range cases {
		got, err := decodeWith(c.mut)
		assert.ErrorIs(t, err, c.want, c.name)
		assert.Len(t, got, 1, c.name)
		if err != nil {
			assert.Contains(t, err.Error(), "at byte "+itoa(n), c.name)
		}
	}

	// A CRC mismatch only matters when asked for.
	rec := bytes.Clone(first)
	rec[bodyLenAt(rec)+4] ^= 1
	_, err := DecodeStored(rec, DecodeOptions{})
	assert.NoError(t, err)
	_, err = DecodeStored(rec, DecodeOptions{VerifyCRC: true})
	assert.ErrorIs(t, err, ErrBodyCRC)
}

func bodyLenAt(rec []byte) int {
	sys := int32(binary.BigEndian.Uint32(rec[offSysFlag:]))
	born, store := 8, 8
	if sys&SysFlagBornHostV6 != 0 {
		born = 20
	}
	if sys&SysFlagStoreHostV6 != 0 {
		store = 20
	}
	return offSysFlag + 4 + 8 + born + 8 + store + 4 + 8
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestStoredOversizedFieldsDoNotPanic(t *testing.T) {
	m := sampleExt(0)
	m.Topic = string(bytes.Repeat([]byte("t"), 300))
	m.SetProperty("big", string(bytes.Repeat([]byte("v"), 70000)))
	b := AppendStored(nil, m)
	assert.Len(t, b, StoredSize(m))
	got, err := DecodeStored(b, DecodeOptions{})
	require.NoError(t, err)
	assert.Len(t, got[0].Topic, 255)
}

func TestAppendStoredNoAlloc(t *testing.T) {
	m := sampleExt(0)
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() { buf = AppendStored(buf[:0], m) })
	assert.Zero(t, allocs)
}

func TestDecodeStoredEmpty(t *testing.T) {
	got, err := DecodeStored(nil, DecodeOptions{})
	assert.NoError(t, err)
	assert.Nil(t, got)
	_, _, err = DecodeStoredOne(nil, DecodeOptions{})
	assert.True(t, errors.Is(err, ErrTruncated))
}
