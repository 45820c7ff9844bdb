package interop

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"
)

// txListener decides each message's local transaction by the prefix of its interop id and
// answers every check with commit.
type txListener struct {
	mu      sync.Mutex
	checked map[string]int // id → CheckLocalTransaction calls
}

func (l *txListener) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	id := m.GetProperty(idProp)
	switch {
	case strings.HasPrefix(id, "commit"):
		return primitive.CommitMessageState
	case strings.HasPrefix(id, "rollback"):
		return primitive.RollbackMessageState
	}
	return primitive.UnknowState
}

func (l *txListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checked[m.GetProperty(idProp)]++
	return primitive.CommitMessageState
}

// TestTransactionProducerCommitRollbackAndCheck: Apache's transaction producer sends half
// messages and ends them. A committed one is consumed; a rolled-back one never is and
// never reaches the topic; one left unknown is checked by the broker
// (CHECK_TRANSACTION_STATE to the producer, whose CheckLocalTransaction answers commit)
// and then consumed. Only the unknown ones are checked.
func TestTransactionProducerCommitRollbackAndCheck(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(2)
	l := &txListener{checked: map[string]int{}}
	tp, err := rocketmq.NewTransactionProducer(l,
		producer.WithNameServer([]string{e.nsAddr}),
		producer.WithGroupName(e.name("tpg")),
		producer.WithInstanceName(e.instance("tp")),
		producer.WithRetry(2),
		producer.WithSendMsgTimeout(3*time.Second),
	)
	require.NoError(t, err)
	require.NoError(t, tp.Start())
	t.Cleanup(func() { _ = tp.Shutdown() })

	col := newCollector()
	e.newPushConsumer(e.name("cg"), topic, consumer.MessageSelector{}, col.handler("c"))

	rollback, commit, unknown := ids("rollback", 0, 3), ids("commit", 0, 3), ids("unknown", 0, 3)
	states := map[string]primitive.LocalTransactionState{}
	msgIDs := map[string]string{}
	for _, id := range append(append(append([]string{}, rollback...), commit...), unknown...) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := tp.SendMessageInTransaction(ctx, newMsg(topic, id))
		cancel()
		require.NoError(t, err, "send %s", id)
		require.Equal(t, primitive.SendOK, res.Status, "send %s", id)
		states[id], msgIDs[id] = res.State, res.MsgID
	}
	require.Equal(t, primitive.RollbackMessageState, states[rollback[0]])
	require.Equal(t, primitive.UnknowState, states[unknown[0]])

	committed := append(append([]string{}, commit...), unknown...)
	col.waitAll(t, commit, 20*time.Second)
	col.waitAll(t, unknown, 20*time.Second+e.transactionCheckWithin())
	col.requireExactlyOnce(t, committed)
	for _, id := range committed {
		require.Equal(t, msgIDs[id], col.uniq[id], "%s: consumed with the id the send answered", id)
		require.Equal(t, topic, col.first[id].Topic)
	}

	l.mu.Lock()
	for _, id := range unknown {
		require.GreaterOrEqual(t, l.checked[id], 1, "%s was never checked", id)
	}
	for _, id := range append(append([]string{}, commit...), rollback...) {
		require.Zero(t, l.checked[id], "%s was ended by the producer, yet checked", id)
	}
	l.mu.Unlock()

	// The topic holds exactly the committed messages: the rolled-back ones never got there.
	addr := e.brokerAddrOf(topic)
	total := int64(0)
	for q := 0; q < 2; q++ {
		n, err := e.maxOffset(addr, topic, q)
		require.NoError(t, err)
		total += n
	}
	require.Equal(t, int64(len(committed)), total, fmt.Sprintf("messages stored in %s", topic))
}
