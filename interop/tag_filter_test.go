package interop

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestTagFilter subscribes "TagA || TagB" and sends TagA, TagB and TagC: exactly the A and
// B messages arrive. Apache's client filters again on its side, so the broker's own
// filtering is checked separately with a raw PULL_MESSAGE carrying the subscription.
func TestTagFilter(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(4)
	p := e.newProducer()
	group := e.name("cg")
	col := newCollector()
	e.newPushConsumer(group, topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "TagA || TagB"}, col.handler("c"))

	var want, unwanted []string
	for i := 0; i < 300; i++ {
		tag := []string{"TagA", "TagB", "TagC"}[i%3]
		id := fmt.Sprintf("%s-%d", tag, i)
		m := newMsg(topic, id)
		m.WithTag(tag)
		r, err := p.SendSync(context.Background(), m)
		require.NoError(t, err, "send %s", id)
		require.Equal(t, primitive.SendOK, r.Status)
		if tag == "TagC" {
			unwanted = append(unwanted, id)
		} else {
			want = append(want, id)
		}
	}
	col.waitAll(t, want, 30*time.Second)
	// A last TagA message, sent after everything: once it is in, any TagC that was going
	// to be delivered has been (queues are consumed in order per pull).
	last := newMsg(topic, "TagA-last")
	last.WithTag("TagA")
	_, err := p.SendSync(context.Background(), last)
	require.NoError(t, err)
	want = append(want, "TagA-last")
	col.waitAll(t, want, 30*time.Second)
	settle(t, col, 300*time.Millisecond)
	col.requireExactlyOnce(t, want)

	// The tags arrive intact.
	col.mu.Lock()
	for _, id := range unwanted {
		require.Zero(t, col.count[id], "TagC message %s was consumed", id)
	}
	col.mu.Unlock()

	// Broker-side filtering: pull every queue with the subscription in the request (as
	// Apache's Java client does with postSubscriptionWhenPull) and count TagC messages.
	brokerAddr := e.brokerAddrOf(topic)
	total, tagC := 0, 0
	for q := 0; q < 4; q++ {
		maxOff, err := e.maxOffset(brokerAddr, topic, q)
		require.NoError(t, err)
		off := int64(0)
		for off < maxOff {
			req := remoting.NewRequest(remoting.PullMessage, map[string]string{
				"consumerGroup":        group + "_raw",
				"topic":                topic,
				"queueId":              strconv.Itoa(q),
				"queueOffset":          strconv.FormatInt(off, 10),
				"maxMsgNums":           "32",
				"sysFlag":              strconv.Itoa(0x2 | 0x4), // suspend | subscription
				"commitOffset":         "0",
				"suspendTimeoutMillis": "0",
				"subscription":         "TagA || TagB",
				"subVersion":           "0",
				"expressionType":       "TAG",
			}, nil)
			resp, err := e.rc.InvokeSync(context.Background(), brokerAddr, req, 5*time.Second)
			require.NoError(t, err, "raw PULL_MESSAGE")
			next, _ := strconv.ParseInt(resp.Ext("nextBeginOffset"), 10, 64)
			switch resp.Code {
			case remoting.Success:
				for _, m := range primitive.DecodeMessage(resp.Body) {
					total++
					if m.GetTags() == "TagC" {
						tagC++
					}
				}
			case remoting.PullNotFound, remoting.PullRetryImmediately:
			default:
				t.Fatalf("raw PULL_MESSAGE queue %d offset %d: code %d remark %q", q, off, resp.Code, resp.Remark)
			}
			require.Greater(t, next, off, "raw PULL_MESSAGE queue %d offset %d (code %d): nextBeginOffset %d does not advance", q, off, resp.Code, next)
			off = next
		}
	}
	t.Logf("raw pull with subscription \"TagA || TagB\": %d messages returned, %d of them TagC", total, tagC)
	require.Zero(t, tagC, "the broker returned TagC messages to a pull whose subscription is \"TagA || TagB\" (it must filter by tag hash code in the consume queue)")
	require.Equal(t, len(want), total, "the broker's filtered pull should return exactly the TagA/TagB messages")
}
