package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/stretchr/testify/require"
)

// TestOffsetsSurviveConsumerRestart consumes N messages, has the consumer persist its
// offsets and shuts it down, sends M more and starts a new consumer of the same group: it
// gets exactly the M new messages and none of the committed ones. On the way it checks
// that offsets reported in pulls are committed.
func TestOffsetsSurviveConsumerRestart(t *testing.T) {
	e := newEnv(t)
	const queues = 4
	topic := e.createTopic(queues)
	p := e.newProducer()
	group := e.name("cg")
	brokerAddr := e.brokerAddrOf(topic)

	first := ids("first", 0, 200)
	sendSync(t, p, topic, first, 4)
	col1 := newCollector()
	c1Started := time.Now()
	c1 := e.newPushConsumer(group, topic, consumer.MessageSelector{}, col1.handler("c1"))
	col1.waitAll(t, first, 30*time.Second)
	settle(t, col1, 300*time.Millisecond)
	col1.requireExactlyOnce(t, first)

	// While it runs, the consumer reports its offsets in every PULL_MESSAGE (sysFlag
	// COMMIT_OFFSET, commitOffset); it persists them with UPDATE_CONSUMER_OFFSET only every
	// 5 s after its first 10 s. So before that, the broker's committed offsets can only come
	// from pulls. New messages make the consumer pull again with updated offsets.
	if time.Since(c1Started) < 5*time.Second {
		nudge := ids("nudge", 0, 2*queues)
		sendSync(t, p, topic, nudge, 1)
		col1.waitAll(t, nudge, 10*time.Second)
		first = append(first, nudge...)
		var state string
		waitFor(t, 3*time.Second, func() bool {
			var b strings.Builder
			sum := int64(0)
			for q := 0; q < queues; q++ {
				committed, err := e.committedOffset(brokerAddr, group, topic, q)
				fmt.Fprintf(&b, " q%d=%d(%v)", q, committed, err)
				if committed > 0 {
					sum += committed
				}
			}
			state = b.String()
			return sum >= int64(200)
		}, func() string {
			return "the broker did not commit the offsets the consumer sent in PULL_MESSAGE (sysFlag bit 0, commitOffset): committed offsets" + state
		})
	} else {
		t.Logf("consumer ran %v: skipping the commit-by-pull check (its periodic UPDATE_CONSUMER_OFFSET may have run)", time.Since(c1Started))
	}

	// The client updates its in-memory offset just after the callback returns: wait for
	// it to have caught up (GetOffsetDiffMap: max offset seen minus consumed offset), or
	// the persist below could send an offset one message short (a legitimate redelivery).
	waitFor(t, 10*time.Second, func() bool {
		d, ok := c1.GetOffsetDiffMap()[topic]
		return ok && d == 0
	}, func() string {
		return fmt.Sprintf("the consumer's in-memory offsets never caught up: GetOffsetDiffMap %v", c1.GetOffsetDiffMap())
	})

	// Persist now, while the connection is open. Shutdown persists too, but Apache's client
	// v2.1.2 closes its sockets right after those UPDATE_CONSUMER_OFFSET writes with the
	// broker's answers unread; the kernel then resets the connection and drops whatever the
	// broker had not read yet (measured: a few percent of updates under CPU load, against
	// any server). The broker keeping and serving committed offsets is what is tested here.
	persister, ok := c1.(interface{ PersistConsumerOffset() error })
	require.True(t, ok, "Apache's push consumer has PersistConsumerOffset")
	require.NoError(t, persister.PersistConsumerOffset())

	// The broker must now report every queue consumed up to its max offset.
	var state string
	waitFor(t, 10*time.Second, func() bool {
		var b strings.Builder
		okAll := true
		for q := 0; q < queues; q++ {
			committed, err1 := e.committedOffset(brokerAddr, group, topic, q)
			max, err2 := e.maxOffset(brokerAddr, topic, q)
			fmt.Fprintf(&b, " q%d committed=%d max=%d", q, committed, max)
			if err1 != nil || err2 != nil {
				fmt.Fprintf(&b, " (errors: %v %v)", err1, err2)
				okAll = false
			} else if committed != max {
				okAll = false
			}
		}
		state = b.String()
		return okAll
	}, func() string {
		return "after UPDATE_CONSUMER_OFFSET for every queue, the broker's committed offsets (QUERY_CONSUMER_OFFSET) do not reach the queues' max offsets (GET_MAX_OFFSET):" + state
	})

	require.NoError(t, c1.Shutdown(), "first consumer Shutdown")

	second := ids("second", 0, 100)
	sendSync(t, p, topic, second, 4)

	col2 := newCollector()
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, col2.handler("c2"))
	col2.waitAll(t, second, 30*time.Second)
	settle(t, col2, 500*time.Millisecond)
	col2.requireExactlyOnce(t, second) // also fails on any redelivered "first-" message
}
