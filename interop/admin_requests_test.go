package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// adminCall sends one admin request to a broker with our own remoting client.
func (e *env) adminCall(addr string, code int32, ext map[string]string) *remoting.Command {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := e.rc.InvokeSync(ctx, addr, remoting.NewRequest(code, ext, nil), 15*time.Second)
	require.NoError(e.t, err, "admin request %d", code)
	return resp
}

var (
	consumeStatsEntry = regexp.MustCompile(`\{"brokerName":"[^"]*","queueId":(\d+),"topic":"[^"]*"\}:\{"brokerOffset":(\d+),"consumerOffset":(\d+),"lastTimestamp":(\d+)\}`)
	topicStatsEntry   = regexp.MustCompile(`\{"brokerName":"[^"]*","queueId":(\d+),"topic":"[^"]*"\}:\{"lastUpdateTimestamp":(\d+),"maxOffset":(\d+),"minOffset":(\d+)\}`)
)

// TestAdminRequestsWithApacheConsumer drives the admin requests a console or mqadmin sends
// against a running Apache push consumer: the broker forwards GET_CONSUMER_RUNNING_INFO
// and CONSUME_MESSAGE_DIRECTLY to it and returns its answers, and answers the connection
// list, topic stats and consume stats (lag) from its own tables.
func TestAdminRequestsWithApacheConsumer(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	brokerAddr := e.brokerAddrOf(topic)
	p := e.newProducer()
	group := e.name("cg")
	col := newCollector()
	c := e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("c"))
	persister, ok := c.(interface{ PersistConsumerOffset() error })
	require.True(t, ok, "Apache's push consumer has PersistConsumerOffset")

	want := ids("adm", 0, 10)
	sent := sendSync(t, p, topic, want, 2)
	col.waitAll(t, want, 30*time.Second)

	// Consume stats: once the consumer has committed its offsets, no lag. It persists them
	// every 5 s on its own; asking it to now saves the wait.
	var stats string
	waitFor(t, 20*time.Second, func() bool {
		require.NoError(t, persister.PersistConsumerOffset())
		resp := e.adminCall(brokerAddr, remoting.GetConsumeStats, map[string]string{"consumerGroup": group, "topic": topic})
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		stats = string(resp.Body)
		entries := consumeStatsEntry.FindAllStringSubmatch(stats, -1)
		var total int64
		for _, m := range entries {
			if m[2] != m[3] {
				return false
			}
			n, _ := strconv.ParseInt(m[2], 10, 64)
			total += n
		}
		return len(entries) == 2 && total == int64(len(want))
	}, func() string { return "consume stats never showed every message consumed: " + stats })
	assert.Regexp(t, `^\{"consumeTps":[0-9.E-]+,"offsetTable":\{`, stats)

	resp := e.adminCall(brokerAddr, remoting.GetTopicStatsInfo, map[string]string{"topic": topic})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var stored int64
	for _, m := range topicStatsEntry.FindAllStringSubmatch(string(resp.Body), -1) {
		maxOff, _ := strconv.ParseInt(m[3], 10, 64)
		minOff, _ := strconv.ParseInt(m[4], 10, 64)
		stored += maxOff - minOff
		if maxOff > 0 {
			assert.NotEqual(t, "0", m[2], "a queue with messages has a last update time")
		}
	}
	assert.Equal(t, int64(len(want)), stored, "topic stats: %s", resp.Body)

	// The consumer's client id, as the broker knows it.
	resp = e.adminCall(brokerAddr, remoting.GetConsumerListByGroup, map[string]string{"consumerGroup": group})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var list struct {
		ConsumerIDList []string `json:"consumerIdList"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &list))
	require.Len(t, list.ConsumerIDList, 1)
	clientID := list.ConsumerIDList[0]

	resp = e.adminCall(brokerAddr, remoting.GetConsumerConnectionList, map[string]string{"consumerGroup": group})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var conns struct {
		ConnectionSet []struct {
			ClientID   string `json:"clientId"`
			ClientAddr string `json:"clientAddr"`
			Language   string `json:"language"`
			Version    int    `json:"version"`
		} `json:"connectionSet"`
		SubscriptionTable map[string]struct {
			Topic     string `json:"topic"`
			SubString string `json:"subString"`
		} `json:"subscriptionTable"`
		ConsumeType      string `json:"consumeType"`
		MessageModel     string `json:"messageModel"`
		ConsumeFromWhere string `json:"consumeFromWhere"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &conns), "%s", resp.Body)
	require.Len(t, conns.ConnectionSet, 1)
	assert.Equal(t, clientID, conns.ConnectionSet[0].ClientID)
	assert.Equal(t, "GO", conns.ConnectionSet[0].Language)
	assert.Equal(t, 317, conns.ConnectionSet[0].Version, "rocketmq-client-go v2.1.2 announces 317")
	assert.NotEmpty(t, conns.ConnectionSet[0].ClientAddr)
	assert.Equal(t, "*", conns.SubscriptionTable[topic].SubString)
	assert.Contains(t, conns.SubscriptionTable, "%RETRY%"+group)
	assert.Equal(t, "CONSUME_PASSIVELY", conns.ConsumeType)
	assert.Equal(t, "CLUSTERING", conns.MessageModel)
	assert.Equal(t, "CONSUME_FROM_FIRST_OFFSET", conns.ConsumeFromWhere)

	// Forwarded to the Apache consumer, answered by it.
	resp = e.adminCall(brokerAddr, remoting.GetConsumerRunningInfo,
		map[string]string{"consumerGroup": group, "clientId": clientID, "jstackEnable": "false"})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	assert.Equal(t, remoting.Go, resp.Language, "the answer is the client's own")
	assert.Equal(t, int32(317), resp.Version, "the answer is the client's own")
	if len(resp.Body) == 0 {
		// v2.1.2 answers SUCCESS with no body when its statistics hold a NaN (an average
		// over nothing), which encoding/json refuses; the remark says so.
		assert.Contains(t, resp.Remark, "json marshal error", "an empty answer explains itself")
	} else {
		assert.Contains(t, string(resp.Body), `"properties":{`)
		assert.Contains(t, string(resp.Body), topic, "the running info lists the subscription")
	}

	id := want[3]
	resp = e.adminCall(brokerAddr, remoting.ConsumeMessageDirectly,
		map[string]string{"consumerGroup": group, "clientId": clientID, "msgId": sent[id].OffsetMsgID})
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	var direct struct {
		ConsumeResult json.RawMessage `json:"consumeResult"`
		AutoCommit    bool            `json:"autoCommit"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &direct), "%s", resp.Body)
	assert.Contains(t, []string{"0", `"CR_SUCCESS"`}, string(direct.ConsumeResult), "consumed successfully: %s", resp.Body)
	col.mu.Lock()
	deliveries := col.count[id]
	col.mu.Unlock()
	assert.Equal(t, 2, deliveries, "the handler ran once more for the directly consumed message")

	resp = e.adminCall(brokerAddr, remoting.GetConsumerRunningInfo,
		map[string]string{"consumerGroup": group, "clientId": "10.9.9.9@nobody", "jstackEnable": "false"})
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, fmt.Sprintf("The Consumer <%s> <10.9.9.9@nobody> not online", group), resp.Remark)

	resp = e.adminCall(brokerAddr, remoting.GetConsumerConnectionList, map[string]string{"consumerGroup": group + "-absent"})
	assert.Equal(t, remoting.ConsumerNotOnline, resp.Code)
	assert.Equal(t, "the consumer group["+group+"-absent] not online", resp.Remark)
}
