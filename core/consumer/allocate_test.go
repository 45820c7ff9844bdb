package consumer

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rocketmq-go/librocketmq/core/route"
)

func queues(n int) []route.MessageQueue {
	var out []route.MessageQueue
	for i := n - 1; i >= 0; i-- { // reversed: allocation must sort
		out = append(out, route.MessageQueue{Topic: "T", BrokerName: "b", QueueID: i})
	}
	return out
}

func ids(qs []route.MessageQueue) []int {
	out := []int{}
	for _, q := range qs {
		out = append(out, q.QueueID)
	}
	return out
}

func TestAllocateAveragelyMatchesUpstreamExamples(t *testing.T) {
	clients := []string{"c3", "c1", "c2"}
	assert.Equal(t, []int{0, 1, 2}, ids(AllocateAveragely("c1", queues(8), clients)))
	assert.Equal(t, []int{3, 4, 5}, ids(AllocateAveragely("c2", queues(8), clients)))
	assert.Equal(t, []int{6, 7}, ids(AllocateAveragely("c3", queues(8), clients)))

	assert.Equal(t, []int{0}, ids(AllocateAveragely("c1", queues(2), clients)))
	assert.Equal(t, []int{1}, ids(AllocateAveragely("c2", queues(2), clients)))
	assert.Equal(t, []int{}, ids(AllocateAveragely("c3", queues(2), clients)))

	assert.Nil(t, AllocateAveragely("stranger", queues(8), clients))
}

// Whatever the sizes, the members' shares are disjoint and cover every queue.
func TestAllocationsPartitionTheQueues(t *testing.T) {
	for _, alloc := range []func(string, []route.MessageQueue, []string) []route.MessageQueue{AllocateAveragely, AllocateByCircle} {
		for m := 0; m <= 17; m++ {
			for n := 1; n <= 6; n++ {
				var clients []string
				for i := 0; i < n; i++ {
					clients = append(clients, fmt.Sprintf("c%02d", i))
				}
				seen := map[int]int{}
				for _, c := range clients {
					for _, q := range alloc(c, queues(m), clients) {
						seen[q.QueueID]++
					}
				}
				assert.Len(t, seen, m, "m=%d n=%d", m, n)
				for q, k := range seen {
					assert.Equal(t, 1, k, "queue %d given %d times (m=%d n=%d)", q, k, m, n)
				}
			}
		}
	}
}

func TestAllocateByCircle(t *testing.T) {
	clients := []string{"a", "b", "c"}
	assert.Equal(t, []int{0, 3, 6}, ids(AllocateByCircle("a", queues(8), clients)))
	assert.Equal(t, []int{2, 5}, ids(AllocateByCircle("c", queues(8), clients)))
}
