package devbroker

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// FuzzHeartbeat feeds HEARTBEAT bodies through what handleHeartbeat makes of them: the
// JSON, the enums given as names or ordinals, and each subscription's tags and codes.
func FuzzHeartbeat(f *testing.F) {
	f.Add(goHeartbeat("c1", "G", "CLUSTERING", 1, map[string]string{"T": "TagA || TagB", "U": "*"}))
	f.Add([]byte(`{"clientID":"c2","producerDataSet":[{"groupName":"P"}],"consumerDataSet":[{"groupName":"G",` +
		`"consumeType":1,"messageModel":0,"consumeFromWhere":"4","subscriptionDataSet":[{"topic":"T",` +
		`"subString":"a||b","tagsSet":["a","b"],"codeSet":[97,"98"],"subVersion":"17","expressionType":"tag"}]}]}`))
	f.Add([]byte(`{"clientID":"c3","consumerDataSet":[{"groupName":"G","subscriptionDataSet":[{"topic":"T",` +
		`"subString":"a > 1","expressionType":"SQL92"},{"topic":"U","subString":" || ","codeSet":[1,2,3]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var hb heartbeatJSON
		if json.Unmarshal(body, &hb) != nil {
			return
		}
		for _, cd := range hb.ConsumerDataSet {
			enumName(cd.ConsumeType, consumeTypeNames)
			enumName(cd.MessageModel, messageModelNames)
			enumName(cd.ConsumeFromWhere, consumeFromNames)
			for _, s := range cd.SubscriptionDataSet {
				if sub := s.toSubscription(); sub.Type == "" {
					t.Fatalf("subscription %+v without an expression type", sub)
				}
			}
		}
	})
}

// FuzzLockBatchBody is the body of LOCK_BATCH_MQ and UNLOCK_BATCH_MQ.
func FuzzLockBatchBody(f *testing.F) {
	f.Add([]byte(`{"consumerGroup":"G","clientId":"c1","mqSet":[{"topic":"T","brokerName":"b","queueId":3}]}`))
	f.Add([]byte(`{"mqSet":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, bad := decodeLockBatch(&remoting.Command{Body: body})
		if bad == nil && !json.Valid(body) {
			t.Fatalf("invalid JSON %q accepted as %+v", body, got)
		}
	})
}

// FuzzRegisterBrokerBody is REGISTER_BROKER's body, as JSON and in the zlib-compressed
// binary form: the fuzzer's bytes are the payload, compressed here so that the binary
// decoder sees more than zlib header errors.
func FuzzRegisterBrokerBody(f *testing.F) {
	f.Add([]byte(`{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"readQueueNums":4,"writeQueueNums":4,"perm":6}}}}`))
	var raw bytes.Buffer
	chunk := func(s string) {
		binary.Write(&raw, binary.BigEndian, int32(len(s)))
		raw.WriteString(s)
	}
	chunk(`{"counter":1}`)
	binary.Write(&raw, binary.BigEndian, int32(2))
	chunk("T 4 4 6 SINGLE_TAG")
	chunk("bogus")
	chunk("[]")
	f.Add(raw.Bytes())
	// One writer for every input: a new one allocates about 250 KiB, which
	// made this target run ten times slower than the others.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeRegisterBody(payload, false)
		z.Reset()
		zw.Reset(&z)
		zw.Write(payload)
		zw.Close()
		topics, err := decodeRegisterBody(z.Bytes(), true)
		if err == nil && len(topics) > len(payload)/4 {
			t.Fatalf("%d topics from %d bytes", len(topics), len(payload))
		}
	})
}
