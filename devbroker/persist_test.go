package devbroker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// startOn starts a broker on fresh ports with cfg, talking through the fixture's client
// (or a new fixture's when w is nil). The caller closes the broker.
func startOn(t *testing.T, w *txProducer, cfg Config) *txProducer {
	t.Helper()
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	b, err := Start(cfg)
	require.NoError(t, err)
	if w == nil {
		c := remoting.NewClient(remoting.ClientOptions{})
		t.Cleanup(func() { c.Close() })
		w = &txProducer{wireFixture: &wireFixture{t: t, c: c}, checks: make(chan *remoting.Command, 64)}
		c.RegisterProcessor(remoting.CheckTransactionState, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
			w.checks <- req
			return nil
		})
	}
	nw := *w.wireFixture
	nw.b = b
	return &txProducer{wireFixture: &nw, checks: w.checks}
}

type sentMsg struct {
	queue  int
	offset int64
	msgID  string
	body   string
}

// pullAll reads a whole queue from offset 0.
func pullAll(w *wireFixture, topic string, queue int) []*message.MessageExt {
	var out []*message.MessageExt
	for off := int64(0); off < w.b.store.maxOffset(topic, int32(queue)); {
		resp := w.pull(topic, queue, off, 32, "*")
		msgs := w.decode(resp)
		out = append(out, msgs...)
		off = w.extInt(resp, "nextBeginOffset")
	}
	return out
}

func TestPersistenceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, DelayLevels: []time.Duration{1500 * time.Millisecond},
		TransactionTimeout: time.Hour, FlushInterval: time.Hour}
	w := startOn(t, nil, cfg)
	require.NoError(t, w.b.CreateTopic("T", 3))

	var sent []sentMsg
	for i := range 30 {
		body := "m" + strconv.Itoa(i)
		resp := w.send("T", i%3, body, map[string]string{message.PropertyKeys: "k" + strconv.Itoa(i)})
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		off, _ := strconv.ParseInt(resp.Ext("queueOffset"), 10, 64)
		sent = append(sent, sentMsg{i % 3, off, resp.Ext("msgId"), body})
	}
	// A committed, a rolled-back and a pending transaction: only the last is checked later.
	respC, halfC := w.sendHalf("PG", "UC", nil)
	require.Equal(t, remoting.Success, w.end(endExt("PG", respC, halfC, message.SysFlagTransactionCommit, false)).Code)
	respR, halfR := w.sendHalf("PG", "UR", nil)
	require.Equal(t, remoting.Success, w.end(endExt("PG", respR, halfR, message.SysFlagTransactionRollback, false)).Code)
	_, halfP := w.sendHalf("PG", "UP", nil)
	commit := w.call(remoting.UpdateConsumerOffset, map[string]string{"consumerGroup": "G", "topic": "T", "queueId": "1", "commitOffset": "5"}, nil)
	require.Equal(t, remoting.Success, commit.Code)
	delayed := w.send("T", 0, "later", delayProps(1, nil))
	require.Equal(t, remoting.Success, delayed.Code)
	maxT1 := w.b.store.maxOffset("T", 1) // 10 sent + the commit
	require.NoError(t, w.b.Close())
	assert.Equal(t, int64(0), w.b.store.maxOffset("T", 0)-10, "the delayed message was not delivered before the restart")

	cfg.TransactionTimeout, cfg.TransactionCheckInterval = 100*time.Millisecond, 200*time.Millisecond
	w2 := startOn(t, w, cfg)
	defer w2.b.Close()
	for q := range 3 {
		got := pullAll(w2.wireFixture, "T", q)
		var want []sentMsg
		for _, s := range sent {
			if s.queue == q {
				want = append(want, s)
			}
		}
		require.GreaterOrEqual(t, len(got), len(want), "queue %d", q)
		for i, s := range want {
			assert.Equal(t, s.body, string(got[i].Body))
			assert.Equal(t, s.offset, got[i].QueueOffset)
			assert.Equal(t, s.msgID, got[i].MsgID, "offset msg ids stay valid")
		}
	}
	assert.Equal(t, maxT1, w2.b.store.maxOffset("T", 1))
	q := w2.call(remoting.QueryConsumerOffset, map[string]string{"consumerGroup": "G", "topic": "T", "queueId": "1"}, nil)
	require.Equal(t, remoting.Success, q.Code)
	assert.Equal(t, "5", q.Ext("offset"))

	_, phy, _ := message.ParseOffsetMsgID(sent[7].msgID)
	m, err := w2.b.store.readAt(phy)
	require.NoError(t, err, "VIEW_MESSAGE_BY_ID still finds it")
	assert.Equal(t, "m7", string(m.Body))
	found := w2.b.store.queryKey("T", "k7", 10, 0, time.Now().UnixMilli()+1000)
	assert.Equal(t, 1, found.Count, "the key index is rebuilt")

	w2.waitFor("the delayed message is delivered after the restart", func() bool { return w2.b.store.maxOffset("T", 0) == 11 })
	got := pullAll(w2.wireFixture, "T", 0)
	assert.Equal(t, "later", string(got[10].Body))

	assert.Equal(t, 1, w2.b.tx.count(), "only the unresolved half message is pending")
	w2.heartbeat("PG")
	check := w2.nextCheck(10 * time.Second)
	assert.Equal(t, strconv.FormatInt(halfP.CommitLogOffset, 10), check.Ext("commitLogOffset"))
	assert.Equal(t, "UP", check.Ext("transactionId"))

	// New messages continue the numbering.
	next := w2.sendOK("T", 2, "after", nil)
	assert.Equal(t, int64(10), next)
	require.NoError(t, w2.b.Close())

	// A third start finds the delivery done and the pending half message still pending.
	w3 := startOn(t, w, cfg)
	defer w3.b.Close()
	time.Sleep(1600 * time.Millisecond)
	assert.Equal(t, int64(11), w3.b.store.maxOffset("T", 0), "a delivered delayed message is not delivered again")
	assert.Equal(t, 1, w3.b.tx.count())
	assert.Equal(t, int64(11), w3.b.store.maxOffset("T", 2))
}

func TestPersistenceRecoversFromATornWrite(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, FlushInterval: time.Hour}
	w := startOn(t, nil, cfg)
	require.NoError(t, w.b.CreateTopic("T", 1))
	var phys []int64
	for i := range 10 {
		resp := w.send("T", 0, "m"+strconv.Itoa(i), nil)
		require.Equal(t, remoting.Success, resp.Code)
		_, phy, _ := message.ParseOffsetMsgID(resp.Ext("msgId"))
		phys = append(phys, phy)
	}
	require.Equal(t, remoting.Success, w.call(remoting.UpdateConsumerOffset,
		map[string]string{"consumerGroup": "G", "topic": "T", "queueId": "0", "commitOffset": "4"}, nil).Code)
	// Killed: nothing saved since the start, and the last record only half written.
	w.b.persist.crashed = true
	require.NoError(t, w.b.Close())
	files, err := filepath.Glob(filepath.Join(dir, "commitlog", "*"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	st, err := os.Stat(files[0])
	require.NoError(t, err)
	require.NoError(t, os.Truncate(files[0], st.Size()-7))

	w2 := startOn(t, w, cfg)
	got := pullAll(w2.wireFixture, "T", 0)
	require.Len(t, got, 9, "every whole record is back, the torn one is not")
	for i, m := range got {
		assert.Equal(t, "m"+strconv.Itoa(i), string(m.Body))
		assert.Equal(t, phys[i], m.CommitLogOffset)
	}
	assert.Equal(t, int64(-1), w2.b.offsets.get("G", "T", 0), "offsets committed after the last save are lost")
	assert.Equal(t, int64(9), w2.sendOK("T", 0, "again", nil))
	m := pullAll(w2.wireFixture, "T", 0)[9]
	assert.Equal(t, phys[9], m.CommitLogOffset, "the torn bytes were dropped and overwritten")
	require.NoError(t, w2.b.Close())

	// Zeros after the last record (a file extended but never written) are ignored too.
	f, err := os.OpenFile(files[0], os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(make([]byte, 300))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	w3 := startOn(t, w, cfg)
	defer w3.b.Close()
	assert.Len(t, pullAll(w3.wireFixture, "T", 0), 10)
	assert.Equal(t, int64(-1), w3.b.offsets.get("G", "T", 0))
}

func TestPersistenceEvictsWholeSegmentFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, MaxMessageSize: 1024, MaxStoreBytes: 200 << 10}
	w := startOn(t, nil, cfg)
	require.NoError(t, w.b.CreateTopic("T", 1))
	body := string(make([]byte, 1000))
	for range 400 {
		w.sendOK("T", 0, body, nil)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "commitlog", "*"))
	assert.LessOrEqual(t, len(files), w.b.store.maxSegs)
	minOff := w.b.store.minOffset("T", 0)
	require.Greater(t, minOff, int64(0), "old segments were evicted")
	require.NoError(t, w.b.Close())

	var meta storeMeta
	data, err := os.ReadFile(filepath.Join(dir, "store.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &meta))

	w2 := startOn(t, w, cfg)
	defer w2.b.Close()
	assert.Equal(t, meta.SegmentSize, w2.b.store.segSize)
	assert.Equal(t, minOff, w2.b.store.minOffset("T", 0))
	assert.Equal(t, int64(400), w2.b.store.maxOffset("T", 0))
	msgs := w2.decode(w2.pull("T", 0, minOff, 32, "*"))
	assert.Equal(t, minOff, msgs[0].QueueOffset)
}
