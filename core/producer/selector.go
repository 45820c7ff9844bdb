package producer

import (
	"context"
	"fmt"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// Selector picks the queue of an orderly send: given the topic's writable queue count, it
// returns an index in 0..queueCount-1. It runs on the caller's goroutine, once per send,
// before anything goes out. An index out of range fails the send with ErrQueueIndex
// (upstream indexes its queue list unchecked; taking it modulo would silently send
// messages of one key to a queue the caller did not choose).
type Selector func(queueCount int, msg *message.Message) int

// SendOrderly sends msg to the queue sel picks and waits for it to be stored. Up to
// retryTimes further attempts (negative means none) go to the following queues in turn,
// within SendTimeout, by SendSync's rules; like upstream, a retry on another queue trades
// the order of that message for its delivery.
func (p *Producer) SendOrderly(ctx context.Context, msg *message.Message, sel Selector, retryTimes int) (*SendResult, error) {
	if sel == nil {
		return nil, fmt.Errorf("%w: queue selector", ErrNilArgument)
	}
	return p.sendOrderly(ctx, msg, sel, retryTimes, sendMode{})
}

func (p *Producer) sendOrderly(ctx context.Context, msg *message.Message, sel Selector, retryTimes int, mode sendMode) (*SendResult, error) {
	if err := p.begin(); err != nil {
		return nil, err
	}
	defer p.end()
	o, err := p.prepare(msg, mode)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := p.sendSync(ctx, &o, 1+max(retryTimes, 0), &orderly{sel: sel, msg: msg})
	if p.tracer != nil {
		p.tracePub(start, []*message.Message{msg}, res, false)
	}
	return res, err
}

// SendOrderlyAsync is SendOrderly without waiting, with SendAsync's callback guarantees.
// Retries (RetryTimesAsync) go to the same queue, so the order holds.
func (p *Producer) SendOrderlyAsync(ctx context.Context, msg *message.Message, sel Selector, cb func(*SendResult, error)) error {
	if sel == nil {
		return fmt.Errorf("%w: queue selector", ErrNilArgument)
	}
	return p.sendAsync(ctx, msg, cb, &orderly{sel: sel, msg: msg, sameQueue: true})
}

// SendOnewayOrderly sends msg once to the queue sel picks, without waiting for an answer.
func (p *Producer) SendOnewayOrderly(ctx context.Context, msg *message.Message, sel Selector) error {
	if sel == nil {
		return fmt.Errorf("%w: queue selector", ErrNilArgument)
	}
	if err := p.begin(); err != nil {
		return err
	}
	defer p.end()
	o, err := p.prepare(msg, sendMode{})
	if err != nil {
		return err
	}
	pi, err := p.publishInfo(ctx, o.topic)
	if err != nil {
		return err
	}
	i, err := p.choose(pi, &orderly{sel: sel, msg: msg}, 0, "")
	if err != nil {
		return err
	}
	return p.sendOneway(ctx, &o, pi, i)
}

// SendOrderlyByShardingKey is the C API's SendMessageOrderlyByShardingKey: it sets the
// __SHARDINGKEY property on the sent message and picks queue hash(key) % queueCount with
// libstdc++'s std::hash, so messages of one key land on the queue a C++ producer of the
// same topic would pick. It retries DefaultShardingKeyRetries times, as upstream does.
func (p *Producer) SendOrderlyByShardingKey(ctx context.Context, msg *message.Message, key string) (*SendResult, error) {
	sel := func(n int, _ *message.Message) int { return ShardingQueue(key, n) }
	return p.sendOrderly(ctx, msg, sel, DefaultShardingKeyRetries, sendMode{shardingKey: key, hasShardingKey: true})
}

// ShardingQueue is the queue index SendOrderlyByShardingKey uses for key among n queues.
func ShardingQueue(key string, n int) int {
	if n <= 0 {
		return 0
	}
	return int(StdHash(key) % uint64(n))
}
