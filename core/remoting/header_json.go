package remoting

import (
	"errors"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// JSON headers are encoded and decoded by hand: encoding/json would allocate a reflection
// walk and a map per frame on the hottest path of both client and broker, and the header is
// a small fixed shape. Keys are written in the order fastjson uses (alphabetical), so our
// frames look like a Java client's to anything that compares them.

func appendJSONHeader(dst []byte, c *Command) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(c.Code), 10)
	if len(c.ExtFields) > 0 {
		dst = append(dst, `,"extFields":{`...)
		first := true
		for k, v := range c.ExtFields {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, v)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendInt(dst, int64(c.Flag), 10)
	dst = append(dst, `,"language":"`...)
	dst = append(dst, c.Language.String()...)
	dst = append(dst, `","opaque":`...)
	dst = strconv.AppendInt(dst, int64(c.Opaque), 10)
	if c.Remark != "" {
		dst = append(dst, `,"remark":`...)
		dst = appendJSONString(dst, c.Remark)
	}
	dst = append(dst, `,"serializeTypeCurrentRPC":"JSON","version":`...)
	dst = strconv.AppendInt(dst, int64(c.Version), 10)
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			// Properties travel inside ext fields with 0x01/0x02 separators, so control
			// characters are common, not exotic.
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

var errJSONHeader = errors.New("remoting: malformed JSON header")

// maxJSONDepth bounds nesting in values we skip, so a hostile header cannot recurse deeply.
const maxJSONDepth = 32

type jsonReader struct {
	b []byte
	s string // b as one string: unescaped keys and values are substrings of it, so a
	// header costs one string allocation however many ext fields it has
	i       int
	escaped bool // whether the last rawString had escapes (and so was decoded into a copy)
	scan    bool // values are checked and passed over, never built (s is unset)
}

// scanJSONHeader reads a JSON header in place: the numbers are decoded, the remark and the
// ext fields only checked and located, so nothing is allocated.
func scanJSONHeader(b []byte, h *header) error {
	r := jsonReader{b: b, scan: true}
	h.remarkAt, h.extAt = -1, -1
	r.space()
	if !r.consume('{') {
		return errJSONHeader
	}
	r.space()
	if r.consume('}') {
		return r.end()
	}
	for more := true; more; {
		r.space()
		key, err := r.rawString()
		if err != nil {
			return err
		}
		if !r.colon() {
			return errJSONHeader
		}
		switch string(key) {
		case "code":
			h.code, err = r.int32Value()
		case "flag":
			h.flag, err = r.int32Value()
		case "opaque":
			h.opaque, err = r.int32Value()
		case "version":
			h.version, err = r.int32Value()
		case "language":
			h.language, err = r.languageValue()
		case "remark":
			h.remarkAt = r.i
			_, _, err = r.stringOrNull()
		case "extFields":
			h.extAt = r.i
			if !r.literal("null") {
				if r.peek() != '{' {
					return errJSONHeader
				}
				err = r.skip(0)
			}
		default:
			err = r.skip(0)
		}
		if err != nil {
			return err
		}
		if more, err = r.nextMember(); err != nil {
			return err
		}
	}
	return r.end()
}

// materializeJSON fills c from a scanned JSON header; the remark and the ext fields are
// substrings of one copy of the header.
func (h *header) materializeJSON(c *Command) error {
	h.fixed(c)
	if h.remarkAt < 0 && h.extAt < 0 {
		return nil
	}
	s := string(h.raw)
	var err error
	if h.remarkAt >= 0 {
		r := jsonReader{b: h.raw, s: s, i: h.remarkAt}
		if c.Remark, _, err = r.stringOrNull(); err != nil {
			return err
		}
	}
	if h.extAt >= 0 {
		r := jsonReader{b: h.raw, s: s, i: h.extAt}
		c.ExtFields, err = r.extFields()
	}
	return err
}

// eachJSONExt calls fn for every ext field with a scalar value (nested values are skipped,
// as extFields does). key and value alias the header unless they hold escapes.
func (h *header) eachJSONExt(fn func(key, value []byte)) error {
	if h.extAt < 0 {
		return nil
	}
	r := jsonReader{b: h.raw, i: h.extAt, scan: true}
	if r.literal("null") {
		return nil
	}
	if !r.consume('{') {
		return errJSONHeader
	}
	r.space()
	if r.consume('}') {
		return nil
	}
	for more := true; more; {
		r.space()
		k, err := r.rawString()
		if err != nil {
			return err
		}
		if !r.colon() {
			return errJSONHeader
		}
		switch c := r.peek(); {
		case c == '{' || c == '[':
			err = r.skip(1)
		case c == '"':
			var v []byte
			if v, err = r.rawString(); err == nil {
				fn(k, v)
			}
		case r.literal("null"):
		default:
			start := r.i
			if _, _, err = r.stringOrNull(); err == nil {
				fn(k, h.raw[start:r.i])
			}
		}
		if err != nil {
			return err
		}
		if more, err = r.nextMember(); err != nil {
			return err
		}
	}
	return nil
}

func (r *jsonReader) end() error {
	r.space()
	if r.i != len(r.b) {
		return errJSONHeader
	}
	return nil
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// colon passes the ':' between a member's key and its value, and the space around it.
func (r *jsonReader) colon() bool {
	r.space()
	ok := r.consume(':')
	r.space()
	return ok
}

// nextMember passes what follows an object member: a ',' (another member comes, true) or
// the '}' that closes the object (false).
func (r *jsonReader) nextMember() (bool, error) {
	r.space()
	if r.consume(',') {
		return true, nil
	}
	if r.consume('}') {
		return false, nil
	}
	return false, errJSONHeader
}

func (r *jsonReader) consume(c byte) bool {
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

func (r *jsonReader) peek() byte {
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// str returns a string value, as a substring of the header when it has no escapes.
func (r *jsonReader) str() (string, error) {
	if r.scan {
		return "", r.skipString()
	}
	start := r.i + 1
	raw, err := r.rawString()
	if err != nil || len(raw) == 0 {
		return "", err
	}
	if r.escaped {
		// raw is a fresh buffer that nothing else refers to or changes: it can be the
		// string's memory without a second copy.
		return unsafe.String(&raw[0], len(raw)), nil
	}
	return r.s[start : start+len(raw)], nil
}

// rawString returns a string's bytes without allocating when it has no escapes (keys
// always), and a decoded copy otherwise.
func (r *jsonReader) rawString() ([]byte, error) {
	if !r.consume('"') {
		return nil, errJSONHeader
	}
	r.escaped = false
	start := r.i
	for r.i < len(r.b) {
		switch c := r.b[r.i]; {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			return s, nil
		case c == '\\':
			r.i = start
			r.escaped = true
			return r.escapedString()
		case c < 0x20:
			return nil, errJSONHeader
		}
		r.i++
	}
	return nil, errJSONHeader
}

// skipString passes over a string, checking it as escapedString would, without decoding it.
func (r *jsonReader) skipString() error {
	if !r.consume('"') {
		return errJSONHeader
	}
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return nil
		case c < 0x20:
			return errJSONHeader
		case c != '\\':
			r.i++
			continue
		}
		if r.i+1 >= len(r.b) {
			return errJSONHeader
		}
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if _, ok := r.hex4(); !ok {
				return errJSONHeader
			}
		default:
			return errJSONHeader
		}
	}
	return errJSONHeader
}

// UnquoteJSON decodes the JSON string that starts at b[i], its opening quote: it
// returns the string unescaped (sharing b's memory when it has no escapes) and the
// index just past its closing quote. The dev broker's reader of Java's fastjson output
// shares it with header decoding.
func UnquoteJSON(b []byte, i int) ([]byte, int, error) {
	r := jsonReader{b: b, i: i}
	s, err := r.rawString()
	if err != nil {
		return nil, i, err
	}
	return s, r.i, nil
}

func (r *jsonReader) escapedString() ([]byte, error) {
	// Unescaping never lengthens a string, so the raw span bounds the output.
	end := r.i
	for end < len(r.b) && r.b[end] != '"' {
		if r.b[end] == '\\' {
			end++
		}
		end++
	}
	out := make([]byte, 0, end-r.i)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return out, nil
		case c < 0x20:
			return nil, errJSONHeader
		case c != '\\':
			out = append(out, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.b) {
			return nil, errJSONHeader
		}
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r1, ok := r.hex4()
			if !ok {
				return nil, errJSONHeader
			}
			if utf16.IsSurrogate(r1) && r.i+1 < len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
				save := r.i
				r.i += 2
				if r2, ok := r.hex4(); ok {
					if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						continue
					}
				}
				r.i = save
			}
			out = utf8.AppendRune(out, r1)
		default:
			return nil, errJSONHeader
		}
	}
	return nil, errJSONHeader
}

func (r *jsonReader) hex4() (rune, bool) {
	if r.i+4 > len(r.b) {
		return 0, false
	}
	var v rune
	for _, c := range r.b[r.i : r.i+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.i += 4
	return v, true
}

func (r *jsonReader) literal(word string) bool {
	if len(r.b)-r.i >= len(word) && string(r.b[r.i:r.i+len(word)]) == word {
		r.i += len(word)
		return true
	}
	return false
}

// number returns the raw text of a JSON number.
func (r *jsonReader) number() ([]byte, error) {
	start := r.i
	if r.peek() == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.b) && (r.b[r.i] >= '0' && r.b[r.i] <= '9' || r.b[r.i] == '.' || r.b[r.i] == 'e' ||
		r.b[r.i] == 'E' || r.b[r.i] == '+' || r.b[r.i] == '-') {
		r.i++
	}
	if r.i == digits {
		return nil, errJSONHeader
	}
	return r.b[start:r.i], nil
}

func (r *jsonReader) int32Value() (int32, error) {
	if r.literal("null") {
		return 0, nil
	}
	n, err := r.number()
	if err != nil {
		return 0, err
	}
	v, perr := strconv.ParseInt(string(n), 10, 32)
	if perr != nil {
		return 0, errJSONHeader
	}
	return int32(v), nil
}

func (r *jsonReader) languageValue() (Language, error) {
	switch r.peek() {
	case '"':
		s, err := r.rawString()
		return languageByName(s), err
	case 'n':
		if r.literal("null") {
			return Other, nil
		}
		return 0, errJSONHeader
	}
	v, err := r.int32Value()
	if v < 0 || v > 255 {
		return Other, err
	}
	return Language(v), err
}

// stringOrNull returns a string value; numbers and booleans come back as their text, since
// some encoders write numeric ext fields unquoted.
func (r *jsonReader) stringOrNull() (string, bool, error) {
	switch r.peek() {
	case '"':
		s, err := r.str()
		return s, true, err
	case 'n':
		if r.literal("null") {
			return "", false, nil
		}
	case 't':
		if r.literal("true") {
			return "true", true, nil
		}
	case 'f':
		if r.literal("false") {
			return "false", true, nil
		}
	default:
		start := r.i
		n, err := r.number()
		if r.scan {
			return "", true, err
		}
		return r.s[start : start+len(n)], true, err
	}
	return "", false, errJSONHeader
}

func (r *jsonReader) extFields() (map[string]string, error) {
	if r.literal("null") {
		return nil, nil
	}
	if !r.consume('{') {
		return nil, errJSONHeader
	}
	// Collect the pairs first so the map is allocated once at its final size: growing it
	// entry by entry costs several allocations per frame.
	pp := pairPool.Get().(*[]string)
	defer func() { *pp = (*pp)[:0]; pairPool.Put(pp) }()
	r.space()
	if r.consume('}') {
		return map[string]string{}, nil
	}
	for more := true; more; {
		r.space()
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		if !r.colon() {
			return nil, errJSONHeader
		}
		if c := r.peek(); c == '{' || c == '[' {
			if err := r.skip(1); err != nil {
				return nil, err
			}
		} else {
			v, ok, err := r.stringOrNull()
			if err != nil {
				return nil, err
			}
			if ok {
				*pp = append(*pp, k, v)
			}
		}
		if more, err = r.nextMember(); err != nil {
			return nil, err
		}
	}
	kv := *pp
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	clear(kv)
	return m, nil
}

var pairPool = sync.Pool{New: func() any { s := make([]string, 0, 32); return &s }}

// skip passes over one value of any type.
func (r *jsonReader) skip(depth int) error {
	if depth > maxJSONDepth {
		return errJSONHeader
	}
	switch r.peek() {
	case '{', '[':
		open := r.b[r.i]
		closer := byte('}')
		if open == '[' {
			closer = ']'
		}
		r.i++
		r.space()
		if r.consume(closer) {
			return nil
		}
		for {
			r.space()
			if open == '{' {
				if _, err := r.rawString(); err != nil {
					return err
				}
				r.space()
				if !r.consume(':') {
					return errJSONHeader
				}
				r.space()
			}
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			r.space()
			if r.consume(',') {
				continue
			}
			if r.consume(closer) {
				return nil
			}
			return errJSONHeader
		}
	default:
		_, _, err := r.stringOrNull()
		return err
	}
}
