package message

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// batchFixedSize counts totalSize, magic, bodyCRC, flag, bodyLen and propLen.
const batchFixedSize = 4 + 4 + 4 + 4 + 4 + 2

func batchEntrySize(m *Message) int {
	return batchFixedSize + len(m.Body) + min(PropertiesSize(m.Properties), maxPropsLen)
}

// AppendBatch appends the SEND_BATCH_MESSAGE body for msgs. Topic, queue
// and the batch's own properties travel in the request header, so only
// flag, body and properties are written per message; magic and body CRC are
// zero because the broker computes its own. Each message should already
// carry its UNIQ_KEY. Nil entries are skipped, and oversized properties are
// cut at 65535 bytes as in AppendStored.
func AppendBatch(dst []byte, msgs []*Message) []byte {
	size := 0
	for _, m := range msgs {
		if m != nil {
			size += batchEntrySize(m)
		}
	}
	dst = slices.Grow(dst, size)
	be := binary.BigEndian
	for _, m := range msgs {
		if m == nil {
			continue
		}
		start := len(dst)
		dst = be.AppendUint32(dst, 0) // totalSize, patched below
		dst = be.AppendUint32(dst, 0) // magic
		dst = be.AppendUint32(dst, 0) // body CRC
		dst = be.AppendUint32(dst, uint32(m.Flag))
		dst = be.AppendUint32(dst, uint32(len(m.Body)))
		dst = append(dst, m.Body...)
		lenAt := len(dst)
		dst = append(dst, 0, 0)
		dst = AppendProperties(dst, m.Properties)
		if len(dst)-lenAt-2 > maxPropsLen {
			dst = dst[:lenAt+2+maxPropsLen]
		}
		be.PutUint16(dst[lenAt:], uint16(len(dst)-lenAt-2))
		be.PutUint32(dst[start:], uint32(len(dst)-start))
	}
	return dst
}

// DecodeBatch decodes a SEND_BATCH_MESSAGE body. Topic is left empty for
// the caller to fill from the request header. On damage it returns the
// messages decoded so far and an error. The messages do not alias body;
// their bodies share one backing array.
func DecodeBatch(body []byte) ([]*Message, error) {
	if len(body) == 0 {
		return nil, nil
	}
	be := binary.BigEndian
	// Bounded by len(body), like every allocation here.
	arena := make([]byte, 0, len(body))
	var out []*Message
	for off := 0; off < len(body); {
		rest := body[off:]
		fail := func(format string, args ...any) ([]*Message, error) {
			return out, fmt.Errorf("message: batch entry %d at byte %d: "+format,
				append([]any{len(out), off}, args...)...)
		}
		if len(rest) < batchFixedSize {
			return fail("%w: %d bytes left, an entry needs at least %d", ErrTruncated, len(rest), batchFixedSize)
		}
		total := int32(be.Uint32(rest))
		if total < batchFixedSize {
			return fail("%w: totalSize %d below the minimum %d", ErrMalformed, total, batchFixedSize)
		}
		if int64(total) > int64(len(rest)) {
			return fail("%w: totalSize %d, only %d bytes left", ErrTruncated, total, len(rest))
		}
		rec := rest[:total]
		r := recordReader{b: rec, off: 12} // magic and CRC carry nothing
		m := &Message{Flag: r.i32()}
		bodyLen := r.i32()
		b := r.take(int(bodyLen))
		pl := 0
		if p := r.take(2); p != nil {
			pl = int(be.Uint16(p))
		}
		props := r.take(pl)
		if r.short {
			return fail("%w: body/properties lengths (%d/%d) overrun totalSize %d", ErrMalformed, bodyLen, pl, total)
		}
		if r.off != len(rec) {
			return fail("%w: fields end at %d, totalSize is %d", ErrMalformed, r.off, total)
		}
		if len(b) > 0 {
			a := len(arena)
			arena = append(arena, b...)
			m.Body = arena[a:len(arena):len(arena)]
		}
		m.Properties = ParseProperties(props)
		out = append(out, m)
		off += int(total)
	}
	return out, nil
}
