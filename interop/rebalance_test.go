package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// TestTwoConsumersShareQueues runs two push consumers of one group through membership
// changes: A alone, B joining mid-stream, A and B stable (they must split the queues),
// A leaving. Nothing may be lost at any point; duplicates fail the test only while
// membership is stable and are logged while it changes (at-least-once is the contract).
func TestTwoConsumersShareQueues(t *testing.T) {
	e := newEnv(t)
	const queues = 8
	topic := e.createTopic(queues)
	p := e.newProducer()
	group := e.name("cg")
	col := newCollector()
	brokerAddr := e.brokerAddrOf(topic)

	// Phase 1: A alone.
	a := e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("A"))
	waitConsumerIDs(t, e, brokerAddr, group, 1)
	batch1 := ids("b1", 0, 400)
	sendSync(t, p, topic, batch1, 4)
	col.waitAll(t, batch1, 30*time.Second)
	perLabel, _, dups := col.split(batch1)
	require.Empty(t, dups, "phase 1 (A alone, stable): duplicates")
	require.Equal(t, len(batch1), perLabel["A"], "phase 1: A should consume all of batch 1")

	// Phase 2: B starts while batch 2 is being sent.
	batch2 := ids("b2", 0, 600)
	half := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		if _, err := trySendSync(p, topic, batch2[:300], 2); err != nil {
			sent <- err
			return
		}
		close(half)
		_, err := trySendSync(p, topic, batch2[300:], 2)
		sent <- err
	}()
	select {
	case <-half:
	case err := <-sent:
		t.Fatalf("sending batch 2: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("timed out sending the first half of batch 2")
	}
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, col.handler("B"))
	select {
	case err := <-sent:
		require.NoError(t, err, "sending batch 2")
	case <-time.After(30 * time.Second):
		t.Fatal("timed out sending batch 2")
	}
	waitConsumerIDs(t, e, brokerAddr, group, 2)
	col.waitAll(t, batch2, 30*time.Second)
	_, _, dups = col.split(batch2)
	if len(dups) > 0 {
		t.Logf("phase 2 (B joining): %d duplicates (allowed while membership changes), first: %v", len(dups), head(dups, 5))
	}

	// Wait for A and B to settle on disjoint queue sets: probe rounds until one is clean.
	round := 0
	var lastProbe string
	waitFor(t, 45*time.Second, func() bool {
		round++
		probe := ids(fmt.Sprintf("probe%d", round), 0, 2*queues)
		sendSync(t, p, topic, probe, 1)
		col.waitAll(t, probe, 30*time.Second)
		settle(t, col, 200*time.Millisecond)
		perLabel, qs, dups := col.split(probe)
		lastProbe = fmt.Sprintf("round %d: per consumer %v, queues %v, duplicates %v", round, perLabel, qs, dups)
		return len(dups) == 0 && perLabel["A"] > 0 && perLabel["B"] > 0 && disjoint(qs["A"], qs["B"])
	}, func() string {
		return "A and B never settled on disjoint queue sets (was NOTIFY_CONSUMER_IDS_CHANGED sent to A when B joined?); last probe " + lastProbe
	})
	t.Logf("settled after %d probe rounds: %s", round, lastProbe)

	// Phase 3: stable A+B; they split the queues, nothing is duplicated.
	batch3 := ids("b3", 0, 800)
	sendSync(t, p, topic, batch3, 4)
	col.waitAll(t, batch3, 30*time.Second)
	settle(t, col, 300*time.Millisecond)
	perLabel, qs, dups := col.split(batch3)
	t.Logf("phase 3 (A+B stable): per consumer %v, queues A=%v B=%v", perLabel, keys(qs["A"]), keys(qs["B"]))
	require.Empty(t, dups, "phase 3 (A+B, stable): duplicates")
	require.Greater(t, perLabel["A"], 0, "phase 3: A got none of batch 3")
	require.Greater(t, perLabel["B"], 0, "phase 3: B got none of batch 3")
	require.Less(t, perLabel["A"], len(batch3), "phase 3: A got all of batch 3")
	require.Less(t, perLabel["B"], len(batch3), "phase 3: B got all of batch 3")
	require.True(t, disjoint(qs["A"], qs["B"]), "phase 3: A and B consumed the same queues: A=%v B=%v", keys(qs["A"]), keys(qs["B"]))
	require.Equal(t, queues, len(qs["A"])+len(qs["B"]), "phase 3: the two consumers together should cover all %d queues", queues)

	// Phase 4: A leaves (Apache's client only closes its connections: the broker must
	// notice and tell B, which then takes over every queue).
	require.NoError(t, a.Shutdown())
	waitConsumerIDs(t, e, brokerAddr, group, 1)
	batch4 := ids("b4", 0, 400)
	sendSync(t, p, topic, batch4, 4)
	col.waitAll(t, batch4, 45*time.Second)
	perLabel, _, dups = col.split(batch4)
	if len(dups) > 0 {
		t.Logf("phase 4 (A left): %d duplicates (allowed while membership changes), first: %v", len(dups), head(dups, 5))
	}
	t.Logf("phase 4 (A left): per consumer %v", perLabel)
}

func disjoint(a, b map[int]bool) bool {
	for q := range a {
		if b[q] {
			return false
		}
	}
	return true
}

func keys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func head(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// consumerIDs asks the broker for a group's members (GET_CONSUMER_LIST_BY_GROUP).
func consumerIDs(e *env, brokerAddr, group string) ([]string, error) {
	req := remoting.NewRequest(remoting.GetConsumerListByGroup, map[string]string{"consumerGroup": group}, nil)
	resp, err := e.rc.InvokeSync(context.Background(), brokerAddr, req, 3*time.Second)
	if err != nil {
		return nil, err
	}
	if resp.Code != remoting.Success {
		return nil, fmt.Errorf("GET_CONSUMER_LIST_BY_GROUP: code %d remark %q", resp.Code, resp.Remark)
	}
	var body struct {
		ConsumerIDList []string `json:"consumerIdList"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return nil, fmt.Errorf("GET_CONSUMER_LIST_BY_GROUP: body %q: %w", resp.Body, err)
	}
	return body.ConsumerIDList, nil
}

// waitConsumerIDs waits until the broker lists n members of group.
func waitConsumerIDs(t testing.TB, e *env, brokerAddr, group string, n int) {
	t.Helper()
	var last []string
	var lastErr error
	waitFor(t, 15*time.Second, func() bool {
		last, lastErr = consumerIDs(e, brokerAddr, group)
		if lastErr != nil {
			t.Fatalf("waiting for %d members of %s: %v", n, group, lastErr)
		}
		return len(last) == n
	}, func() string {
		return fmt.Sprintf("broker never listed %d members of %s: last %v err %v", n, group, last, lastErr)
	})
}
