package consumer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/route"
)

func TestPullConsumer(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 2)
	base := leakBase()
	_, err := consumer.NewPull(consumer.PullConfig{})
	assert.ErrorIs(t, err, consumer.ErrBadGroup)
	p, err := consumer.NewPull(consumer.PullConfig{Group: "PG", Client: client.Config{NameServerAddrs: []string{e.b.NameServerAddr()}}})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = p.FetchSubscribeMessageQueues(ctx, "T")
	assert.ErrorIs(t, err, consumer.ErrNotStarted)
	require.NoError(t, p.Start())

	mqs, err := p.FetchSubscribeMessageQueues(ctx, "T")
	require.NoError(t, err)
	require.Len(t, mqs, 2)
	_, err = p.FetchSubscribeMessageQueues(ctx, "Missing")
	assert.Error(t, err)

	for i := 0; i < 40; i++ {
		tag := "TagA"
		if i%2 == 1 {
			tag = "TagB"
		}
		e.send("T", 1, tag, "m")
	}
	mq := route.MessageQueue{Topic: "T", BrokerName: e.b.BrokerName(), QueueID: 1}

	res, err := p.Pull(ctx, mq, "*", 0, 32)
	require.NoError(t, err)
	assert.Equal(t, consumer.Found, res.Status)
	assert.Len(t, res.Messages, 32)
	assert.Equal(t, int64(32), res.NextBeginOffset)
	assert.Equal(t, int64(0), res.MinOffset)
	assert.Equal(t, int64(40), res.MaxOffset)
	assert.Equal(t, int64(31), res.Messages[31].QueueOffset)
	assert.Equal(t, "40", res.Messages[0].Property(message.PropertyMaxOffset))

	res, err = p.Pull(ctx, mq, "TagB", 32, 32)
	require.NoError(t, err)
	assert.Equal(t, consumer.Found, res.Status)
	require.Len(t, res.Messages, 4, "the broker filters by tag")
	for _, m := range res.Messages {
		assert.Equal(t, "TagB", m.Tags())
	}
	assert.Equal(t, int64(40), res.NextBeginOffset)

	res, err = p.Pull(ctx, mq, "*", 40, 32)
	require.NoError(t, err)
	assert.Equal(t, consumer.NoNewMsg, res.Status)
	assert.Equal(t, int64(40), res.NextBeginOffset)

	res, err = p.Pull(ctx, mq, "TagC", 0, 32)
	require.NoError(t, err)
	assert.Equal(t, consumer.NoMatchedMsg, res.Status)
	assert.Equal(t, int64(40), res.NextBeginOffset)

	res, err = p.Pull(ctx, mq, "*", 1000, 32)
	require.NoError(t, err)
	assert.Equal(t, consumer.OffsetIllegal, res.Status)
	assert.Equal(t, int64(0), res.NextBeginOffset, "past the end of a queue that starts at 0: back to 0, as the 4.x broker says")

	res, err = p.Pull(ctx, mq, "*", -1, 32)
	assert.ErrorIs(t, err, consumer.ErrBadArgument)
	assert.Equal(t, consumer.BrokerTimeout, res.Status)
	_, err = p.Pull(ctx, mq, "*", 0, 0)
	assert.ErrorIs(t, err, consumer.ErrBadArgument)
	res, err = p.Pull(ctx, route.MessageQueue{Topic: "T", BrokerName: "nowhere", QueueID: 0}, "*", 0, 1)
	assert.Error(t, err)
	assert.Equal(t, consumer.BrokerTimeout, res.Status)

	require.NoError(t, p.Shutdown())
	require.NoError(t, p.Shutdown())
	_, err = p.Pull(ctx, mq, "*", 0, 1)
	assert.ErrorIs(t, err, consumer.ErrShutdown)
	assert.ErrorIs(t, p.Start(), consumer.ErrShutdown)
	checkNoLeak(t, base)
}

// A pull's answer is read into a pooled buffer that the next answer reuses: the messages
// decoded from it must own everything they hold.
func TestPulledMessagesOutliveTheirFrame(t *testing.T) {
	e := newEnv(t)
	e.topic("T", 1)
	body := func(i int) string { return fmt.Sprintf("%04d%s", i, strings.Repeat("x", 300)) }
	for i := range 64 {
		e.send("T", 0, fmt.Sprintf("Tag%d", i), body(i))
	}
	p, err := consumer.NewPull(consumer.PullConfig{Group: "PG", Client: client.Config{NameServerAddrs: []string{e.b.NameServerAddr()}}})
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	ctx := context.Background()
	mq := route.MessageQueue{Topic: "T", BrokerName: e.b.BrokerName(), QueueID: 0}
	first, err := p.Pull(ctx, mq, "*", 0, 32)
	require.NoError(t, err)
	require.Len(t, first.Messages, 32)
	// Pools are per P: enough pulls that some answer lands in the first one's buffer.
	for i := range 20 {
		offset := int64(32 * (1 - i%2))
		res, err := p.Pull(ctx, mq, "*", offset, 32)
		require.NoError(t, err)
		require.Len(t, res.Messages, 32)
	}
	for i, m := range first.Messages {
		assert.Equal(t, body(i), string(m.Body))
		assert.Equal(t, fmt.Sprintf("Tag%d", i), m.Tags())
		assert.Equal(t, "T", m.Topic)
		assert.Equal(t, "64", m.Property(message.PropertyMaxOffset))
	}
}
