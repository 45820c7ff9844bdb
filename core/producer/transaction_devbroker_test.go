package producer_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// txBroker is a dev broker that checks pending half messages after checkAfter.
func txBroker(t *testing.T, checkAfter time.Duration) *devbroker.Broker {
	t.Helper()
	b, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0",
		TransactionTimeout: checkAfter, TransactionCheckInterval: checkAfter})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	require.NoError(t, b.CreateTopic("TX", 2))
	return b
}

func executor(state producer.LocalTransactionState) func(*message.Message) producer.LocalTransactionState {
	return func(*message.Message) producer.LocalTransactionState { return state }
}

func TestTransactionCommitIsVisibleRollbackIsNot(t *testing.T) {
	b := txBroker(t, time.Minute)
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) { c.Group = "TXG" })
	ctx := context.Background()
	pl := newPuller(t)

	rolledBack, err := p.SendTransaction(ctx, newMessage("TX", "rolled back"), executor(producer.RollbackMessage))
	require.NoError(t, err)
	assert.Empty(t, pl.all(b.BrokerAddr(), "TX", 2), "a half message is not visible")

	committed, err := p.SendTransaction(ctx, newMessage("TX", "committed"), executor(producer.CommitMessage))
	require.NoError(t, err)
	var stored []*message.MessageExt
	// END_TRANSACTION is oneway; both went over one connection, so once the commit is
	// visible the rollback before it has been handled too.
	eventually(t, "the committed message", func() bool {
		stored = pl.all(b.BrokerAddr(), "TX", 2)
		return byID(stored, committed.MsgID) != nil
	})
	require.Len(t, stored, 1)
	m := byID(stored, committed.MsgID)
	assert.Equal(t, "committed", string(m.Body))
	assert.Equal(t, message.SysFlagTransactionCommit, message.TransactionValue(m.SysFlag))
	assert.Nil(t, byID(stored, rolledBack.MsgID))
}

func TestTransactionUnknownIsSettledByTheChecker(t *testing.T) {
	b := txBroker(t, 200*time.Millisecond)
	checked := make(chan string, 8)
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) {
		c.Group = "TXG"
		c.Checker = func(m *message.MessageExt) producer.LocalTransactionState {
			checked <- m.UniqKey()
			if string(m.Body) == "commit on check" {
				return producer.CommitMessage
			}
			return producer.RollbackMessage
		}
	})
	ctx := context.Background()
	toCommit, err := p.SendTransaction(ctx, newMessage("TX", "commit on check"), executor(producer.Unknown))
	require.NoError(t, err)
	toRollback, err := p.SendTransaction(ctx, newMessage("TX", "rollback on check"), executor(producer.Unknown))
	require.NoError(t, err)

	asked := map[string]bool{recv(t, checked): true, recv(t, checked): true}
	assert.Equal(t, map[string]bool{toCommit.MsgID: true, toRollback.MsgID: true}, asked, "the broker asked about both")
	pl := newPuller(t)
	var stored []*message.MessageExt
	eventually(t, "the message committed on check", func() bool {
		stored = pl.all(b.BrokerAddr(), "TX", 2)
		return byID(stored, toCommit.MsgID) != nil
	})
	assert.Equal(t, "commit on check", string(byID(stored, toCommit.MsgID).Body))
	assert.Nil(t, byID(stored, toRollback.MsgID))
}

func TestShutdownLetsARunningCheckAnswer(t *testing.T) {
	b := txBroker(t, 200*time.Millisecond)
	asked, release := make(chan struct{}), make(chan struct{})
	p := newProducer(t, b.NameServerAddr(), func(c *producer.Config) {
		c.Group = "TXG"
		c.Checker = func(*message.MessageExt) producer.LocalTransactionState {
			close(asked)
			<-release
			return producer.CommitMessage
		}
	})
	res, err := p.SendTransaction(context.Background(), newMessage("TX", "decided while shutting down"), executor(producer.Unknown))
	require.NoError(t, err)
	select {
	case <-asked:
	case <-time.After(wait):
		t.Fatal("the broker never asked")
	}
	done := make(chan error, 1)
	go func() { done <- p.Shutdown() }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while the checker still ran", err)
	case <-time.After(300 * time.Millisecond): // Shutdown is meant to be waiting here
	}
	close(release)
	require.NoError(t, <-done)
	pl := newPuller(t)
	eventually(t, "the message committed by the check", func() bool {
		return byID(pl.all(b.BrokerAddr(), "TX", 2), res.MsgID) != nil
	})
}
