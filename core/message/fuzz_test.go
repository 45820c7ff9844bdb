package message

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Seeds beyond these live in testdata/fuzz/<FuzzName>/.

func FuzzDecodeStored(f *testing.F) {
	var two []byte
	for i := range 2 {
		two = AppendStored(two, sampleExt(i))
	}
	f.Add(two, false)
	f.Add(two[:len(two)-1], true)
	z, _ := Compress([]byte(strings.Repeat("zz", 100)), DefaultCompressLevel)
	c := sampleExt(0)
	c.Body, c.SysFlag = z, SysFlagCompressed
	f.Add(AppendStored(nil, c), true)

	f.Fuzz(func(t *testing.T, data []byte, decompress bool) {
		opts := DecodeOptions{Decompress: decompress, MaxBodySize: 1 << 20}
		msgs, err := DecodeStored(data, opts)
		if one, n, err1 := DecodeStoredOne(data, opts); err1 == nil {
			require.NotEmpty(t, msgs)
			require.Equal(t, msgs[0], one)
			require.Equal(t, int(one.StoreSize), n)
		} else if len(data) > 0 {
			require.Empty(t, msgs)
		}
		if err == nil {
			total := 0
			for _, m := range msgs {
				total += int(m.StoreSize)
			}
			require.Equal(t, len(data), total)
		}
		if decompress {
			return // inflated bodies no longer match their sysFlag
		}
		// What decoded must re-encode to records that decode the same.
		// Bytes may differ: property order, and entries the parser drops.
		var re []byte
		for _, m := range msgs {
			cp := *m
			re = AppendStored(re, &cp)
		}
		again, err := DecodeStored(re, DecodeOptions{})
		require.NoError(t, err)
		require.Len(t, again, len(msgs))
		for i := range msgs {
			want := *msgs[i]
			want.StoreSize, want.BodyCRC = again[i].StoreSize, again[i].BodyCRC
			require.Equal(t, &want, again[i])
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(AppendBatch(nil, sampleBatch()))
	f.Add([]byte{0, 0, 0, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, _ := DecodeBatch(data) // on error, msgs is the good prefix
		again, err := DecodeBatch(AppendBatch(nil, msgs))
		require.NoError(t, err)
		require.Equal(t, msgs, again)
	})
}

func FuzzParseProperties(f *testing.F) {
	f.Add([]byte("TAGS\x01a\x02KEYS\x01k1 k2"))
	f.Add([]byte("a\x01b\x02"))
	f.Add([]byte("\x01\x02a\x01\x01b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		props := ParseProperties(data)
		if len(props) == 0 {
			require.Nil(t, props)
		}
		for k, v := range props {
			require.NotEmpty(t, k)
			require.NotEmpty(t, v)
			require.NotContains(t, k, string(NameValueSeparator))
			require.NotContains(t, k, string(PropertySeparator))
			require.NotContains(t, v, string(PropertySeparator))
		}
		b := AppendProperties(nil, props)
		require.Len(t, b, PropertiesSize(props))
		require.Equal(t, props, ParseProperties(b))
		if len(props) > 0 {
			// A trailing separator, as rocketmq-client-go writes, changes nothing.
			require.Equal(t, props, ParseProperties(append(b, PropertySeparator)))
		}
	})
}

func FuzzParseOffsetMsgID(f *testing.F) {
	f.Add("0A00000100002A9F0000000000001234")
	f.Add(OffsetMsgID(netip.MustParseAddrPort("[2001:db8::1]:10911"), 99))
	f.Add("0a00000100002a9f000000000000123")
	f.Fuzz(func(t *testing.T, id string) {
		host, off, err := ParseOffsetMsgID(id)
		if err != nil {
			return
		}
		require.Equal(t, strings.ToUpper(id), OffsetMsgID(host, off))
		require.True(t, bytes.Equal([]byte(strings.ToUpper(id)), AppendOffsetMsgID(nil, host, off)))
	})
}
