package message

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"slices"
	"strings"
)

// Magic codes at offset 4 of a commit-log record.
const (
	MagicCode = int32(-626843481) // 0xDAA320A7, a message record
	// BlankMagicCode marks the unused tail of a commit-log file. It never
	// appears in pull bodies; a broker reading its own files must stop there.
	BlankMagicCode = int32(-875286124) // 0xCBD43194

	magicCodeBits = 0xDAA320A7
)

// Errors wrapped by the stored-record and batch decoders; test with errors.Is.
var (
	ErrTruncated = errors.New("truncated record")
	ErrBadMagic  = errors.New("bad magic code")
	ErrMalformed = errors.New("malformed record")
	ErrBlank     = errors.New("blank (end of file) record")
	ErrBodyCRC   = errors.New("body CRC mismatch")
)

const (
	// storedFixedSize counts every field except the two hosts and the
	// variable-length body, topic and properties.
	storedFixedSize = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 4 + 1 + 2
	// MinStoredSize is the smallest possible record (IPv4 hosts, nothing else).
	MinStoredSize = storedFixedSize + 8 + 8

	maxTopicLen = 0xFF
	maxPropsLen = 0xFFFF

	offSysFlag = 4 + 4 + 4 + 4 + 4 + 8 + 8
)

// DecodeOptions tunes DecodeStored and DecodeStoredOne.
type DecodeOptions struct {
	// Decompress inflates bodies whose sysFlag has SysFlagCompressed. SysFlag
	// and BodyCRC keep describing the stored (compressed) form.
	Decompress bool
	// MaxBodySize bounds an inflated body; <= 0 means DefaultMaxBodySize.
	MaxBodySize int
	// VerifyCRC checks BODYCRC against the stored body, as a broker does when
	// it recovers its commit log. Pull consumers normally skip it.
	VerifyCRC bool
}

func hostWireLen(a netip.Addr) int {
	if a.Is6() {
		return 20
	}
	return 8
}

// StoredSize is the exact size of the record AppendStored writes for m.
func StoredSize(m *MessageExt) int {
	return storedFixedSize +
		hostWireLen(m.BornHost.Addr()) + hostWireLen(m.StoreHost.Addr()) +
		len(m.Body) +
		min(len(m.Topic), maxTopicLen) +
		min(PropertiesSize(m.Properties), maxPropsLen)
}

// AppendStored appends m as one commit-log record, exactly as a broker
// stores it. The body is written as given: the broker keeps what the
// producer sent, compressed or not, and SysFlag must say which.
//
// The host-v6 bits of the written sysFlag follow BornHost and StoreHost
// (an invalid address is written as 0.0.0.0). SysFlag, BodyCRC (CRC32-IEEE
// of the body) and StoreSize are written back to m, so m describes the
// record just written.
//
// A broker rejects topics over 127 bytes and properties of 32767 bytes or
// more before storing, so such messages are a caller bug. Rather than panic
// or emit a record whose length fields disagree with its content, the topic
// is cut at 255 bytes and the properties at 65535 (possibly mid-entry);
// Java readers will still reject such a record.
func AppendStored(dst []byte, m *MessageExt) []byte {
	dst = slices.Grow(dst, StoredSize(m))
	born, store := m.BornHost.Addr(), m.StoreHost.Addr()
	sysFlag := m.SysFlag &^ (SysFlagBornHostV6 | SysFlagStoreHostV6)
	if born.Is6() {
		sysFlag |= SysFlagBornHostV6
	}
	if store.Is6() {
		sysFlag |= SysFlagStoreHostV6
	}
	crc := BodyCRC(m.Body)

	be := binary.BigEndian
	start := len(dst)
	dst = be.AppendUint32(dst, 0) // TOTALSIZE, patched below
	dst = be.AppendUint32(dst, magicCodeBits)
	dst = be.AppendUint32(dst, uint32(crc))
	dst = be.AppendUint32(dst, uint32(m.QueueID))
	dst = be.AppendUint32(dst, uint32(m.Flag))
	dst = be.AppendUint64(dst, uint64(m.QueueOffset))
	dst = be.AppendUint64(dst, uint64(m.CommitLogOffset))
	dst = be.AppendUint32(dst, uint32(sysFlag))
	dst = be.AppendUint64(dst, uint64(m.BornTimestamp))
	dst = appendHost(dst, m.BornHost)
	dst = be.AppendUint64(dst, uint64(m.StoreTimestamp))
	dst = appendHost(dst, m.StoreHost)
	dst = be.AppendUint32(dst, uint32(m.ReconsumeTimes))
	dst = be.AppendUint64(dst, uint64(m.PreparedTransactionOffset))
	dst = be.AppendUint32(dst, uint32(len(m.Body)))
	dst = append(dst, m.Body...)
	topic := m.Topic
	if len(topic) > maxTopicLen {
		topic = topic[:maxTopicLen]
	}
	dst = append(dst, byte(len(topic)))
	dst = append(dst, topic...)
	lenAt := len(dst)
	dst = append(dst, 0, 0)
	dst = AppendProperties(dst, m.Properties)
	if n := len(dst) - lenAt - 2; n > maxPropsLen {
		dst = dst[:lenAt+2+maxPropsLen]
	}
	be.PutUint16(dst[lenAt:], uint16(len(dst)-lenAt-2))
	total := len(dst) - start
	be.PutUint32(dst[start:], uint32(total))

	m.SysFlag = sysFlag
	m.BodyCRC = crc
	m.StoreSize = int32(total)
	return dst
}

func appendHost(dst []byte, h netip.AddrPort) []byte {
	ip, n := hostBytes(h.Addr())
	dst = append(dst, ip[:n]...)
	return binary.BigEndian.AppendUint32(dst, uint32(h.Port()))
}

// DecodeStored decodes back-to-back records (a pull, query or view body)
// until data is exhausted. On a record it cannot decode it returns the
// messages before it together with an error naming the record and its byte
// offset; like Java, it does not try to resynchronise after damage.
//
// The messages own their memory: data may be reused once DecodeStored
// returns. To keep allocations per message low, the MessageExt values of one
// call share a backing array, as do their bodies and their MsgIDs, so
// retaining any one message keeps the whole batch reachable.
func DecodeStored(data []byte, opts DecodeOptions) ([]*MessageExt, error) {
	if len(data) == 0 {
		return nil, nil
	}
	count, bodyBytes, idBytes := scanStored(data, opts.Decompress)
	slab := make([]MessageExt, count)
	out := make([]*MessageExt, 0, count)
	arena := make([]byte, 0, bodyBytes)
	var err error
	for off := 0; off < len(data); {
		var m *MessageExt
		if len(out) < len(slab) {
			m = &slab[len(out)]
		} else {
			m = new(MessageExt)
		}
		var n int
		n, err = decodeStored(data[off:], m, &opts, &arena)
		if err != nil {
			err = fmt.Errorf("message: stored record %d at byte %d: %w", len(out), off, err)
			break
		}
		out = append(out, m)
		off += n
	}
	setMsgIDs(out, idBytes)
	return out, err
}

// setMsgIDs builds every id into one string, so a batch of ids costs one
// allocation instead of one per message.
func setMsgIDs(msgs []*MessageExt, sizeHint int) {
	if len(msgs) == 0 {
		return
	}
	var sb strings.Builder
	sb.Grow(sizeHint)
	var buf [OffsetMsgIDLenV6]byte
	for _, m := range msgs {
		sb.Write(AppendOffsetMsgID(buf[:0], m.StoreHost, m.CommitLogOffset))
	}
	all := sb.String()
	for _, m := range msgs {
		n := OffsetMsgIDLenV4
		if m.StoreHost.Addr().Is6() {
			n = OffsetMsgIDLenV6
		}
		m.MsgID, all = all[:n], all[n:]
	}
}

// DecodeStoredOne decodes the record at the start of data and returns it
// with its size, for reading one record at a commit-log position. Bytes
// after the record are ignored.
func DecodeStoredOne(data []byte, opts DecodeOptions) (*MessageExt, int, error) {
	m := new(MessageExt)
	var arena []byte
	n, err := decodeStored(data, m, &opts, &arena)
	if err != nil {
		return nil, 0, fmt.Errorf("message: stored record: %w", err)
	}
	m.MsgID = OffsetMsgID(m.StoreHost, m.CommitLogOffset)
	return m, n, nil
}

// scanStored walks the TOTALSIZE chain to size the allocations of
// DecodeStored. It trusts nothing: it stops at the first implausible record
// and every figure it returns is bounded by len(data), so a lying length
// field can at worst make the estimate short.
func scanStored(data []byte, decompress bool) (count, bodyBytes, idBytes int) {
	be := binary.BigEndian
	for len(data) >= MinStoredSize {
		total := int(int32(be.Uint32(data)))
		if total < MinStoredSize || total > len(data) || int32(be.Uint32(data[4:])) != MagicCode {
			return
		}
		rec := data[:total]
		data = data[total:]
		count++
		sysFlag := int32(be.Uint32(rec[offSysFlag:]))
		bornLen, storeLen := 8, 8
		if sysFlag&SysFlagBornHostV6 != 0 {
			bornLen = 20
		}
		if sysFlag&SysFlagStoreHostV6 != 0 {
			storeLen = 20
		}
		idBytes += 2 * (storeLen + 8)
		bodyAt := offSysFlag + 4 + 8 + bornLen + 8 + storeLen + 4 + 8
		if bodyAt+4 > len(rec) || decompress && sysFlag&SysFlagCompressed != 0 {
			continue
		}
		if n := int(int32(be.Uint32(rec[bodyAt:]))); n > 0 && n <= len(rec)-bodyAt-4 {
			bodyBytes += n
		}
	}
	return
}

// recordReader reads big-endian fields and latches a short read, so the
// field-by-field decode can check for truncation once per group of fields.
type recordReader struct {
	b     []byte
	off   int
	short bool
}

func (r *recordReader) take(n int) []byte {
	if r.short || n < 0 || n > len(r.b)-r.off {
		r.short = true
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *recordReader) i32() int32 {
	if p := r.take(4); p != nil {
		return int32(binary.BigEndian.Uint32(p))
	}
	return 0
}

func (r *recordReader) i64() int64 {
	if p := r.take(8); p != nil {
		return int64(binary.BigEndian.Uint64(p))
	}
	return 0
}

func (r *recordReader) host(v6 bool) (netip.AddrPort, error) {
	var addr netip.Addr
	if v6 {
		if p := r.take(16); p != nil {
			addr = netip.AddrFrom16([16]byte(p))
		}
	} else if p := r.take(4); p != nil {
		addr = netip.AddrFrom4([4]byte(p))
	}
	port := r.i32()
	if r.short {
		return netip.AddrPort{}, nil
	}
	// Java cannot build an InetSocketAddress from such a port and gives up
	// on the record, and so do we.
	if port < 0 || port > 0xFFFF {
		return netip.AddrPort{}, fmt.Errorf("%w: port %d out of range", ErrMalformed, port)
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// decodeStored fills m from the record at the start of data and returns its
// size. Bodies are copied into *arena (grown as needed) unless inflated.
// MsgID is left to the caller, which can batch the allocations.
func decodeStored(data []byte, m *MessageExt, opts *DecodeOptions, arena *[]byte) (int, error) {
	if len(data) < 8 {
		return 0, fmt.Errorf("%w: %d bytes left, a record header needs 8", ErrTruncated, len(data))
	}
	be := binary.BigEndian
	total := int32(be.Uint32(data))
	switch magic := int32(be.Uint32(data[4:])); magic {
	case MagicCode:
	case BlankMagicCode:
		return 0, ErrBlank
	default:
		return 0, fmt.Errorf("%w %#08x", ErrBadMagic, uint32(magic))
	}
	if total < MinStoredSize {
		return 0, fmt.Errorf("%w: TOTALSIZE %d below the minimum %d", ErrMalformed, total, MinStoredSize)
	}
	if int64(total) > int64(len(data)) {
		return 0, fmt.Errorf("%w: TOTALSIZE %d, only %d bytes left", ErrTruncated, total, len(data))
	}
	r := recordReader{b: data[:total], off: 8}
	m.StoreSize = total
	m.BodyCRC = r.i32()
	m.QueueID = r.i32()
	m.Flag = r.i32()
	m.QueueOffset = r.i64()
	m.CommitLogOffset = r.i64()
	m.SysFlag = r.i32()
	m.BornTimestamp = r.i64()
	var err error
	if m.BornHost, err = r.host(m.SysFlag&SysFlagBornHostV6 != 0); err != nil {
		return 0, fmt.Errorf("born host: %w", err)
	}
	m.StoreTimestamp = r.i64()
	if m.StoreHost, err = r.host(m.SysFlag&SysFlagStoreHostV6 != 0); err != nil {
		return 0, fmt.Errorf("store host: %w", err)
	}
	m.ReconsumeTimes = r.i32()
	m.PreparedTransactionOffset = r.i64()
	bodyLen := r.i32()
	if r.short {
		return 0, fmt.Errorf("%w: TOTALSIZE %d ends inside the fixed fields", ErrMalformed, total)
	}
	body := r.take(int(bodyLen))
	if body == nil && bodyLen != 0 {
		return 0, fmt.Errorf("%w: BODYLEN %d, %d bytes left in the record", ErrMalformed, bodyLen, len(r.b)-r.off)
	}
	var tl int
	if p := r.take(1); p != nil {
		tl = int(p[0])
	}
	tailAt := r.off // topic bytes, PROPLEN, properties
	r.take(tl)
	pl := 0
	if p := r.take(2); p != nil {
		pl = int(be.Uint16(p))
	}
	r.take(pl)
	if r.short {
		return 0, fmt.Errorf("%w: topic/properties lengths (%d/%d) overrun TOTALSIZE %d", ErrMalformed, tl, pl, total)
	}
	if r.off != int(total) {
		return 0, fmt.Errorf("%w: fields end at %d, TOTALSIZE is %d", ErrMalformed, r.off, total)
	}

	if opts.VerifyCRC && BodyCRC(body) != m.BodyCRC {
		return 0, fmt.Errorf("%w: stored %#08x, computed %#08x", ErrBodyCRC, uint32(m.BodyCRC), uint32(BodyCRC(body)))
	}
	switch {
	case len(body) == 0:
		m.Body = nil
	case opts.Decompress && m.SysFlag&SysFlagCompressed != 0:
		if m.Body, err = decompress(body, m.SysFlag, opts.MaxBodySize); err != nil {
			return 0, err
		}
	default:
		a := len(*arena)
		*arena = append(*arena, body...)
		m.Body = (*arena)[a:len(*arena):len(*arena)]
	}

	// One string holds topic and properties; both are slices of it.
	tail := string(r.b[tailAt:])
	m.Topic = tail[:tl]
	m.Properties = parseProperties(tail[tl+2:])
	return int(total), nil
}

// BodyCRC is the checksum the broker stores for a body: CRC-32 (IEEE) with the top bit
// cleared, as Java's UtilAll.crc32 computes it, so the value is never negative.
func BodyCRC(body []byte) int32 {
	return int32(crc32.ChecksumIEEE(body) & 0x7FFFFFFF)
}
