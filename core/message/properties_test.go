package message

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAppendPropertiesJavaForm(t *testing.T) {
	assert.Equal(t, "TAGS\x01a", string(AppendProperties(nil, map[string]string{"TAGS": "a"})))
	assert.Empty(t, AppendProperties(nil, nil))

	props := map[string]string{"TAGS": "a", "KEYS": "k1 k2", "UNIQ_KEY": "X"}
	b := AppendProperties([]byte("prefix"), props)
	assert.Equal(t, "prefix", string(b[:6]))
	b = b[6:]
	assert.Len(t, b, PropertiesSize(props))
	assert.NotEqual(t, byte(PropertySeparator), b[len(b)-1], "no trailing separator")
	assert.Equal(t, props, ParseProperties(b))
	assert.Equal(t, props, ParseProperties([]byte(PropertiesString(props))))
	assert.Equal(t, "", PropertiesString(nil))
}

func TestAppendPropertiesSkipsUnencodable(t *testing.T) {
	props := map[string]string{
		"ok":      "v",
		"":        "empty key",
		"empty":   "",
		"k\x01":   "v",
		"k\x02":   "v",
		"v2":      "a\x02b",
		"v1-fine": "a\x01b",
	}
	b := AppendProperties(nil, props)
	assert.Len(t, b, PropertiesSize(props))
	assert.Equal(t, map[string]string{"ok": "v", "v1-fine": "a\x01b"}, ParseProperties(b))
}

func TestParsePropertiesEdgeCases(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
	}{
		{"", nil},
		{"a\x01b", map[string]string{"a": "b"}},
		{"a\x01b\x02", map[string]string{"a": "b"}}, // rocketmq-client-go style
		{"a\x01b\x02c\x01d\x02", map[string]string{"a": "b", "c": "d"}},
		{"\x02\x02a\x01b\x02\x02", map[string]string{"a": "b"}},
		{"\x01b", nil}, // empty key
		{"a\x01", nil}, // empty value
		{"a\x01\x02c\x01d", map[string]string{"c": "d"}}, // empty value then a good one
		{"ab", nil},         // no separator
		{"abc\x02def", nil}, // no name/value separator at all
		{"a\x01b\x01c", map[string]string{"a": "b\x01c"}}, // value keeps later 0x01
		{"\x01a\x01b", nil}, // first 0x01 decides, like Java
		{"a\x01b\x02a\x01c", map[string]string{"a": "c"}}, // last duplicate wins
		{"a\x02\x01b", nil}, // separators in the wrong order
		{"TAGS\x01标签", map[string]string{"TAGS": "标签"}}, // UTF-8 untouched
		{"\x01", nil}, {"\x02", nil}, {"\x01\x02", nil},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, ParseProperties([]byte(c.in)), "%q", c.in)
	}
}

func TestAppendPropertiesNoAlloc(t *testing.T) {
	props := map[string]string{"TAGS": "a", "KEYS": "k1 k2", "UNIQ_KEY": "X"}
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() { buf = AppendProperties(buf[:0], props) })
	assert.Zero(t, allocs)
}
