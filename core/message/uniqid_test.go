package message

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var upperHex = regexp.MustCompile(`^[0-9A-F]+$`)

func TestUniqIDLayoutIPv4(t *testing.T) {
	g := NewUniqIDGenerator(netip.MustParseAddr("10.0.0.1"), 0x12345)
	before := time.Now()
	id := g.Next()
	after := time.Now()
	require.Len(t, id, 32)
	assert.Regexp(t, upperHex, id)
	assert.Equal(t, "0A000001"+"2345", id[:12], "IP, then pid truncated to int16")

	raw, err := hex.DecodeString(id)
	require.NoError(t, err)
	ms := int64(binary.BigEndian.Uint32(raw[10:]))
	monthStart := time.Date(before.Year(), before.Month(), 1, 0, 0, 0, 0, time.Local).UnixMilli()
	lo, hi := before.UnixMilli()-monthStart, after.UnixMilli()-monthStart
	assert.True(t, lo <= ms && ms <= hi, "time field %d outside [%d, %d]", ms, lo, hi)
	assert.Equal(t, uint16(0), binary.BigEndian.Uint16(raw[14:]), "first counter value")

	next := g.Next()
	assert.Equal(t, id[:20], next[:20], "the prefix is fixed")
	raw, _ = hex.DecodeString(next)
	assert.Equal(t, uint16(1), binary.BigEndian.Uint16(raw[14:]))
}

func TestUniqIDOtherAddresses(t *testing.T) {
	id := NewUniqIDGenerator(netip.MustParseAddr("2001:db8::1"), 1).Next()
	assert.Len(t, id, 56)
	assert.Regexp(t, upperHex, id)
	assert.Equal(t, "20010DB8000000000000000000000001", id[:32])

	id = NewUniqIDGenerator(netip.MustParseAddr("::ffff:10.0.0.1"), 1).Next()
	assert.Len(t, id, 32, "an IPv4-mapped address counts as IPv4")

	id = NewUniqIDGenerator(netip.Addr{}, 1).Next()
	assert.Len(t, id, 32, "no address: four clock bytes")
	assert.Regexp(t, upperHex, id)

	d := DefaultUniqIDGenerator()
	assert.Same(t, d, DefaultUniqIDGenerator())
	id = d.Next()
	assert.Regexp(t, upperHex, id)
	assert.Len(t, id, 32)
}

func TestUniqIDUniqueAcrossGoroutines(t *testing.T) {
	g := NewUniqIDGenerator(netip.MustParseAddr("10.0.0.1"), 42)
	const workers, per = 8, 12500
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]string, per)
			for i := range out {
				out[i] = g.Next()
			}
			ids[w] = out
		}()
	}
	wg.Wait()
	seen := make(map[string]struct{}, workers*per)
	for _, list := range ids {
		for _, id := range list {
			_, dup := seen[id]
			require.False(t, dup, "duplicate id %s", id)
			seen[id] = struct{}{}
		}
	}
	assert.Len(t, seen, workers*per)
}

func TestUniqIDMonthRollover(t *testing.T) {
	g := NewUniqIDGenerator(netip.MustParseAddr("10.0.0.1"), 1)
	// Pretend the window is from a past month: Next must move to the
	// current one instead of producing an ever-growing time field.
	g.month.Store(&monthWindow{start: 0, next: 1})
	raw, err := hex.DecodeString(g.Next())
	require.NoError(t, err)
	now := time.Now()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).UnixMilli()
	assert.InDelta(t, float64(uint32(now.UnixMilli()-monthStart)), float64(binary.BigEndian.Uint32(raw[10:])), 5000)
	assert.Equal(t, monthStart, g.month.Load().start)
}

var idSink string

func TestUniqIDOneAllocation(t *testing.T) {
	g := NewUniqIDGenerator(netip.MustParseAddr("10.0.0.1"), 1)
	assert.Equal(t, 1.0, testing.AllocsPerRun(1000, func() { idSink = g.Next() }))
	buf := make([]byte, 0, 64)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { buf = g.AppendNext(buf[:0]) }))
	assert.Len(t, buf, 32)
}
