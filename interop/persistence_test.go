package interop

// The dev broker's data dir with Apache's client: a broker restart in the middle of
// consumption loses nothing that was acknowledged. The broker comes back on the same
// ports, so the client reconnects to the addresses it already knows. The new broker knows
// no clients until their next heartbeat (every 30 s in Apache's client), as a restarted Java
// broker, so consumption resumes only then: the test takes about half a minute.

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// freeAddr picks a loopback port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestBrokerRestartWithDataDirLosesNothing(t *testing.T) {
	if os.Getenv("ROCKETMQ_NAMESRV") != "" {
		t.Skip("restarts the in-process dev broker")
	}
	dir := t.TempDir()
	cfg := devbroker.Config{
		NameServerAddr: freeAddr(t),
		BrokerAddr:     freeAddr(t),
		DataDir:        dir,
		DelayLevels:    fastDelayLevels(),
	}
	b, err := devbroker.Start(cfg)
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			b.Close()
		}
	}()
	e := &env{t: t, nsAddr: b.NameServerAddr(), broker: b}
	e.base = fmt.Sprintf("it_%s_persist", runID)
	e.rc = remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { e.rc.Close() })

	topic := e.name("topic")
	require.NoError(t, b.CreateTopic(topic, 4))
	p := e.newProducer()
	before := ids("before", 0, 400)
	sendSync(t, p, topic, before, 4)

	col := newCollector()
	slow := col.handler("c")
	e.newPushConsumer(e.name("cg"), topic, consumer.MessageSelector{},
		func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			time.Sleep(time.Duration(len(msgs)) * 10 * time.Millisecond)
			return slow(ctx, msgs...)
		})
	waitFor(t, 30*time.Second, func() bool { return col.distinct() >= 100 }, func() string {
		return fmt.Sprintf("only %d consumed before the restart", col.distinct())
	})
	consumedBefore := col.distinct()
	require.NoError(t, b.Close())
	closed = true
	b, err = devbroker.Start(cfg)
	require.NoError(t, err, "restart on the same ports and data dir")
	closed = false
	e.broker = b
	t.Logf("restarted after %d of %d messages were consumed", consumedBefore, len(before))

	// Sends during the client's reconnection may fail; only acknowledged ones must arrive.
	after := ids("after", 0, 100)
	var acked []string
	for _, id := range after {
		for try := 0; try < 20; try++ {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err := p.SendSync(ctx, newMsg(topic, id))
			cancel()
			if err == nil {
				acked = append(acked, id)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	require.Len(t, acked, len(after), "the producer reconnects")
	t.Logf("%d more sent after the restart, %d consumed so far", len(acked), col.distinct())
	all := append(append([]string{}, before...), acked...)
	col.waitAll(t, all, 60*time.Second)
	settle(t, col, 300*time.Millisecond)
	dup, n := col.duplicates(5)
	t.Logf("%d messages consumed, %d delivered more than once around the restart (e.g. %v)", len(all), n, dup)
	require.Less(t, n, consumedBefore, "the consumer resumed near its committed offsets, not from the start")
}
