package message

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
)

const hexUpper = "0123456789ABCDEF"

// Lengths of an offset message id in hex characters.
const (
	OffsetMsgIDLenV4 = 2 * (4 + 4 + 8)
	OffsetMsgIDLenV6 = 2 * (16 + 4 + 8)
)

func appendHexUpper(dst, src []byte) []byte {
	for _, c := range src {
		dst = append(dst, hexUpper[c>>4], hexUpper[c&0xF])
	}
	return dst
}

// hostBytes is the wire form of an address: 4 bytes for a plain IPv4
// address (and, so encoding never fails, for the zero Addr), 16 otherwise.
// An IPv4-mapped IPv6 address keeps its 16 bytes so that what was decoded
// from a record re-encodes to the same record.
func hostBytes(a netip.Addr) ([16]byte, int) {
	if a.Is6() {
		return a.As16(), 16
	}
	var b [16]byte
	if a.Is4() {
		v4 := a.As4()
		copy(b[:], v4[:])
	}
	return b, 4
}

// OffsetMsgID returns the broker's message id for a record: uppercase hex of
// store IP (4 or 16 bytes), port as int32 and commit-log offset as int64.
// It is all a client needs to fetch the record back (VIEW_MESSAGE_BY_ID).
func OffsetMsgID(storeHost netip.AddrPort, commitLogOffset int64) string {
	var buf [OffsetMsgIDLenV6]byte
	return string(AppendOffsetMsgID(buf[:0], storeHost, commitLogOffset))
}

// AppendOffsetMsgID is OffsetMsgID appending to dst.
func AppendOffsetMsgID(dst []byte, storeHost netip.AddrPort, commitLogOffset int64) []byte {
	ip, n := hostBytes(storeHost.Addr())
	var raw [28]byte
	copy(raw[:], ip[:n])
	binary.BigEndian.PutUint32(raw[n:], uint32(storeHost.Port()))
	binary.BigEndian.PutUint64(raw[n+4:], uint64(commitLogOffset))
	return appendHexUpper(dst, raw[:n+12])
}

// ParseOffsetMsgID decodes an offset message id (either hex case).
func ParseOffsetMsgID(id string) (netip.AddrPort, int64, error) {
	if len(id)%2 != 0 {
		return netip.AddrPort{}, 0, fmt.Errorf("message: offset msg id %q: odd length %d", id, len(id))
	}
	if len(id) != OffsetMsgIDLenV4 && len(id) != OffsetMsgIDLenV6 {
		return netip.AddrPort{}, 0, fmt.Errorf("message: offset msg id %q: length %d, want %d or %d",
			id, len(id), OffsetMsgIDLenV4, OffsetMsgIDLenV6)
	}
	var raw [28]byte
	n, err := hex.Decode(raw[:], []byte(id))
	if err != nil {
		return netip.AddrPort{}, 0, fmt.Errorf("message: offset msg id %q: %w", id, err)
	}
	ipLen := n - 12
	var addr netip.Addr
	if ipLen == 4 {
		addr = netip.AddrFrom4([4]byte(raw[:4]))
	} else {
		addr = netip.AddrFrom16([16]byte(raw[:16]))
	}
	port := int32(binary.BigEndian.Uint32(raw[ipLen:]))
	if port < 0 || port > 0xFFFF {
		return netip.AddrPort{}, 0, fmt.Errorf("message: offset msg id %q: port %d out of range", id, port)
	}
	offset := int64(binary.BigEndian.Uint64(raw[ipLen+4:]))
	return netip.AddrPortFrom(addr, uint16(port)), offset, nil
}
