package message

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// UniqIDGenerator produces client message ids (the UNIQ_KEY property) in the
// layout of Java's MessageClientIDSetter: uppercase hex of IP (4 or 16
// bytes), pid (int16) and a random int32 standing in for Java's class-loader
// hash, followed by milliseconds since the start of the current local month
// (int32) and a wrapping counter (int16). Ids are 32 hex characters with an
// IPv4 address and 56 with IPv6.
//
// Create one with NewUniqIDGenerator; the zero value is not usable. It is
// safe for concurrent use; Next takes no lock and allocates only the
// returned string, AppendNext nothing beyond what dst needs.
type UniqIDGenerator struct {
	prefix  [2 * (16 + 2 + 4)]byte
	plen    int
	counter atomic.Uint32
	month   atomic.Pointer[monthWindow]
}

// monthWindow is the local month the time field is measured from, in Unix ms.
type monthWindow struct{ start, next int64 }

func newMonthWindow(now time.Time) *monthWindow {
	now = now.Local()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local)
	return &monthWindow{start: start.UnixMilli(), next: start.AddDate(0, 1, 0).UnixMilli()}
}

// NewUniqIDGenerator builds a generator for ip and pid. An IPv4-mapped
// address counts as IPv4. With an invalid ip, four bytes of the clock take
// its place, as Java does when a host has no usable address.
func NewUniqIDGenerator(ip netip.Addr, pid int) *UniqIDGenerator {
	ip = ip.Unmap()
	var raw [16 + 2 + 4]byte
	n := 0
	switch {
	case ip.Is4():
		v4 := ip.As4()
		n = copy(raw[:], v4[:])
	case ip.Is6():
		v6 := ip.As16()
		n = copy(raw[:], v6[:])
	default:
		binary.BigEndian.PutUint32(raw[:], uint32(time.Now().UnixMilli()))
		n = 4
	}
	binary.BigEndian.PutUint16(raw[n:], uint16(int16(pid)))
	binary.BigEndian.PutUint32(raw[n+2:], rand.Uint32())
	g := &UniqIDGenerator{}
	g.plen = len(appendHexUpper(g.prefix[:0], raw[:n+6]))
	g.month.Store(newMonthWindow(time.Now()))
	return g
}

// Next returns a new id.
func (g *UniqIDGenerator) Next() string {
	var buf [len(g.prefix) + 12]byte
	return string(g.AppendNext(buf[:0]))
}

// AppendNext appends a new id to dst, for a caller that builds it into a larger string.
func (g *UniqIDGenerator) AppendNext(dst []byte) []byte {
	now := time.Now()
	ms := now.UnixMilli()
	w := g.month.Load()
	// The window is replaced when the month rolls over, or when the clock
	// steps back before it. Racing goroutines compute the same window, so
	// a plain store is enough.
	if ms >= w.next || ms < w.start {
		w = newMonthWindow(now)
		g.month.Store(w)
	}
	var raw [6]byte
	binary.BigEndian.PutUint32(raw[:], uint32(ms-w.start))
	binary.BigEndian.PutUint16(raw[4:], uint16(g.counter.Add(1)-1))
	dst = append(dst, g.prefix[:g.plen]...)
	return appendHexUpper(dst, raw[:])
}

// DefaultUniqIDGenerator returns the process-wide generator, created on
// first use from the first non-loopback IPv4 address of this host and the
// process id. A process-wide instance is legitimate here: it holds no
// configuration, only the process identity and the counter that separates
// ids issued in the same millisecond, and sharing that counter among every
// producer of the process (as Java's static MessageClientIDSetter does)
// keeps the collision window at 65536 ids per millisecond per process
// instead of per producer.
func DefaultUniqIDGenerator() *UniqIDGenerator {
	return defaultUniqIDGenerator()
}

var defaultUniqIDGenerator = sync.OnceValue(func() *UniqIDGenerator {
	return NewUniqIDGenerator(localIPv4(), os.Getpid())
})

// localIPv4 picks the first non-loopback, non-link-local IPv4 address,
// falling back to a loopback address, then to the invalid Addr (which makes
// the generator use the clock).
func localIPv4() netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}
	}
	var loopback netip.Addr
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipnet.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		switch {
		case !ip.Is4() || ip.IsUnspecified() || ip.IsLinkLocalUnicast():
		case ip.IsLoopback():
			if !loopback.IsValid() {
				loopback = ip
			}
		default:
			return ip
		}
	}
	return loopback
}
