package devbroker

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func TestQueueOffsetRequests(t *testing.T) {
	w := newWireFixture(t, Config{})
	require.NoError(t, w.b.CreateTopic("T", 2))
	setStoreClock(w.b.store, 1000, 2000, 2000, 3000)
	for range 4 {
		w.sendOK("T", 1, "m", nil)
	}

	q := func(code int32, key string, extra ...string) int64 {
		t.Helper()
		ext := map[string]string{"topic": "T", "queueId": "1"}
		for i := 0; i+1 < len(extra); i += 2 {
			ext[extra[i]] = extra[i+1]
		}
		resp := w.call(code, ext, nil)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		return w.extInt(resp, key)
	}
	search := func(ts int64) int64 {
		return q(remoting.SearchOffsetByTimestamp, "offset", "timestamp", strconv.FormatInt(ts, 10))
	}

	assert.Equal(t, int64(4), q(remoting.GetMaxOffset, "offset"))
	assert.Equal(t, int64(0), q(remoting.GetMinOffset, "offset"))
	assert.Equal(t, int64(1000), q(remoting.GetEarliestMsgStoreTime, "timestamp"))

	assert.Equal(t, int64(0), search(500), "before every message: the first")
	assert.Equal(t, int64(0), search(1000))
	assert.Equal(t, int64(1), search(2000), "an exact time wins, the first of equals")
	assert.Equal(t, int64(2), search(2400), "the nearer neighbour")
	assert.Equal(t, int64(2), search(2500), "a tie goes to the earlier")
	assert.Equal(t, int64(3), search(2600))
	assert.Equal(t, int64(3), search(3000))
	assert.Equal(t, int64(3), search(9000), "after every message: the last")

	// An empty queue.
	empty := func(code int32, key string, extra ...string) int64 {
		ext := map[string]string{"topic": "T", "queueId": "0"}
		for i := 0; i+1 < len(extra); i += 2 {
			ext[extra[i]] = extra[i+1]
		}
		resp := w.call(code, ext, nil)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		return w.extInt(resp, key)
	}
	assert.Equal(t, int64(0), empty(remoting.GetMaxOffset, "offset"))
	assert.Equal(t, int64(0), empty(remoting.GetMinOffset, "offset"))
	assert.Equal(t, int64(-1), empty(remoting.GetEarliestMsgStoreTime, "timestamp"))
	assert.Equal(t, int64(0), empty(remoting.SearchOffsetByTimestamp, "offset", "timestamp", "1500"))

	resp := w.call(remoting.SearchOffsetByTimestamp, map[string]string{"topic": "T", "queueId": "1"}, nil)
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "the custom field <timestamp> is null", resp.Remark)
	resp = w.call(remoting.GetMaxOffset, map[string]string{"topic": "T"}, nil)
	assert.Equal(t, remoting.SystemError, resp.Code)
}
