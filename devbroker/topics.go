package devbroker

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// Permission bits of a topic (PermName).
const (
	PermPriority = 8
	PermRead     = 4
	PermWrite    = 2
	PermInherit  = 1
)

// maxTopicLen is the real broker's limit: the stored record keeps a topic's length in one
// signed byte.
const maxTopicLen = 127

var topicPattern = regexp.MustCompile(`^[%|a-zA-Z0-9_-]+$`)

// validateTopic applies the real broker's topic rules.
func validateTopic(topic string) error {
	switch {
	case topic == "":
		return fmt.Errorf("the specified topic is blank")
	case len(topic) > maxTopicLen:
		return fmt.Errorf("the specified topic is longer than topic max length %d", maxTopicLen)
	case !topicPattern.MatchString(topic):
		return fmt.Errorf("the specified topic[%s] contains illegal characters, allowing only ^[%%|a-zA-Z0-9_-]+$", topic)
	}
	return nil
}

type topicConfig struct {
	Name           string
	ReadQueueNums  int
	WriteQueueNums int
	Perm           int
	TopicSysFlag   int
	Order          bool
}

// queueNums is how many queues exist for storage: a queue id is valid below it.
func (t topicConfig) queueNums() int { return max(t.ReadQueueNums, t.WriteQueueNums) }

// topicTable is the broker's topic configuration; the name server reads routes from it.
type topicTable struct {
	b      *Broker
	mu     sync.RWMutex
	topics map[string]topicConfig
}

func newTopicTable(b *Broker) *topicTable {
	t := &topicTable{b: b, topics: make(map[string]topicConfig)}
	if !b.cfg.DisableAutoCreateTopic {
		// Clients that find no route for a topic fall back to this one's, send with it as
		// defaultTopic, and the broker creates the topic on that first send.
		t.topics[message.DefaultTopic] = topicConfig{Name: message.DefaultTopic, ReadQueueNums: 8, WriteQueueNums: 8,
			Perm: PermInherit | PermRead | PermWrite}
	}
	for _, sys := range []string{b.cfg.ClusterName, b.cfg.BrokerName, "SELF_TEST_TOPIC", "OFFSET_MOVED_EVENT"} {
		t.topics[sys] = topicConfig{Name: sys, ReadQueueNums: 1, WriteQueueNums: 1, Perm: PermRead | PermWrite}
	}
	return t
}

func (t *topicTable) get(name string) (topicConfig, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tc, ok := t.topics[name]
	return tc, ok
}

func (t *topicTable) createOrUpdate(name string, read, write, perm int) (topicConfig, error) {
	if err := validateTopic(name); err != nil {
		return topicConfig{}, err
	}
	if read <= 0 || write <= 0 {
		return topicConfig{}, fmt.Errorf("queue counts must be positive")
	}
	t.mu.Lock()
	tc := t.topics[name]
	tc.Name, tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm = name, read, write, perm
	t.topics[name] = tc
	t.mu.Unlock()
	t.b.topicsChanged()
	return tc, nil
}

// autoCreate returns the topic, creating it with queueNums queues if it is missing and
// auto-creation is on. System topics (retry and DLQ) are created regardless.
func (t *topicTable) autoCreate(name string, queueNums int) (topicConfig, bool) {
	if tc, ok := t.get(name); ok {
		return tc, true
	}
	if t.b.cfg.DisableAutoCreateTopic && !isGroupTopic(name) {
		return topicConfig{}, false
	}
	if validateTopic(name) != nil {
		return topicConfig{}, false
	}
	if queueNums <= 0 {
		queueNums = t.b.cfg.DefaultQueueNums
	}
	t.mu.Lock()
	if tc, ok := t.topics[name]; ok {
		t.mu.Unlock()
		return tc, true
	}
	tc := topicConfig{Name: name, ReadQueueNums: queueNums, WriteQueueNums: queueNums, Perm: PermRead | PermWrite}
	t.topics[name] = tc
	t.mu.Unlock()
	t.b.log.Info("topic auto-created", "topic", name, "queues", queueNums)
	t.b.topicsChanged()
	return tc, true
}

func isGroupTopic(name string) bool {
	return len(name) > len(message.RetryGroupTopicPrefix) && name[:len(message.RetryGroupTopicPrefix)] == message.RetryGroupTopicPrefix ||
		len(name) > len(message.DLQGroupTopicPrefix) && name[:len(message.DLQGroupTopicPrefix)] == message.DLQGroupTopicPrefix
}

// list returns every topic, sorted by name.
func (t *topicTable) list() []topicConfig {
	t.mu.RLock()
	out := make([]topicConfig, 0, len(t.topics))
	for _, tc := range t.topics {
		out = append(out, tc)
	}
	t.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// handleUpdateAndCreateTopic serves UPDATE_AND_CREATE_TOPIC (17): ext topic, readQueueNums,
// writeQueueNums, perm (defaults 4, 4, RW).
func (b *Broker) handleUpdateAndCreateTopic(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	num := func(key string, def int) int {
		if v, err := strconv.Atoi(req.Ext(key)); err == nil {
			return v
		}
		return def
	}
	topic := req.Ext("topic")
	if topic == message.DefaultTopic {
		return fail(remoting.SystemError, "the topic[%s] is conflict with system reserved words.", topic)
	}
	if _, err := b.topics.createOrUpdate(topic, num("readQueueNums", 4), num("writeQueueNums", 4), num("perm", PermRead|PermWrite)); err != nil {
		return fail(remoting.SystemError, "%v", err)
	}
	return ok()
}
