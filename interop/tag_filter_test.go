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

	// Broker-side filtering, twice: a pull carrying the subscription (sysFlag SUBSCRIPTION,
	// as Java's postSubscriptionWhenPull sends), and a pull without it in the push
	// consumer's own group, which Apache's push consumer sends: the broker must then filter
	// with the subscription the group's heartbeat registered. Neither commits an offset.
	brokerAddr := e.brokerAddrOf(topic)
	for _, c := range []struct {
		name, group, sub string
		sysFlag          int
	}{
		{"with the subscription in the request", group + "_raw", "TagA || TagB", 0x2 | 0x4},
		{"in the push consumer's group, subscription from its heartbeat", group, "", 0x2},
	} {
		total, tagC := rawPullAll(t, e, brokerAddr, topic, 4, c.group, c.sub, c.sysFlag)
		t.Logf("raw pull %s: %d messages returned, %d of them TagC", c.name, total, tagC)
		require.Zero(t, tagC, "raw pull %s: the broker returned TagC messages to a \"TagA || TagB\" subscription (it must filter by the tag hash codes in the consume queue)", c.name)
		require.Equal(t, len(want), total, "raw pull %s: the broker's filtered pull should return exactly the TagA/TagB messages", c.name)
	}
}

// rawPullAll pulls every queue of topic from 0 to its max offset with our own remoting
// client and counts the messages returned and those tagged TagC.
func rawPullAll(t *testing.T, e *env, brokerAddr, topic string, queues int, group, sub string, sysFlag int) (total, tagC int) {
	t.Helper()
	for q := 0; q < queues; q++ {
		maxOff, err := e.maxOffset(brokerAddr, topic, q)
		require.NoError(t, err)
		off := int64(0)
		for off < maxOff {
			req := remoting.NewRequest(remoting.PullMessage, map[string]string{
				"consumerGroup":        group,
				"topic":                topic,
				"queueId":              strconv.Itoa(q),
				"queueOffset":          strconv.FormatInt(off, 10),
				"maxMsgNums":           "32",
				"sysFlag":              strconv.Itoa(sysFlag),
				"commitOffset":         "0",
				"suspendTimeoutMillis": "0",
				"subscription":         sub,
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
				t.Fatalf("raw PULL_MESSAGE group %s queue %d offset %d: code %d remark %q", group, q, off, resp.Code, resp.Remark)
			}
			require.Greater(t, next, off, "raw PULL_MESSAGE queue %d offset %d (code %d): nextBeginOffset %d does not advance", q, off, resp.Code, next)
			off = next
		}
	}
	return total, tagC
}
