package message

import "strings"

// AppendProperties appends props in the wire form k 0x01 v 0x02 k 0x01 v,
// without a trailing separator, as Java writes it. Map order is random and
// nothing is sorted: the receiver builds a map again, so order carries no
// meaning and sorting would cost time on every send.
//
// Entries that cannot be represented are skipped: an empty key or value, a
// key containing 0x01 or 0x02, or a value containing 0x02. Written as is,
// they would be dropped by the parser or would corrupt their neighbours.
func AppendProperties(dst []byte, props map[string]string) []byte {
	first := true
	for k, v := range props {
		if !encodableProperty(k, v) {
			continue
		}
		if !first {
			dst = append(dst, PropertySeparator)
		}
		first = false
		dst = append(dst, k...)
		dst = append(dst, NameValueSeparator)
		dst = append(dst, v...)
	}
	return dst
}

// PropertiesSize is the exact number of bytes AppendProperties writes.
func PropertiesSize(props map[string]string) int {
	n := 0
	for k, v := range props {
		if encodableProperty(k, v) {
			n += len(k) + len(v) + 2
		}
	}
	if n > 0 {
		n-- // no trailing separator
	}
	return n
}

// PropertiesString is AppendProperties returning a string, for header fields.
func PropertiesString(props map[string]string) string {
	if len(props) == 0 {
		return ""
	}
	return string(AppendProperties(make([]byte, 0, PropertiesSize(props)), props))
}

func encodableProperty(k, v string) bool {
	return k != "" && v != "" &&
		strings.IndexByte(k, NameValueSeparator) < 0 &&
		strings.IndexByte(k, PropertySeparator) < 0 &&
		strings.IndexByte(v, PropertySeparator) < 0
}

// ParseProperties decodes a properties string leniently, like Java: it
// splits on 0x02 and keeps a segment only if its first 0x01 is neither its
// first nor its last byte, so empty keys and values disappear and a value
// may itself contain 0x01. A trailing 0x02 (as rocketmq-client-go writes)
// is harmless. A later duplicate key wins. It returns nil when nothing
// survives, matching the "nil until set" convention of Message.
func ParseProperties(b []byte) map[string]string {
	if len(b) == 0 {
		return nil
	}
	return parseProperties(string(b))
}

// parseProperties works on a string so that all keys and values share the
// one allocation made by the caller's conversion.
func parseProperties(s string) map[string]string {
	var m map[string]string
	for len(s) > 0 {
		seg := s
		if i := strings.IndexByte(s, PropertySeparator); i >= 0 {
			seg, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		j := strings.IndexByte(seg, NameValueSeparator)
		if j <= 0 || j >= len(seg)-1 {
			continue
		}
		if m == nil {
			// Sized from the separators present, but capped: a run of empty
			// segments must not reserve a map for thousands of entries.
			m = make(map[string]string, min(strings.Count(s, string(PropertySeparator))+1, 16))
		}
		m[seg[:j]] = seg[j+1:]
	}
	return m
}
