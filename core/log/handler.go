package log

import (
	"context"
	"encoding"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// handler writes upstream's line format, [timestamp](severity):message, followed by the
// record's attributes as key=value and upstream's [function:line] source suffix:
//
//	[2024-Mar-26 17:30:34.123456](info):send ok topic=TopicTest queue=3[producer.(*Producer).SendSync:120]
//
// The timestamp is boost's default (local time, microseconds) and the severities are
// boost::log::trivial's names, so tools that read the C++ library's logs read ours.
type handler struct {
	level  slog.Leveler
	out    *sink
	attrs  []byte // preformatted " k=v" of WithAttrs, group prefixes applied
	prefix string // "g1.g2." of WithGroup, for attributes added later
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// maxPooledLine keeps one huge line from pinning its buffer in the pool.
const maxPooledLine = 16 << 10

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, '[')
	b = appendTimestamp(b, r.Time)
	b = append(b, "]("...)
	b = append(b, severity(r.Level)...)
	b = append(b, "):"...)
	b = append(b, r.Message...)
	b = append(b, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, h.prefix, a)
		return true
	})
	if r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		fn := f.Function
		if i := strings.LastIndexByte(fn, '/'); i >= 0 {
			fn = fn[i+1:]
		}
		b = append(b, '[')
		b = append(b, fn...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(f.Line), 10)
		b = append(b, ']')
	}
	b = append(b, '\n')
	h.out.write(b)
	if cap(b) <= maxPooledLine {
		*bp = b
		bufPool.Put(bp)
	}
	return nil
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = append([]byte(nil), h.attrs...)
	for _, a := range as {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

func severity(l slog.Level) string {
	switch {
	case l >= SlogFatal:
		return "fatal"
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo:
		return "info"
	case l >= slog.LevelDebug:
		return "debug"
	}
	return "trace"
}

// appendTimestamp writes boost's default "2006-Jan-02 15:04:05.000000".
func appendTimestamp(b []byte, t time.Time) []byte {
	if t.IsZero() {
		t = timeNow()
	}
	return t.AppendFormat(b, "2006-Jan-02 15:04:05.000000")
}

func appendAttr(b []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b // slog's rule: an empty attribute is dropped
	}
	if a.Value.Kind() == slog.KindGroup {
		group := a.Value.Group()
		if len(group) == 0 {
			return b
		}
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range group {
			b = appendAttr(b, prefix, ga)
		}
		return b
	}
	b = append(b, ' ')
	b = append(b, prefix...)
	b = append(b, a.Key...)
	b = append(b, '=')
	return appendValue(b, a.Value)
}

func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return append(b, v.Duration().String()...)
	case slog.KindTime:
		return v.Time().AppendFormat(b, time.RFC3339Nano)
	}
	switch x := v.Any().(type) {
	case error:
		return appendString(b, x.Error())
	case encoding.TextMarshaler:
		if t, err := x.MarshalText(); err == nil {
			return appendString(b, string(t))
		}
	case []byte:
		return appendString(b, string(x))
	}
	return appendString(b, fmt.Sprint(v.Any()))
}

// appendString quotes a value only when a reader could not otherwise tell where it ends,
// keeping the common case (names, addresses, ids) as plain as upstream's printf lines.
func appendString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
