package message

import (
	"net/netip"
	"strconv"
	"strings"
)

// Message is an outgoing message (what a producer sends).
//
// A Message is not safe for concurrent mutation; share it read-only or copy
// it. Properties stays nil until a property is set so that the many messages
// that never carry one cost no map.
type Message struct {
	Topic         string
	Flag          int32
	Body          []byte
	Properties    map[string]string
	TransactionID string
}

// Property returns the value of key, or "" when it is absent.
func (m *Message) Property(key string) string {
	return m.Properties[key]
}

// SetProperty sets key to value, allocating the map on first use.
func (m *Message) SetProperty(key, value string) {
	if m.Properties == nil {
		m.Properties = make(map[string]string, 4)
	}
	m.Properties[key] = value
}

// RemoveProperty deletes key; it is a no-op when key is absent.
func (m *Message) RemoveProperty(key string) {
	delete(m.Properties, key)
}

// Tags returns the TAGS property.
func (m *Message) Tags() string {
	return m.Properties[PropertyTags]
}

// SetTags sets the TAGS property; "" removes it, because an empty tag would
// be dropped by every properties parser anyway.
func (m *Message) SetTags(tags string) {
	if tags == "" {
		m.RemoveProperty(PropertyTags)
		return
	}
	m.SetProperty(PropertyTags, tags)
}

// Keys returns the KEYS property split on KeySeparator, without empty parts.
func (m *Message) Keys() []string {
	v := m.Properties[PropertyKeys]
	if v == "" {
		return nil
	}
	var keys []string
	for part := range strings.SplitSeq(v, KeySeparator) {
		if part != "" {
			keys = append(keys, part)
		}
	}
	return keys
}

// SetKeys joins keys with KeySeparator into the KEYS property. The broker
// indexes each space-separated word, so a key containing a space becomes
// two keys. With no non-empty key the property is removed.
func (m *Message) SetKeys(keys ...string) {
	joined := strings.Join(keys, KeySeparator)
	if strings.Trim(joined, KeySeparator) == "" {
		m.RemoveProperty(PropertyKeys)
		return
	}
	m.SetProperty(PropertyKeys, joined)
}

// UniqKey returns the client message id (UNIQ_KEY property).
func (m *Message) UniqKey() string {
	return m.Properties[PropertyUniqClientMessageIDKeyIndex]
}

// DelayTimeLevel returns the DELAY property, or 0 when it is absent, not a
// number or negative.
func (m *Message) DelayTimeLevel() int {
	v, ok := m.Properties[PropertyDelayTimeLevel]
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// SetDelayTimeLevel sets the DELAY property (1-based level). A level <= 0
// removes it: the broker treats 0 as "no delay", so the property would only
// waste bytes.
func (m *Message) SetDelayTimeLevel(level int) {
	if level <= 0 {
		m.RemoveProperty(PropertyDelayTimeLevel)
		return
	}
	m.SetProperty(PropertyDelayTimeLevel, strconv.Itoa(level))
}

// MessageExt is a message as stored by the broker and returned by pulls.
type MessageExt struct {
	Message
	StoreSize                 int32
	QueueID                   int32
	QueueOffset               int64
	CommitLogOffset           int64
	SysFlag                   int32
	BornTimestamp             int64 // ms
	BornHost                  netip.AddrPort
	StoreTimestamp            int64 // ms
	StoreHost                 netip.AddrPort
	ReconsumeTimes            int32
	PreparedTransactionOffset int64
	BodyCRC                   int32
	// MsgID is the offset message id, derived from StoreHost and
	// CommitLogOffset by the decoders.
	MsgID string
}

// RetryTopic returns the retry topic of a consumer group.
func RetryTopic(group string) string {
	return RetryGroupTopicPrefix + group
}

// DLQTopic returns the dead-letter topic of a consumer group.
func DLQTopic(group string) string {
	return DLQGroupTopicPrefix + group
}

// IsRetryTopic reports whether topic is a %RETRY% topic.
func IsRetryTopic(topic string) bool {
	return strings.HasPrefix(topic, RetryGroupTopicPrefix)
}

// IsDLQTopic reports whether topic is a %DLQ% topic.
func IsDLQTopic(topic string) bool {
	return strings.HasPrefix(topic, DLQGroupTopicPrefix)
}
