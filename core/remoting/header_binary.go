package remoting

import (
	"encoding/binary"
	"errors"
	"math"
)

// The ROCKETMQ binary header:
//
//	code int16 | language byte | version int16 | opaque int32 | flag int32 |
//	remarkLen int32 | remark | extLen int32 | (keyLen int16 | key | valLen int32 | val)*
const binaryFixedLen = 2 + 1 + 2 + 4 + 4 + 4 + 4

var errBinaryHeader = errors.New("remoting: malformed ROCKETMQ header")

func appendBinaryHeader(dst []byte, c *Command) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(c.Code)))
	dst = append(dst, byte(c.Language))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(c.Version)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Opaque))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Flag))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Remark)))
	dst = append(dst, c.Remark...)
	lenAt := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	for k, v := range c.ExtFields {
		if len(k) > math.MaxInt16 {
			continue // unrepresentable; upstream would fail the whole request
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
		dst = append(dst, k...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, v...)
	}
	binary.BigEndian.PutUint32(dst[lenAt:], uint32(len(dst)-lenAt-4))
	return dst
}

func decodeBinaryHeader(b []byte, c *Command) error {
	if len(b) < binaryFixedLen {
		return errBinaryHeader
	}
	c.Code = int32(int16(binary.BigEndian.Uint16(b)))
	c.Language = Language(b[2])
	c.Version = int32(int16(binary.BigEndian.Uint16(b[3:])))
	c.Opaque = int32(binary.BigEndian.Uint32(b[5:]))
	c.Flag = int32(binary.BigEndian.Uint32(b[9:]))
	p := 13
	remarkLen := binary.BigEndian.Uint32(b[p:])
	p += 4
	if uint64(remarkLen) > uint64(len(b)-p) {
		return errBinaryHeader
	}
	// One string for the whole header; remark, keys and values are substrings of it.
	hs := string(b)
	c.Remark = hs[p : p+int(remarkLen)]
	p += int(remarkLen)
	if len(b)-p < 4 {
		return errBinaryHeader
	}
	extLen := binary.BigEndian.Uint32(b[p:])
	p += 4
	if uint64(extLen) > uint64(len(b)-p) {
		return errBinaryHeader
	}
	if extLen == 0 {
		return nil
	}
	end := p + int(extLen)
	m := make(map[string]string, countBinaryExt(b[p:end]))
	for p < end {
		if end-p < 2 {
			return errBinaryHeader
		}
		kl := int(binary.BigEndian.Uint16(b[p:]))
		p += 2
		if kl > end-p {
			return errBinaryHeader
		}
		k := hs[p : p+kl]
		p += kl
		if end-p < 4 {
			return errBinaryHeader
		}
		vl := binary.BigEndian.Uint32(b[p:])
		p += 4
		if uint64(vl) > uint64(end-p) {
			return errBinaryHeader
		}
		m[k] = hs[p : p+int(vl)]
		p += int(vl)
	}
	c.ExtFields = m
	return nil
}

// countBinaryExt counts the entries of an ext block (stopping at the first malformed one), so
// the map is allocated once at its final size.
func countBinaryExt(ext []byte) int {
	n := 0
	for len(ext) >= 2 {
		kl := int(binary.BigEndian.Uint16(ext))
		if len(ext) < 2+kl+4 {
			break
		}
		vl := binary.BigEndian.Uint32(ext[2+kl:])
		rest := ext[2+kl+4:]
		if uint64(vl) > uint64(len(rest)) {
			break
		}
		ext = rest[vl:]
		n++
	}
	return n
}
