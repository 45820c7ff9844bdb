package interop

import (
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
)

// TestNewGroupFromLastOffsetStartsAtFirstMessage pins a 4.x broker rule Apache's client
// meets on every young topic: QUERY_CONSUMER_OFFSET for a group that has no offset answers
// SUCCESS with offset 0 (not QUERY_NOT_FOUND) while the queue still holds its first message
// in memory, so a new group consuming from CONSUME_FROM_LAST_OFFSET (the client's default)
// still gets the messages sent before it started.
func TestNewGroupFromLastOffsetStartsAtFirstMessage(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(4)
	p := e.newProducer()
	before := ids("before", 0, 40)
	sendSync(t, p, topic, before, 2)

	brokerAddr := e.brokerAddrOf(topic)
	group := e.name("cg")
	for q := 0; q < 4; q++ {
		off, err := e.committedOffset(brokerAddr, group, topic, q)
		if err != nil || off != 0 {
			t.Fatalf("QUERY_CONSUMER_OFFSET of a new group on queue %d (first message still in memory): offset %d err %v, want SUCCESS with 0", q, off, err)
		}
	}

	col := newCollector()
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("c"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromLastOffset))
	after := ids("after", 0, 40)
	sendSync(t, p, topic, after, 2)
	all := append(append([]string{}, before...), after...)
	col.waitAll(t, all, 30*time.Second)
	settle(t, col, 300*time.Millisecond)
	col.requireExactlyOnce(t, all)
}
