package consumer

import (
	"sort"

	"github.com/rocketmq-go/librocketmq/core/route"
)

// AllocateAveragely is upstream's default rebalance strategy: queues sorted by (topic,
// broker, id) and client ids sorted by string are cut into contiguous runs, the first
// len(queues) % len(clients) clients taking one more. Every member computes the same answer
// from the same inputs, which is what lets a group split queues without coordinating.
// It returns nil when current is not among the clients.
func AllocateAveragely(current string, queues []route.MessageQueue, clients []string) []route.MessageQueue {
	mqs, cids, idx := sortedInputs(current, queues, clients)
	if idx < 0 || len(mqs) == 0 {
		return nil
	}
	m, n := len(mqs), len(cids)
	mod := m % n
	var avg int
	switch {
	case m <= n:
		avg = 1
	case mod > 0 && idx < mod:
		avg = m/n + 1
	default:
		avg = m / n
	}
	start := idx*avg + mod
	if mod > 0 && idx < mod {
		start = idx * avg
	}
	count := min(avg, m-start)
	var out []route.MessageQueue
	for k := 0; k < count; k++ {
		out = append(out, mqs[(start+k)%m])
	}
	return out
}

// AllocateByCircle gives queue j to client j % len(clients).
func AllocateByCircle(current string, queues []route.MessageQueue, clients []string) []route.MessageQueue {
	mqs, cids, idx := sortedInputs(current, queues, clients)
	if idx < 0 {
		return nil
	}
	var out []route.MessageQueue
	for j := idx; j < len(mqs); j += len(cids) {
		out = append(out, mqs[j])
	}
	return out
}

func sortedInputs(current string, queues []route.MessageQueue, clients []string) ([]route.MessageQueue, []string, int) {
	mqs := append([]route.MessageQueue(nil), queues...)
	sort.Slice(mqs, func(i, j int) bool { return mqs[i].Less(mqs[j]) })
	cids := append([]string(nil), clients...)
	sort.Strings(cids)
	for i, c := range cids {
		if c == current {
			return mqs, cids, i
		}
	}
	return mqs, cids, -1
}
