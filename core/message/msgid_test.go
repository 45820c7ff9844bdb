package message

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOffsetMsgIDKnownVectors(t *testing.T) {
	// 10.0.0.1 = 0A000001, port 10911 = 0x2A9F, offset 0x1234.
	host := netip.MustParseAddrPort("10.0.0.1:10911")
	id := OffsetMsgID(host, 0x1234)
	assert.Equal(t, "0A00000100002A9F0000000000001234", id)

	h, off, err := ParseOffsetMsgID(id)
	require.NoError(t, err)
	assert.Equal(t, host, h)
	assert.Equal(t, int64(0x1234), off)

	h, off, err = ParseOffsetMsgID(strings.ToLower(id))
	require.NoError(t, err)
	assert.Equal(t, host, h)
	assert.Equal(t, int64(0x1234), off)

	v6 := netip.MustParseAddrPort("[::1]:8080")
	id = OffsetMsgID(v6, -1)
	assert.Equal(t, "00000000000000000000000000000001"+"00001F90"+"FFFFFFFFFFFFFFFF", id)
	h, off, err = ParseOffsetMsgID(id)
	require.NoError(t, err)
	assert.Equal(t, v6, h)
	assert.Equal(t, int64(-1), off)

	// An IPv4-mapped address keeps its 16 bytes both ways.
	mapped := netip.AddrPortFrom(netip.MustParseAddr("::ffff:10.0.0.1"), 1)
	id = OffsetMsgID(mapped, 7)
	assert.Len(t, id, OffsetMsgIDLenV6)
	h, _, err = ParseOffsetMsgID(id)
	require.NoError(t, err)
	assert.Equal(t, mapped, h)
}

func TestParseOffsetMsgIDErrors(t *testing.T) {
	valid := OffsetMsgID(netip.MustParseAddrPort("10.0.0.1:10911"), 0x1234)
	for name, id := range map[string]string{
		"empty":        "",
		"odd length":   valid[:31],
		"wrong length": valid[:30],
		"too long":     valid + "00",
		"non-hex":      "ZZ" + valid[2:],
		"port range":   "0A000001" + "FFFFFFFF" + "0000000000001234",
	} {
		_, _, err := ParseOffsetMsgID(id)
		assert.Error(t, err, name)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "message: "), name)
		}
	}
}

func TestAppendOffsetMsgIDNoAlloc(t *testing.T) {
	host := netip.MustParseAddrPort("[2001:db8::1]:10911")
	buf := make([]byte, 0, OffsetMsgIDLenV6)
	allocs := testing.AllocsPerRun(100, func() { buf = AppendOffsetMsgID(buf[:0], host, 42) })
	assert.Zero(t, allocs)
	assert.Len(t, buf, OffsetMsgIDLenV6)
}
