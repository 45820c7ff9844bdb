package producer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// publishInfo is a topic's writable queues under one route, with the master address of
// each queue's broker and the round-robin position. It is rebuilt only when the client's
// cached route changes (the client replaces routes, never mutates them).
type publishInfo struct {
	route    *route.TopicRouteData
	fallback bool
	queues   []route.MessageQueue
	addrs    []string       // master address of queues[i].BrokerName
	next     *atomic.Uint32 // carried over when the route changes, so the rotation goes on
}

// publishInfo returns the topic's queues, from the TBW102 route while the name server does
// not know the topic yet (the broker creates it on the first send).
func (p *Producer) publishInfo(ctx context.Context, topic string) (*publishInfo, error) {
	rd, fallback, err := p.client.RouteOrDefault(ctx, topic, message.DefaultTopic)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrNoRoute, topic, err)
	}
	var old *publishInfo
	if v, ok := p.pubs.Load(topic); ok {
		old = v.(*publishInfo)
		if old.route == rd && old.fallback == fallback {
			return old, nil
		}
	}
	pi := &publishInfo{route: rd, fallback: fallback}
	if old != nil {
		pi.next = old.next
	} else {
		// A random start spreads producers that start together over the queues.
		pi.next = new(atomic.Uint32)
		pi.next.Store(rand.Uint32())
	}
	for _, q := range rd.PublishQueues(topic) {
		// A borrowed TBW102 route may list more queues than the broker will create for
		// the topic (defaultTopicQueueNums); Java trims it the same way.
		if fallback && q.QueueID >= defaultTopicQueueNums {
			continue
		}
		pi.queues = append(pi.queues, q)
		pi.addrs = append(pi.addrs, rd.MasterAddr(q.BrokerName))
	}
	if len(pi.queues) == 0 {
		return nil, fmt.Errorf("%w %s: the route has no writable queue", ErrNoRoute, topic)
	}
	p.pubs.Store(topic, pi)
	p.noteBrokers(pi.addrs)
	return pi, nil
}

// pickQueue chooses the queue of the next attempt: round-robin, skipping the broker the
// previous attempt failed on (lastBroker) and, with fault avoidance, brokers that are
// resting. When every other broker rests, the one that recovers first is used; Java picks
// among the better half of the resting brokers, which comes to the same when they are few.
func (p *Producer) pickQueue(pi *publishInfo, lastBroker string) int {
	n := uint32(len(pi.queues))
	if !p.cfg.DisableFaultAvoidance {
		for range n {
			i := pi.next.Add(1) % n
			b := pi.queues[i].BrokerName
			if b != lastBroker && p.faults.available(b) {
				return int(i)
			}
		}
		best, bestAt := "", int64(0)
		for _, q := range pi.queues {
			if q.BrokerName == lastBroker || q.BrokerName == best {
				continue
			}
			if at := p.faults.notBefore(q.BrokerName); best == "" || at < bestAt {
				best, bestAt = q.BrokerName, at
			}
		}
		if best != "" {
			start := pi.next.Add(1)
			for k := range n {
				i := (start + k) % n
				if pi.queues[i].BrokerName == best {
					return int(i)
				}
			}
		}
	}
	for range n {
		i := pi.next.Add(1) % n
		if pi.queues[i].BrokerName != lastBroker {
			return int(i)
		}
	}
	return int(pi.next.Add(1) % n)
}
