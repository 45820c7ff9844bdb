package tlsconfig

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// ParseProperties reads Java properties syntax, the format of tls.properties as the Java
// client documents it: "key=value", "key: value" or "key value"; lines whose first
// non-blank character is # or ! are comments; a line ending in an odd number of
// backslashes continues on the next one; \t \n \r \f \uXXXX and \<any> escapes in keys
// and values. Later keys override earlier ones.
//
// Two differences from upstream's C++ reader, which splits at the first '=' and drops
// everything from the first '#' anywhere on the line: a '#' inside a value is kept (so
// "authServer=false # comment" is not "false", and a password may contain '#'), and a
// backslash is an escape, so Windows paths need forward slashes or doubled
// backslashes, as in Java. The text is taken as UTF-8, not Java's ISO-8859-1, because
// paths are passed on to the OS byte for byte, as the C++ client does.
func ParseProperties(text string) (map[string]string, error) {
	props := map[string]string{}
	lines := splitLines(text)
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := trimLeadingBlank(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines; each continuation loses its leading blanks.
		var logical strings.Builder
		for {
			body, cont := cutContinuation(line)
			logical.WriteString(body)
			if !cont || i+1 >= len(lines) {
				break
			}
			i++
			line = trimLeadingBlank(lines[i])
		}
		key, value := splitKeyValue(logical.String())
		k, err := unescape(key)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		v, err := unescape(value)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		props[k] = v
	}
	return props, nil
}

// splitLines splits at \n, \r and \r\n, the three line terminators Java accepts.
func splitLines(s string) []string {
	s = strings.TrimPrefix(s, "\uFEFF") // a BOM some editors add
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeadingBlank(s string) string {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return s[i:]
}

// cutContinuation reports whether line ends in an odd number of backslashes, i.e. in an
// unescaped one, and returns the line without it.
func cutContinuation(line string) (string, bool) {
	n := 0
	for n < len(line) && line[len(line)-1-n] == '\\' {
		n++
	}
	if n%2 == 1 {
		return line[:len(line)-1], true
	}
	return line, false
}

// splitKeyValue ends the key at the first unescaped '=', ':' or blank; blanks around
// the separator, and one '=' or ':' after blanks, belong to neither side.
func splitKeyValue(s string) (key, value string) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || isBlank(c) {
			break
		}
		i++
	}
	if i > len(s) {
		i = len(s)
	}
	key, rest := s[:i], s[i:]
	rest = trimLeadingBlank(rest)
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = trimLeadingBlank(rest[1:])
	}
	return key, rest
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			break // a lone trailing backslash (only at the end of the file) is dropped
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, ok := hex4(s, i+1)
			if !ok {
				return "", fmt.Errorf("malformed \\uxxxx escape in %q", s)
			}
			i += 4
			// Characters beyond the BMP arrive as two escapes, a surrogate pair.
			if utf16.IsSurrogate(r) && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if r2, ok := hex4(s, i+3); ok {
					if c := utf16.DecodeRune(r, r2); c != unicode.ReplacementChar {
						r = c
						i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// hex4 reads the four hex digits of a \uxxxx escape starting at s[i].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i:i+4], 16, 16)
	return rune(v), err == nil
}
