package consumer_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

func TestBroadcastingGivesEveryMemberEverything(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 3)
	dir := t.TempDir()
	broadcast := func(instance string) consumer.PushConfig {
		cfg := e.config("G", instance)
		cfg.Model = consumer.Broadcasting
		cfg.OffsetDir = dir + "/" + instance
		return cfg
	}
	recA, recB := newRecorder(), newRecorder()
	a := e.push(broadcast("a"), map[string]string{"T": "*"}, false, recA.listener(nil))
	b := e.push(broadcast("b"), map[string]string{"T": "*"}, false, recB.listener(nil))
	assert.Len(t, consumer.Owned(a), 3, "every queue, and no retry topic")
	assert.Len(t, consumer.Owned(b), 3)
	all := bodies("m", 90)
	for i, m := range all {
		e.send("T", i%3, "", m)
	}
	recA.waitAll(t, all)
	recB.waitAll(t, all)
	require.NoError(t, a.Shutdown())
	require.NoError(t, b.Shutdown())
	assert.Zero(t, recA.duplicates(all))
	assert.Zero(t, recB.duplicates(all))
	assert.Equal(t, int64(0), e.committed("G", "T", 0),
		"broadcasting commits nothing to the broker (0 is its answer for a group without an offset)")

	data, err := os.ReadFile(dir + "/a/G/offsets.json")
	require.NoError(t, err)
	var file struct {
		Offsets []struct {
			Topic   string `json:"topic"`
			QueueID int    `json:"queueId"`
			Offset  int64  `json:"offset"`
		} `json:"offsets"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	require.Len(t, file.Offsets, 3)
	for _, o := range file.Offsets {
		assert.Equal(t, int64(30), o.Offset, "queue %d", o.QueueID)
	}

	// A restarted member resumes from its file.
	more := bodies("more", 30)
	for i, m := range more {
		e.send("T", i%3, "", m)
	}
	recA2 := newRecorder()
	e.push(broadcast("a"), map[string]string{"T": "*"}, false, recA2.listener(nil))
	recA2.waitAll(t, more)
	for _, m := range all {
		d, _ := recA2.count(m)
		assert.Zero(t, d, "%s delivered again after restart", m)
	}
}

// A stored offset past the queue's end is refused by the broker (OFFSET_ILLEGAL); the
// consumer moves to where the broker says, persists that, and consumes from there.
func TestIllegalOffsetIsMoved(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	all := bodies("m", 5)
	for _, m := range all {
		e.send("T", 0, "", m)
	}
	resp, err := e.raw.InvokeSync(context.Background(), e.b.BrokerAddr(), remoting.NewRequest(remoting.UpdateConsumerOffset,
		map[string]string{"consumerGroup": "G", "topic": "T", "queueId": "0", "commitOffset": "100"}, nil), wait)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code)
	rec := newRecorder()
	c := e.push(e.config("G", "moved"), map[string]string{"T": "*"}, false, rec.listener(nil))
	rec.waitAll(t, all)
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == 5 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	assert.Zero(t, rec.duplicates(all))
}

// RESET_CONSUMER_CLIENT_OFFSET moves an owned queue back; what follows is consumed again.
func TestResetOffsetReplays(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	first := bodies("m", 10)
	for _, m := range first {
		e.send("T", 0, "", m)
	}
	rec := newRecorder()
	c := e.push(e.config("G", "reset"), map[string]string{"T": "*"}, false, rec.listener(nil))
	rec.waitAll(t, first)
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == 10 }, wait, 10*time.Millisecond)
	mq := route.MessageQueue{Topic: "T", BrokerName: e.b.BrokerName(), QueueID: 0}
	assert.Equal(t, map[route.MessageQueue]int64{mq: 10}, c.ConsumerStatus("T"))

	c.ResetOffset("T", map[route.MessageQueue]int64{mq: 7})
	require.Eventually(t, func() bool {
		for _, m := range first[7:] {
			if _, ok := rec.count(m); ok < 2 {
				return false
			}
		}
		return true
	}, wait, 10*time.Millisecond)
	require.Eventually(t, func() bool { return e.committed("G", "T", 0) == 10 }, wait, 10*time.Millisecond)
	require.NoError(t, c.Shutdown())
	for _, m := range first[:7] {
		_, ok := rec.count(m)
		assert.Equal(t, 1, ok, m)
	}
}

func TestRunningInfoAndConsumeDirectly(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 2)
	rec := newRecorder()
	cfg := e.config("G", "info")
	c := e.push(cfg, map[string]string{"T": "TagA"}, false, rec.listener(nil))
	for i := 0; i < 4; i++ {
		e.send("T", i%2, "TagA", "m"+strconv.Itoa(i))
	}
	rec.waitAll(t, []string{"m0", "m1", "m2", "m3"})
	require.Eventually(t, func() bool { return e.committed("G", "T", 1) == 2 }, wait, 10*time.Millisecond)

	body, err := c.RunningInfo(true)
	require.NoError(t, err)
	s := string(body)
	for _, want := range []string{
		`"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"`, `"PROP_CONSUMEORDERLY":"false"`, `"PROP_THREADPOOL_CORE_SIZE":"4"`,
		`"subString":"TagA"`, `"topic":"%RETRY%G"`,
		`{"topic":"T","brokerName":"` + e.b.BrokerName() + `","queueId":1}:{"commitOffset":2,`,
		`"droped":false`, `"statusTable":{"%RETRY%G":{`, `"consumeFailedMsgs":0`, `"jstack":"goroutine `,
	} {
		assert.Contains(t, s, want)
	}

	msg := rec.msgs[0]
	out, err := c.ConsumeMessageDirectly(msg, e.b.BrokerName())
	require.NoError(t, err)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res))
	assert.Equal(t, "CR_SUCCESS", res["consumeResult"])
	assert.Equal(t, true, res["autoCommit"])
	require.NoError(t, c.Shutdown())
}

// An admin's GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY reach the consumer
// through the broker, and the answers come back the same way.
func TestAdminRequestsThroughTheBroker(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	rec := newRecorder()
	c := e.push(e.config("G", "admin"), map[string]string{"T": "*"}, false, rec.listener(nil))
	e.send("T", 0, "", "hello")
	rec.waitAll(t, []string{"hello"})
	ask := func(code int32, ext map[string]string) *remoting.Command {
		resp, err := e.raw.InvokeSync(context.Background(), e.b.BrokerAddr(), remoting.NewRequest(code, ext, nil), wait)
		require.NoError(t, err)
		return resp
	}

	resp := ask(remoting.GetConsumerRunningInfo, map[string]string{"consumerGroup": "G", "clientId": consumer.ClientID(c), "jstackEnable": "false"})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Contains(t, string(resp.Body), `"PROP_CONSUMER_START_TIMESTAMP"`)
	assert.Contains(t, string(resp.Body), `"jstack":""`)

	rec.mu.Lock()
	msgID := rec.msgs[0].MsgID
	rec.mu.Unlock()
	resp = ask(remoting.ConsumeMessageDirectly, map[string]string{"consumerGroup": "G", "clientId": consumer.ClientID(c), "msgId": msgID})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var res map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &res))
	assert.Equal(t, "CR_SUCCESS", res["consumeResult"])
	d, _ := rec.count("hello")
	assert.Equal(t, 2, d, "the listener ran on the message again")
	require.NoError(t, c.Shutdown())
}
