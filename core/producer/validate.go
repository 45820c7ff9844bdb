package producer

import (
	"fmt"

	"github.com/rocketmq-go/librocketmq/core/message"
)

const (
	// maxTopicLen is the broker's limit: a stored record keeps the topic length in one
	// signed byte. The C++ client allows 255, which only moves the refusal to the broker.
	maxTopicLen = 127
	// maxPropertiesLen is the broker's limit on the properties string (a Java short).
	maxPropertiesLen = 1<<15 - 1
)

func illegal(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMessageIllegal}, args...)...)
}

// validateTopic applies the C++ client's rules (not blank, not TBW102) and the broker's
// (length, charset ^[%|a-zA-Z0-9_-]+$, topics only the broker writes), so that a name the
// broker would refuse fails here, before any network I/O, instead of being retried.
func validateTopic(topic string) error {
	switch {
	case topic == "":
		return illegal("the specified topic is blank")
	case len(topic) > maxTopicLen:
		return illegal("the specified topic is longer than topic max length %d", maxTopicLen)
	case topic == message.DefaultTopic:
		return illegal("the topic[%s] is conflict with default topic", topic)
	}
	for i := 0; i < len(topic); i++ {
		if !topicChar(topic[i]) {
			return illegal("the specified topic[%s] contains illegal characters, allowing only ^[%%|a-zA-Z0-9_-]+$", topic)
		}
	}
	switch topic {
	case message.ScheduleTopic, message.TransactionHalfTopic, message.TransactionOpHalfTopic,
		message.TransactionCheckMaxTimeTopic:
		return illegal("sending message to topic[%s] is forbidden", topic)
	}
	return nil
}

func topicChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '%' || c == '|' || c == '_' || c == '-'
}

// checkMessage is the C++ client's Validators::checkMessage with our topic rules.
func (p *Producer) checkMessage(msg *message.Message) error {
	if msg == nil {
		return illegal("the message is nil")
	}
	if err := validateTopic(msg.Topic); err != nil {
		return err
	}
	switch {
	case len(msg.Body) == 0:
		return illegal("the message body is empty")
	case len(msg.Body) > p.cfg.MaxMessageSize:
		return illegal("the message body size %d is over the max value, MAX: %d", len(msg.Body), p.cfg.MaxMessageSize)
	}
	return nil
}
