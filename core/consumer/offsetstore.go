package consumer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// OffsetStore keeps a group's consumption progress: for each queue, the next offset to
// consume. Clustering consumers keep it on the broker (RemoteOffsetStore), broadcasting
// consumers in a local file (LocalOffsetStore).
type OffsetStore interface {
	// Read returns the offset for a queue: from memory, or (fromStore, or not in memory)
	// from where it is stored. It returns -1 when none is stored.
	Read(ctx context.Context, mq route.MessageQueue, fromStore bool) (int64, error)
	// Update records an offset in memory; with increaseOnly a lower offset is ignored.
	Update(mq route.MessageQueue, offset int64, increaseOnly bool)
	// Persist writes the in-memory offsets of the given queues to the store.
	Persist(ctx context.Context, mqs []route.MessageQueue) error
	// Remove forgets a queue (rebalanced away) after its last persist.
	Remove(mq route.MessageQueue)
}

// offsetTable is the in-memory part both stores share.
type offsetTable struct {
	mu      sync.Mutex
	offsets map[route.MessageQueue]int64
}

func (t *offsetTable) get(mq route.MessageQueue) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.offsets[mq]
	return o, ok
}

func (t *offsetTable) Update(mq route.MessageQueue, offset int64, increaseOnly bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.offsets == nil {
		t.offsets = make(map[route.MessageQueue]int64)
	}
	if cur, ok := t.offsets[mq]; ok && increaseOnly && offset < cur {
		return
	}
	t.offsets[mq] = offset
}

func (t *offsetTable) Remove(mq route.MessageQueue) {
	t.mu.Lock()
	delete(t.offsets, mq)
	t.mu.Unlock()
}

func (t *offsetTable) snapshot(mqs []route.MessageQueue) map[route.MessageQueue]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[route.MessageQueue]int64, len(t.offsets))
	if mqs == nil {
		for mq, o := range t.offsets {
			out[mq] = o
		}
		return out
	}
	for _, mq := range mqs {
		if o, ok := t.offsets[mq]; ok {
			out[mq] = o
		}
	}
	return out
}

// RemoteOffsetStore keeps offsets on each queue's broker (QUERY_CONSUMER_OFFSET and
// UPDATE_CONSUMER_OFFSET). Updates are sent as requests that are answered, not oneway as
// the Java client does: a oneway update written just before a connection closes can be
// lost, and a lost commit means redelivery.
type RemoteOffsetStore struct {
	offsetTable
	group  string
	client *client.Client
}

// NewRemoteOffsetStore returns a store for a clustering consumer group.
func NewRemoteOffsetStore(c *client.Client, group string) *RemoteOffsetStore {
	return &RemoteOffsetStore{group: group, client: c}
}

// ErrBrokerNotFound is returned when no route knows a queue's broker.
var ErrBrokerNotFound = errors.New("consumer: broker not found in any route")

func (s *RemoteOffsetStore) brokerAddr(ctx context.Context, mq route.MessageQueue) (string, error) {
	if a := s.client.BrokerAddr(mq.BrokerName); a != "" {
		return a, nil
	}
	if _, err := s.client.UpdateRoute(ctx, mq.Topic); err != nil {
		return "", err
	}
	if a := s.client.BrokerAddr(mq.BrokerName); a != "" {
		return a, nil
	}
	return "", fmt.Errorf("%w: %s", ErrBrokerNotFound, mq.BrokerName)
}

func (s *RemoteOffsetStore) header(mq route.MessageQueue) map[string]string {
	return map[string]string{"consumerGroup": s.group, "topic": mq.Topic, "queueId": strconv.Itoa(mq.QueueID), "bname": mq.BrokerName}
}

// Read implements OffsetStore.
func (s *RemoteOffsetStore) Read(ctx context.Context, mq route.MessageQueue, fromStore bool) (int64, error) {
	if !fromStore {
		if o, ok := s.get(mq); ok {
			return o, nil
		}
	}
	addr, err := s.brokerAddr(ctx, mq)
	if err != nil {
		return -1, err
	}
	resp, err := s.client.Remote().InvokeSync(ctx, addr,
		remoting.NewRequest(remoting.QueryConsumerOffset, s.header(mq), nil), s.client.RequestTimeout())
	if err != nil {
		return -1, err
	}
	switch resp.Code {
	case remoting.Success:
		o, err := strconv.ParseInt(resp.Ext("offset"), 10, 64)
		if err != nil {
			return -1, fmt.Errorf("consumer: broker sent offset %q", resp.Ext("offset"))
		}
		s.Update(mq, o, false)
		return o, nil
	case remoting.QueryNotFound:
		return -1, nil
	}
	return -1, resp.AsError()
}

// Persist implements OffsetStore. Each broker's queues are committed on their own
// goroutine, so that a broker that does not answer, which holds its queues' commits until
// ctx or the request timeout ends, cannot keep the other brokers' queues uncommitted (and
// their messages due for a second delivery).
func (s *RemoteOffsetStore) Persist(ctx context.Context, mqs []route.MessageQueue) error {
	var (
		errs     []error
		byBroker = map[string][]route.MessageQueue{}
		offsets  = s.snapshot(mqs)
	)
	for mq := range offsets {
		addr, err := s.brokerAddr(ctx, mq)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		byBroker[addr] = append(byBroker[addr], mq)
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for addr, queues := range byBroker {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, mq := range queues {
				if err := s.commit(ctx, addr, mq, offsets[mq]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *RemoteOffsetStore) commit(ctx context.Context, addr string, mq route.MessageQueue, o int64) error {
	h := s.header(mq)
	h["commitOffset"] = strconv.FormatInt(o, 10)
	resp, err := s.client.Remote().InvokeSync(ctx, addr, remoting.NewRequest(remoting.UpdateConsumerOffset, h, nil), s.client.RequestTimeout())
	if err == nil && resp.Code != remoting.Success {
		err = resp.AsError()
	}
	if err != nil {
		return fmt.Errorf("consumer: commit %v offset %d: %w", mq, o, err)
	}
	return nil
}
