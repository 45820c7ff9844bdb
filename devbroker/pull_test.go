package devbroker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func (w *wireFixture) sendTags(topic string, queueID int, tags ...string) {
	w.t.Helper()
	for i, tag := range tags {
		w.sendOK(topic, queueID, fmt.Sprintf("m%d", i), wireTags(tag))
	}
}

func (w *wireFixture) assertPull(resp *remoting.Command, code int32, remark string, next, minOff, maxOff int64) {
	w.t.Helper()
	assert.Equal(w.t, code, resp.Code, resp.Remark)
	assert.Equal(w.t, remark, resp.Remark)
	assert.Equal(w.t, next, w.extInt(resp, "nextBeginOffset"), "nextBeginOffset")
	assert.Equal(w.t, minOff, w.extInt(resp, "minOffset"), "minOffset")
	assert.Equal(w.t, maxOff, w.extInt(resp, "maxOffset"), "maxOffset")
	assert.Equal(w.t, "0", resp.Ext("suggestWhichBrokerId"))
	if code != remoting.Success {
		assert.Empty(w.t, resp.Body)
	}
}

func TestPullStatuses(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))

	w.assertPull(w.pull("T", 0, 0, 32, "*"), remoting.PullNotFound, "NO_MESSAGE_IN_QUEUE", 0, 0, 0)
	w.assertPull(w.pull("T", 0, 5, 32, "*"), remoting.PullOffsetMoved, "NO_MESSAGE_IN_QUEUE", 0, 0, 0)

	w.sendTags("T", 0, "A", "B", "A")
	resp := w.pull("T", 0, 1, 32, "*")
	w.assertPull(resp, remoting.Success, "FOUND", 3, 0, 3)
	msgs := w.decode(resp)
	require.Len(t, msgs, 2)
	assert.Equal(t, int64(1), msgs[0].QueueOffset)
	assert.Equal(t, int64(2), msgs[1].QueueOffset)

	w.assertPull(w.pull("T", 0, 3, 32, "*"), remoting.PullNotFound, "OFFSET_OVERFLOW_ONE", 3, 0, 3)
	w.assertPull(w.pull("T", 0, 9, 32, "*"), remoting.PullOffsetMoved, "OFFSET_OVERFLOW_BADLY", 0, 0, 3)
	w.assertPull(w.pull("T", 0, 0, 32, "C"), remoting.PullRetryImmediately, "NO_MATCHED_MESSAGE", 3, 0, 3)

	// A match followed by filtered-out messages: the scan goes past them.
	resp = w.pull("T", 0, 0, 32, "B")
	w.assertPull(resp, remoting.Success, "FOUND", 3, 0, 3)
	require.Len(t, w.decode(resp), 1)
}

func TestPullOffsetsMovedByEviction(t *testing.T) {
	w := newWireFixture(t, Config{MaxMessageSize: 16 << 10, MaxStoreBytes: 256 << 10})
	require.NoError(t, w.b.CreateTopic("T", 1))
	body := strings.Repeat("x", 1000)
	for range 20 {
		batch := make([]*message.Message, 16)
		for i := range batch {
			batch[i] = &message.Message{Body: []byte(body)}
		}
		resp := w.sendBatch("T", 0, batch)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	}
	minOff, maxOff := w.b.store.minOffset("T", 0), w.b.store.maxOffset("T", 0)
	require.Equal(t, int64(320), maxOff)
	require.Greater(t, minOff, int64(0), "old segments were dropped")

	w.assertPull(w.pull("T", 0, 0, 32, "*"), remoting.PullOffsetMoved, "OFFSET_TOO_SMALL", minOff, minOff, maxOff)
	w.assertPull(w.pull("T", 0, maxOff+5, 32, "*"), remoting.PullOffsetMoved, "OFFSET_OVERFLOW_BADLY", maxOff, minOff, maxOff)
	msgs := w.decode(w.pull("T", 0, minOff, 1, "*"))
	require.Len(t, msgs, 1)
	assert.Equal(t, minOff, msgs[0].QueueOffset)
}

func TestPullLimits(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 3))

	many := make([]*message.Message, 40)
	for i := range many {
		many[i] = &message.Message{Body: []byte{byte(i)}}
	}
	require.Equal(t, remoting.Success, w.sendBatch("T", 0, many).Code)
	resp := w.pull("T", 0, 0, 64, "*")
	assert.Len(t, w.decode(resp), maxPullMsgs)
	assert.Equal(t, int64(32), w.extInt(resp, "nextBeginOffset"))
	resp = w.pull("T", 0, 0, 3, "*")
	assert.Len(t, w.decode(resp), 3)
	assert.Equal(t, int64(3), w.extInt(resp, "nextBeginOffset"))
	assert.Len(t, w.decode(w.pull("T", 0, 0, 0, "*")), 1, "at least one message")

	big := strings.Repeat("b", 50<<10)
	for range 10 {
		w.sendOK("T", 1, big, nil)
	}
	resp = w.pull("T", 1, 0, 32, "*")
	got := w.decode(resp)
	assert.Len(t, got, 5, "256 KiB per pull")
	assert.LessOrEqual(t, len(resp.Body), maxPullBytes)
	assert.Equal(t, int64(5), w.extInt(resp, "nextBeginOffset"))

	w.sendOK("T", 2, strings.Repeat("h", 300<<10), nil)
	assert.Len(t, w.decode(w.pull("T", 2, 0, 32, "*")), 1, "a message over 256 KiB still comes")
}

func TestPullFiltersByTag(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.sendTags("T", 0, "A", "B", "", "C", "A")

	tagsOf := func(sub string) []string {
		var out []string
		for _, m := range w.decode(w.pull("T", 0, 0, 32, sub)) {
			out = append(out, m.Tags())
		}
		return out
	}
	assert.Equal(t, []string{"A", "B", "", "C", "A"}, tagsOf("*"))
	assert.Equal(t, []string{"A", "B", "", "C", "A"}, tagsOf(""))
	assert.Equal(t, []string{"A", "C", "A"}, tagsOf("A || C"))
	assert.Equal(t, []string{"B"}, tagsOf(" B "))

	// More filtered-out messages than one pull examines.
	require.NoError(t, w.b.CreateTopic("Many", 1))
	for range 10 {
		batch := make([]*message.Message, 100)
		for i := range batch {
			batch[i] = &message.Message{Body: []byte("n"), Properties: wireTags("N")}
		}
		require.Equal(t, remoting.Success, w.sendBatch("Many", 0, batch).Code)
	}
	w.assertPull(w.pull("Many", 0, 0, 32, "A"), remoting.PullRetryImmediately, "NO_MATCHED_MESSAGE", minPullScan, 0, 1000)
}

func TestPullRejections(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))
	_, err := w.b.topics.createOrUpdate("WO", 2, 2, PermWrite)
	require.NoError(t, err)

	resp := w.pull("Nope", 0, 0, 32, "*")
	assert.Equal(t, remoting.TopicNotExist, resp.Code)
	assert.Contains(t, resp.Remark, "topic[Nope] not exist")

	assert.Equal(t, remoting.NoPermission, w.pull("WO", 0, 0, 32, "*").Code)

	resp = w.pull("T", 2, 0, 32, "*")
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Contains(t, resp.Remark, "queueId[2] is illegal")

	ext := wirePull("T", 0, 0, 32, pullFlagSubscription, 0, "a > 1")
	ext["expressionType"] = "SQL92"
	resp = w.call(remoting.PullMessage, ext, nil)
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Contains(t, resp.Remark, "does not support consumer to filter message by SQL92")

	// Without SUBSCRIPTION the group's heartbeat subscription is needed; there is none.
	resp = w.call(remoting.PullMessage, wirePull("T", 0, 0, 32, 0, 0, ""), nil)
	assert.Equal(t, remoting.SubscriptionNotExist, resp.Code)
	assert.Contains(t, resp.Remark, "the consumer's group info not exist")

	ext = wirePull("T", 0, 0, 32, pullFlagSubscription, 0, "*")
	delete(ext, "queueOffset")
	resp = w.call(remoting.PullMessage, ext, nil)
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "the custom field <queueOffset> is null", resp.Remark)

	ext = wirePull("T", 0, 0, 32, pullFlagSubscription, 0, "*")
	ext["maxMsgNums"] = "many"
	assert.Equal(t, remoting.SystemError, w.call(remoting.PullMessage, ext, nil).Code)
}

// heartbeatAs registers the fixture's connection as a consumer of group, as a Java client's
// HEART_BEAT body says it.
func (w *wireFixture) heartbeatAs(group, model, topic, expr string, version int64) {
	w.t.Helper()
	body := fmt.Sprintf(`{"clientID":"127.0.0.1@bench","producerDataSet":[],"consumerDataSet":[{"groupName":%q,`+
		`"consumeType":"CONSUME_PASSIVELY","messageModel":%q,"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",`+
		`"subscriptionDataSet":[{"topic":%q,"subString":%q,"expressionType":"TAG","subVersion":%d}]}]}`,
		group, model, topic, expr, version)
	resp := w.call(remoting.HeartBeat, nil, []byte(body))
	require.Equal(w.t, remoting.Success, resp.Code, resp.Remark)
}

func TestPullUsesTheHeartbeatSubscription(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.sendTags("T", 0, "A", "B", "A")
	w.heartbeatAs("CG", "CLUSTERING", "T", "B", 100)

	resp := w.call(remoting.PullMessage, wirePull("T", 0, 0, 32, 0, 0, ""), nil)
	msgs := w.decode(resp)
	require.Len(t, msgs, 1)
	assert.Equal(t, "B", msgs[0].Tags())

	ext := wirePull("T", 0, 0, 32, 0, 0, "")
	ext["subVersion"] = "101"
	resp = w.call(remoting.PullMessage, ext, nil)
	assert.Equal(t, remoting.SubscriptionNotLatest, resp.Code, resp.Remark)

	// The request's own subscription wins when SUBSCRIPTION is set.
	assert.Len(t, w.decode(w.pull("T", 0, 0, 32, "A")), 2)
}

func TestPullCommitsOffsets(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 1))
	w.sendTags("T", 0, "A", "A")

	commitPull := func(group string, commit int64, flag int) {
		ext := wirePull("T", 0, 0, 32, flag, 0, "*")
		ext["consumerGroup"] = group
		ext["commitOffset"] = fmt.Sprint(commit)
		require.Equal(t, remoting.Success, w.call(remoting.PullMessage, ext, nil).Code)
	}
	commitPull("CG", 2, pullFlagSubscription|pullFlagCommitOffset)
	assert.Equal(t, int64(2), w.b.offsets.get("CG", "T", 0))
	commitPull("CG", 1, pullFlagSubscription)
	assert.Equal(t, int64(2), w.b.offsets.get("CG", "T", 0), "no COMMIT_OFFSET flag, no commit")
	commitPull("CG", -1, pullFlagSubscription|pullFlagCommitOffset)
	assert.Equal(t, int64(2), w.b.offsets.get("CG", "T", 0), "a negative offset is not committed")

	w.heartbeatAs("BG", "BROADCASTING", "T", "*", 1)
	commitPull("BG", 1, pullFlagSubscription|pullFlagCommitOffset)
	assert.Equal(t, int64(-1), w.b.offsets.get("BG", "T", 0), "broadcasting groups keep their own offsets")

	// A held pull commits when it arrives, before it is answered.
	ext := wirePull("T", 0, 2, 32, pullFlagSuspend|pullFlagSubscription|pullFlagCommitOffset, 20000, "*")
	ext["consumerGroup"], ext["commitOffset"] = "HG", "2"
	held := make(chan error, 1)
	require.NoError(t, w.c.InvokeAsync(context.Background(), w.b.BrokerAddr(), remoting.NewRequest(remoting.PullMessage, ext, nil),
		30*time.Second, func(_ *remoting.Command, err error) { held <- err }))
	w.waitFor("pull held", func() bool { return w.b.holds.count() == 1 })
	assert.Equal(t, int64(2), w.b.offsets.get("HG", "T", 0))
	w.sendOK("T", 0, "x", nil)
	require.NoError(t, <-held)
}
