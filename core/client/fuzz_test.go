package client_test

import (
	"testing"

	"github.com/rocketmq-go/librocketmq/core/client"
)

// FuzzParseQueueOffsetTable is the hand-written scanner for offset tables keyed by JSON
// objects (RESET_CONSUMER_CLIENT_OFFSET and GET_CONSUMER_STATUS bodies from the broker).
func FuzzParseQueueOffsetTable(f *testing.F) {
	f.Add([]byte(`{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:12,{"brokerName":"b","queueId":2,"topic":"T"}:7}}`))
	f.Add([]byte(`{"offsetTable":[[{"brokerName":"b","queueId":1,"topic":"T"},12]]}`))
	f.Add([]byte(`{"offsetTable":{}}`))
	f.Add([]byte(`{"x":"offsetTable","offsetTable":{{"topic":"T\"}"}:1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		table, err := client.ParseQueueOffsetTable(body, "offsetTable")
		if err != nil && table != nil {
			t.Fatalf("error %v with a table of %d", err, len(table))
		}
	})
}
