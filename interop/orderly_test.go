package interop

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"
)

// TestOrderlyConsumption sends per-key sequences to queues chosen by sharding key and
// consumes them with an orderly push consumer: every key's messages arrive in send order,
// all of them, once each, and always from the key's one queue.
func TestOrderlyConsumption(t *testing.T) {
	e := newEnv(t)
	topic := e.createTopic(4)
	p := e.newProducer(producer.WithQueueSelector(producer.NewHashQueueSelector()))
	group := e.name("cg")

	const nKeys, perKey = 12, 100
	var (
		mu       sync.Mutex
		seqs     = map[string][]int{}        // key → sequence numbers in consumption order
		keyQueue = map[string]map[int]bool{} // key → queues it was consumed from
		inFlight = map[int]int{}             // queue → concurrent callbacks (must stay ≤ 1)
		overlap  []string
	)
	col := newCollector()
	handler := func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		q := -1
		if len(msgs) > 0 && msgs[0].Queue != nil {
			q = msgs[0].Queue.QueueId
		}
		mu.Lock()
		inFlight[q]++
		if inFlight[q] > 1 {
			overlap = append(overlap, fmt.Sprintf("queue %d consumed by %d callbacks at once", q, inFlight[q]))
		}
		for _, m := range msgs {
			key := m.GetShardingKey()
			seq, err := strconv.Atoi(m.GetProperty("seq"))
			if err != nil {
				overlap = append(overlap, "message without seq: "+m.String())
				continue
			}
			seqs[key] = append(seqs[key], seq)
			if keyQueue[key] == nil {
				keyQueue[key] = map[int]bool{}
			}
			keyQueue[key][m.Queue.QueueId] = true
		}
		mu.Unlock()
		for _, m := range msgs {
			col.record("c", m)
		}
		mu.Lock()
		inFlight[q]--
		mu.Unlock()
		return consumer.ConsumeSuccess, nil
	}
	e.newPushConsumer(group, topic, consumer.MessageSelector{}, handler,
		consumer.WithConsumerOrder(true), consumer.WithConsumeMessageBatchMaxSize(4))

	// One sender per key, so each key's sends are sequential while keys interleave.
	var all []string
	var wg sync.WaitGroup
	errs := make(chan error, nKeys)
	for k := 0; k < nKeys; k++ {
		key := fmt.Sprintf("order-%d", k)
		for i := 0; i < perKey; i++ {
			all = append(all, fmt.Sprintf("%s-%d", key, i))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perKey; i++ {
				id := fmt.Sprintf("%s-%d", key, i)
				m := newMsg(topic, id)
				m.WithShardingKey(key)
				m.WithProperty("seq", strconv.Itoa(i))
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := p.SendSync(ctx, m)
				cancel()
				if err != nil {
					errs <- fmt.Errorf("send %s: %w", id, err)
					return
				}
			}
		}()
	}
	waitDone(t, &wg, 60*time.Second, func() string { return "orderly sends did not finish" })
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	col.waitAll(t, all, 60*time.Second)
	settle(t, col, 300*time.Millisecond)
	col.requireExactlyOnce(t, all)

	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, overlap, "orderly consumption ran callbacks of one queue concurrently")
	for k := 0; k < nKeys; k++ {
		key := fmt.Sprintf("order-%d", k)
		got := seqs[key]
		require.Len(t, got, perKey, "key %s", key)
		for i, s := range got {
			if s != i {
				t.Fatalf("key %s consumed out of order: position %d has seq %d; sequence %s", key, i, s, compact(got))
			}
		}
		require.Len(t, keyQueue[key], 1, "key %s consumed from several queues %v", key, keyQueue[key])
	}
}

func compact(s []int) string {
	var b strings.Builder
	for i, v := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(v))
		if b.Len() > 300 {
			b.WriteString("…")
			break
		}
	}
	return b.String()
}
