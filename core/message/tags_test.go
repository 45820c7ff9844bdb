package message

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTagsHashCode(t *testing.T) {
	// Expected values are Java's String.hashCode, checked independently by
	// hashing the UTF-16 encoding in Python.
	for tag, want := range map[string]int64{
		"":              0,
		"TagA":          2598919,
		"TagB":          2598920,
		"TAG1":          2567159,
		"RocketMQ":      -453554280, // int32 overflow, sign-extended
		"abcdefghij":    -634317659,
		"标签":            857175,
		"中文标签测试":        782627451,
		"😀":             1772899, // surrogates 0xD83D, 0xDE00: 0xD83D*31 + 0xDE00
		"a😀b":           57849694,
		"\xff":          65533, // invalid UTF-8 hashes as U+FFFD
		"order_created": 848461559,
	} {
		assert.Equal(t, want, TagsHashCode(tag), "%q", tag)
	}
}

func TestParseTagExpression(t *testing.T) {
	for _, all := range []string{"", "*"} {
		tags, codes := ParseTagExpression(all)
		assert.Nil(t, tags)
		assert.Nil(t, codes)
		assert.True(t, IsSubscribeAll(all))
	}
	assert.False(t, IsSubscribeAll(" * "))

	tags, codes := ParseTagExpression("TagA || TagB")
	assert.Equal(t, []string{"TagA", "TagB"}, tags)
	assert.Equal(t, []int32{2598919, 2598920}, codes)

	tags, codes = ParseTagExpression(" || TAG1 ||\tTagA|| TAG1 ||")
	assert.Equal(t, []string{"TAG1", "TagA"}, tags)
	assert.Equal(t, []int32{2567159, 2598919}, codes)

	tags, codes = ParseTagExpression("TagA")
	assert.Equal(t, []string{"TagA"}, tags)
	assert.Equal(t, []int32{2598919}, codes)

	// Nothing left: matches nothing, which is not the same as "all".
	tags, codes = ParseTagExpression("||  ||")
	assert.NotNil(t, tags)
	assert.Empty(t, tags)
	assert.NotNil(t, codes)
	assert.Empty(t, codes)

	// A single '|' is part of a tag, as in Java.
	tags, _ = ParseTagExpression("a|b")
	assert.Equal(t, []string{"a|b"}, tags)
}
