package message

import (
	"bytes"
	"net/netip"
	"strconv"
	"testing"
)

// pullBody is a typical PULL_MESSAGE body: 32 messages of 1 KiB with the
// properties a Java producer sets.
func pullBody(b *testing.B) []byte {
	b.Helper()
	gen := NewUniqIDGenerator(netip.MustParseAddr("10.0.0.7"), 4242)
	var buf []byte
	for i := range 32 {
		m := &MessageExt{
			Message: Message{
				Topic: "BenchmarkTopic",
				Body:  bytes.Repeat([]byte{byte('a' + i%26)}, 1024),
			},
			QueueID:         1,
			QueueOffset:     int64(i),
			CommitLogOffset: int64(i) * 1200,
			BornTimestamp:   1700000000000,
			BornHost:        netip.MustParseAddrPort("10.0.0.7:50000"),
			StoreTimestamp:  1700000000001,
			StoreHost:       netip.MustParseAddrPort("10.0.0.1:10911"),
		}
		m.SetTags("TagA")
		m.SetKeys("order-"+strconv.Itoa(i), "user-42")
		m.SetProperty(PropertyUniqClientMessageIDKeyIndex, gen.Next())
		m.SetProperty(PropertyWaitStoreMsgOK, "true")
		buf = AppendStored(buf, m)
	}
	return buf
}

func BenchmarkDecodeStored(b *testing.B) {
	body := pullBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := DecodeStored(body, DecodeOptions{})
		if err != nil || len(msgs) != 32 {
			b.Fatal(err, len(msgs))
		}
	}
}

func BenchmarkAppendStored(b *testing.B) {
	m := sampleExt(0)
	m.Body = bytes.Repeat([]byte("x"), 1024)
	buf := make([]byte, 0, StoredSize(m))
	b.SetBytes(int64(StoredSize(m)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendStored(buf[:0], m)
	}
}

func BenchmarkUniqIDNext(b *testing.B) {
	g := NewUniqIDGenerator(netip.MustParseAddr("10.0.0.7"), 4242)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = g.Next()
		}
	})
}

func BenchmarkAppendProperties(b *testing.B) {
	props := map[string]string{
		PropertyTags:                        "TagA",
		PropertyKeys:                        "order-1 user-42",
		PropertyUniqClientMessageIDKeyIndex: "0A00000710920000000000000000A0B0",
		PropertyWaitStoreMsgOK:              "true",
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendProperties(buf[:0], props)
	}
}
