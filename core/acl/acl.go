package acl

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// Ext field names the broker's ACL validator reads.
const (
	FieldAccessKey     = "AccessKey"
	FieldSecurityToken = "SecurityToken"
	FieldSignature     = "Signature"
	// FieldChannel is sent by the C++ client (and signed with the rest); Java's client
	// never sends it and Apache brokers ignore it beyond signing it.
	FieldChannel = "OnsChannel"
)

// uniqueKeyQuery is added to QUERY_MESSAGE requests that look a message up by its unique
// key. Brokers up to 4.9.3 leave it out of the signed content whatever the client; newer
// brokers leave it out only for clients announcing V4_9_3 or older, because those clients
// signed the header object rather than the ext map and so never saw the field. We must
// therefore sign it exactly when our announced version is newer than that.
const uniqueKeyQuery = "_UNIQUE_KEY_QUERY"

// v4_9_3 is the MQVersion ordinal of V4_9_3 (ordinals step by two: SNAPSHOT, release).
const v4_9_3 = 399

// Credentials are what SetProducerSessionCredentials and its consumer twins take.
type Credentials struct {
	AccessKey string
	SecretKey string
	// SecurityToken is for temporary (STS) credentials; empty means none. The C API has
	// no way to set it, but Java's and Go's clients do.
	SecurityToken string
	// Channel is the C API's onsChannel ("ALIYUN", "CLOUD", "LOCAL"...). Upstream's C++
	// client sends whatever it was given; "ALIYUN" is only the value of credentials that
	// were never set, which never sign anything here. Empty means the field is left out,
	// as Java's client does.
	Channel string
}

// Valid reports whether the credentials can sign anything. A hook with invalid
// credentials would only produce signatures every ACL broker rejects.
func (c Credentials) Valid() bool { return c.AccessKey != "" && c.SecretKey != "" }

// Sign adds the credential fields to req and signs it: Signature is the Base64 of
// HMAC-SHA1(secret, values of all other ext fields in key order, then the body).
// Sign replaces a signature req already carries, so a re-sent request is signed afresh.
func Sign(req *remoting.Command, c Credentials) {
	sign(req, c, hmac.New(sha1.New, []byte(c.SecretKey)))
}

// Hook returns a remoting.ClientOptions.BeforeRequest function that signs every request
// with c. It keeps its HMAC states in a pool, so concurrent senders neither share nor
// rebuild one per request.
func Hook(c Credentials) func(addr string, req *remoting.Command) {
	key := []byte(c.SecretKey)
	macs := sync.Pool{New: func() any { return hmac.New(sha1.New, key) }}
	return func(_ string, req *remoting.Command) {
		mac := macs.Get().(hash.Hash)
		sign(req, c, mac)
		macs.Put(mac)
	}
}

// scratch holds the sorted keys and the concatenated values between requests; the body
// goes straight into the MAC and is never copied.
type scratch struct {
	keys    []string
	content []byte
	sum     [sha1.Size]byte // Sum's argument escapes through the hash.Hash interface
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledContent keeps one request with huge header values from pinning its buffer.
const maxPooledContent = 64 << 10

func sign(req *remoting.Command, c Credentials, mac hash.Hash) {
	req.SetExt(FieldAccessKey, c.AccessKey)
	if c.SecurityToken != "" {
		req.SetExt(FieldSecurityToken, c.SecurityToken)
	}
	if c.Channel != "" {
		req.SetExt(FieldChannel, c.Channel)
	}

	s := scratchPool.Get().(*scratch)
	keys := s.keys[:0]
	skipUniqueKey := req.Version <= v4_9_3
	for k := range req.ExtFields {
		if k == FieldSignature || (skipUniqueKey && k == uniqueKeyQuery) {
			continue
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	content := s.content[:0]
	for _, k := range keys {
		content = append(content, req.ExtFields[k]...)
	}

	mac.Reset()
	mac.Write(content)
	mac.Write(req.Body)
	var sig [28]byte // base64 of 20 bytes
	base64.StdEncoding.Encode(sig[:], mac.Sum(s.sum[:0]))
	req.SetExt(FieldSignature, string(sig[:]))

	clear(keys)
	s.keys = keys
	if cap(content) <= maxPooledContent {
		s.content = content
	} else {
		s.content = nil
	}
	scratchPool.Put(s)
}

// compareUTF16 orders strings as Java's String.compareTo does, by UTF-16 code units,
// because the broker recomputes the signature over a TreeMap. It differs from Go's byte
// order only when a supplementary character (a surrogate pair, 0xD800-0xDBFF first)
// meets a BMP character from U+E000 up; ASCII keys, the usual case, take the fast path.
func compareUTF16(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		return len(a) - len(b)
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return int(a[i]) - int(b[i])
	}
	// Back up to the start of the rune the mismatch is in; both strings agree up to here.
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if (ra >= 0x10000) != (rb >= 0x10000) {
		// A BMP character never equals a high surrogate (Go decodes lone surrogates as
		// U+FFFD), so the first units decide.
		return int(highSurrogate(ra)) - int(highSurrogate(rb))
	}
	if ra == rb {
		// Only invalid UTF-8 decodes equal here; bytes give a total order all the same.
		return strings.Compare(a[i:], b[i:])
	}
	// Within the BMP, and between two surrogate pairs, code point order is UTF-16 order.
	return int(ra) - int(rb)
}

func highSurrogate(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}
