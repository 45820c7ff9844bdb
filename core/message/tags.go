package message

import (
	"slices"
	"strings"
	"unicode/utf16"
)

// SubscribeAll is the expression that matches every tag.
const SubscribeAll = "*"

// TagsHashCode is Java's String.hashCode of tag, which the broker stores as
// the consume-queue tagsCode and compares with subscription codes. Java
// hashes UTF-16 code units, so characters outside the BMP contribute their
// two surrogates; invalid UTF-8 hashes as U+FFFD, as Java's decoder would
// turn it into that. The int32 result is sign-extended as Java widens it.
func TagsHashCode(tag string) int64 {
	var h int32
	for _, r := range tag {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + hi
			r = lo
		}
		h = 31*h + r
	}
	return int64(h)
}

// IsSubscribeAll reports whether a tag expression matches every message.
func IsSubscribeAll(expr string) bool {
	return expr == "" || expr == SubscribeAll
}

// ParseTagExpression parses a TAG subscription like "TagA || TagB" the way
// Java's FilterAPI does. For "", "*" it returns (nil, nil), meaning "all".
// Otherwise it splits on "||", trims each part like Java's String.trim and
// drops empty and duplicate parts (Java keeps sets). An expression with no
// tag left, such as "||", yields empty non-nil slices: it matches nothing,
// which is how a broker treats it.
func ParseTagExpression(expr string) (tags []string, codes []int32) {
	if IsSubscribeAll(expr) {
		return nil, nil
	}
	tags, codes = []string{}, []int32{}
	for part := range strings.SplitSeq(expr, "||") {
		tag := strings.TrimFunc(part, isJavaTrimmed)
		if tag == "" || slices.Contains(tags, tag) {
			continue
		}
		tags = append(tags, tag)
		codes = append(codes, int32(TagsHashCode(tag)))
	}
	return tags, codes
}

// isJavaTrimmed matches what String.trim removes: every char <= ' '.
func isJavaTrimmed(r rune) bool { return r <= ' ' }
