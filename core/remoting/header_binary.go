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

// scanBinaryHeader reads a binary header in place: the fixed fields are decoded, the remark
// and the ext block located and checked.
func scanBinaryHeader(b []byte, h *header) error {
	if len(b) < binaryFixedLen {
		return errBinaryHeader
	}
	h.code = int32(int16(binary.BigEndian.Uint16(b)))
	h.language = Language(b[2])
	h.version = int32(int16(binary.BigEndian.Uint16(b[3:])))
	h.opaque = int32(binary.BigEndian.Uint32(b[5:]))
	h.flag = int32(binary.BigEndian.Uint32(b[9:]))
	p := 13
	remarkLen := binary.BigEndian.Uint32(b[p:])
	p += 4
	if uint64(remarkLen) > uint64(len(b)-p) {
		return errBinaryHeader
	}
	h.remarkAt, h.remarkEnd = p, p+int(remarkLen)
	p = h.remarkEnd
	if len(b)-p < 4 {
		return errBinaryHeader
	}
	extLen := binary.BigEndian.Uint32(b[p:])
	p += 4
	if uint64(extLen) > uint64(len(b)-p) {
		return errBinaryHeader
	}
	h.extAt, h.extEnd, h.extCount = p, p+int(extLen), 0
	// Counted while checked, so that materializing allocates the map at its final size.
	return eachBinaryExt(b[h.extAt:h.extEnd], func(_, _, _, _ int) { h.extCount++ })
}

// eachBinaryExt calls fn with the bounds of every key and value of an ext block.
func eachBinaryExt(ext []byte, fn func(kAt, kEnd, vAt, vEnd int)) error {
	for p := 0; p < len(ext); {
		if len(ext)-p < 2 {
			return errBinaryHeader
		}
		kl := int(binary.BigEndian.Uint16(ext[p:]))
		p += 2
		if kl > len(ext)-p {
			return errBinaryHeader
		}
		kAt := p
		p += kl
		if len(ext)-p < 4 {
			return errBinaryHeader
		}
		vl := binary.BigEndian.Uint32(ext[p:])
		p += 4
		if uint64(vl) > uint64(len(ext)-p) {
			return errBinaryHeader
		}
		fn(kAt, kAt+kl, p, p+int(vl))
		p += int(vl)
	}
	return nil
}

// materializeBinary fills c from a scanned binary header; remark, keys and values are
// substrings of one copy of the header.
func (h *header) materializeBinary(c *Command) error {
	h.fixed(c)
	if h.remarkEnd == h.remarkAt && h.extEnd == h.extAt {
		return nil
	}
	hs := string(h.raw)
	c.Remark = hs[h.remarkAt:h.remarkEnd]
	if h.extEnd == h.extAt {
		return nil
	}
	ext := h.raw[h.extAt:h.extEnd]
	m := make(map[string]string, h.extCount)
	off := h.extAt
	err := eachBinaryExt(ext, func(kAt, kEnd, vAt, vEnd int) {
		m[hs[off+kAt:off+kEnd]] = hs[off+vAt : off+vEnd]
	})
	c.ExtFields = m
	return err
}
