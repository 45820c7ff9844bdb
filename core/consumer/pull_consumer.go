package consumer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// PullStatus is the outcome of a Pull. The values are CPullStatus's.
type PullStatus int

const (
	Found         PullStatus = 0 // messages at the offset (possibly none left after tag filtering)
	NoNewMsg      PullStatus = 1 // the offset is the queue's end
	NoMatchedMsg  PullStatus = 2 // messages there, none with a subscribed tag
	OffsetIllegal PullStatus = 3 // the offset is outside the queue; NextBeginOffset says where to go
	BrokerTimeout PullStatus = 4 // the pull failed: the error says why
)

func (s PullStatus) String() string {
	switch s {
	case Found:
		return "FOUND"
	case NoNewMsg:
		return "NO_NEW_MSG"
	case NoMatchedMsg:
		return "NO_MATCHED_MSG"
	case OffsetIllegal:
		return "OFFSET_ILLEGAL"
	}
	return "BROKER_TIMEOUT"
}

// PullResult is what a Pull found. The offsets are the broker's, except on BrokerTimeout.
type PullResult struct {
	Status          PullStatus
	NextBeginOffset int64
	MinOffset       int64
	MaxOffset       int64
	Messages        []*message.MessageExt
}

// PullConsumer reads queues at offsets its user chooses and keeps no progress of its own:
// the C API's CPullConsumer.
type PullConsumer struct {
	cfg PullConfig
	log *slog.Logger

	mu     sync.Mutex
	state  lifecycle
	client *client.Client
}

// NewPull returns a pull consumer; Start it before pulling.
func NewPull(cfg PullConfig) (*PullConsumer, error) {
	if cfg.Group == "" {
		return nil, ErrBadGroup
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Client.Logger == nil {
		cfg.Client.Logger = cfg.Logger
	}
	return &PullConsumer{cfg: cfg, log: cfg.Logger.With("group", cfg.Group)}, nil
}

// Group is the consumer group.
func (c *PullConsumer) Group() string { return c.cfg.Group }

// Start connects. It does nothing on a running consumer; a consumer that was shut down does
// not start again.
func (c *PullConsumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case running:
		return nil
	case shutDown:
		return ErrShutdown
	}
	cl := client.New(c.cfg.Client)
	if err := cl.RegisterConsumer(c.cfg.Group, pullMember{c.cfg.Group}); err != nil {
		cl.Shutdown()
		return err
	}
	if err := cl.Start(); err != nil {
		cl.Shutdown()
		return err
	}
	c.client, c.state = cl, running
	return nil
}

// Shutdown leaves the group and closes the connections. It is idempotent.
func (c *PullConsumer) Shutdown() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == running {
		c.client.Shutdown()
	}
	c.state = shutDown
	return nil
}

func (c *PullConsumer) started() (*client.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case created:
		return nil, ErrNotStarted
	case shutDown:
		return nil, ErrShutdown
	}
	return c.client, nil
}

// FetchSubscribeMessageQueues lists the topic's readable queues, from a fresh route.
func (c *PullConsumer) FetchSubscribeMessageQueues(ctx context.Context, topic string) ([]route.MessageQueue, error) {
	cl, err := c.started()
	if err != nil {
		return nil, err
	}
	if topic == "" {
		return nil, ErrBadTopic
	}
	r, err := cl.UpdateRoute(ctx, topic)
	if err != nil {
		return nil, err
	}
	mqs := r.SubscribeQueues(topic)
	if len(mqs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoQueues, topic)
	}
	return mqs, nil
}

// Pull reads up to maxNums messages of mq from offset on, keeping those whose tag the
// expression names ("*" for all). It does not wait for messages to arrive and gives up
// after 10 s. A failure returns a BrokerTimeout result with the error.
func (c *PullConsumer) Pull(ctx context.Context, mq route.MessageQueue, expression string, offset int64, maxNums int) (*PullResult, error) {
	failed := &PullResult{Status: BrokerTimeout}
	cl, err := c.started()
	if err != nil {
		return failed, err
	}
	switch {
	case mq.Topic == "":
		return failed, ErrBadTopic
	case offset < 0:
		return failed, fmt.Errorf("%w: offset %d", ErrBadArgument, offset)
	case maxNums <= 0:
		return failed, fmt.Errorf("%w: maxNums %d", ErrBadArgument, maxNums)
	}
	ctx, cancel := context.WithTimeout(ctx, pullConsumerTimeout)
	defer cancel()
	addr, err := masterAddr(ctx, cl, mq)
	if err != nil {
		return failed, err
	}
	sub := newSubscription(mq.Topic, expression)
	args := pullArgs{group: c.cfg.Group, mq: mq, sub: sub, offset: offset, maxNums: maxNums,
		sysFlag: pullFlagSubscription, suspend: pullSuspend}
	resp, err := cl.Remote().InvokeSyncResponse(ctx, addr, args.command(), pullConsumerTimeout)
	if err != nil {
		return failed, err
	}
	r := parsePullReply(resp, c.cfg.Group, sub)
	resp.Release()
	res := &PullResult{NextBeginOffset: r.nextOffset, MinOffset: r.minOff, MaxOffset: r.maxOff}
	switch r.code {
	case remoting.Success:
		if r.decodeErr != nil && r.decoded == 0 {
			return failed, r.decodeErr
		}
		res.Status, res.Messages = Found, r.msgs
	case remoting.PullNotFound:
		res.Status = NoNewMsg
	case remoting.PullRetryImmediately:
		res.Status = NoMatchedMsg
	case remoting.PullOffsetMoved:
		res.Status = OffsetIllegal
	default:
		return failed, r.refused
	}
	return res, nil
}

// pullMember is a pull consumer's part of heartbeats: a group that pulls for itself.
type pullMember struct{ group string }

func (m pullMember) ConsumerData() client.ConsumerData {
	return client.ConsumerData{GroupName: m.group, ConsumeType: "CONSUME_ACTIVELY", MessageModel: Clustering.String(),
		ConsumeFromWhere: FromLastOffset.String(), SubscriptionDataSet: []client.SubscriptionData{}}
}

func (pullMember) MembershipChanged() {}
