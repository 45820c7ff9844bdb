package producer_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// Vectors printed by this program, built with g++ 12.2 (libstdc++, x86-64):
//
//	printf("0x%016zx\n", std::hash<std::string>{}(key));
//
// They cover an empty key, keys shorter than a word (tail only), exactly one word, a word
// plus a tail, multi-byte UTF-8, a NUL inside the key and bytes above 0x7f (libstdc++
// reads the tail through unsigned char).
var stdHashVectors = []struct {
	key  string
	hash uint64
}{
	{"", 0x553e93901e462a6e},
	{"a", 0x454ddee488c1ed6b},
	{"abc", 0x32d82bf8ed3dba39},
	{"1234567", 0x6d7a4e79e8a2cbf6},
	{"12345678", 0x8c5b90a33a04dca5},
	{"123456789", 0xaaeb28d3d5f165c0},
	{"order-1001", 0xfc240c921946750b},
	{"ShardingKey_0123456789", 0x6497477b3093540e},
	{"中文", 0x88c3d66952a4013e},
	{"a\x00b", 0xad5e8d18a1872c2f},
	{"\xff\xfe\x80", 0xca01bf8f2c418857},
}

func TestStdHashMatchesLibstdcxx(t *testing.T) {
	for _, v := range stdHashVectors {
		assert.Equal(t, v.hash, producer.StdHash(v.key), "%q", v.key)
	}
	// The queue C++ picks is hash % size: "order-1001" goes to queue 3 of 4, 0 of 7.
	assert.Equal(t, 3, producer.ShardingQueue("order-1001", 4))
	assert.Equal(t, 0, producer.ShardingQueue("order-1001", 7))
}

// TestStdHashAgainstGxx compares random keys with the real std::hash when a C++ compiler
// is at hand (CI installs one for the C tests).
func TestStdHashAgainstGxx(t *testing.T) {
	gxx, err := exec.LookPath("g++")
	if err != nil {
		t.Skip("no g++")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "h.cpp")
	require.NoError(t, os.WriteFile(src, []byte(`#include <functional>
#include <string>
#include <iostream>
int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::string key;
    for (size_t i = 0; i + 1 < line.size(); i += 2) key.push_back((char)std::stoi(line.substr(i, 2), nullptr, 16));
    std::cout << std::hash<std::string>{}(key) << "\n";
  }
}
`), 0o600))
	bin := filepath.Join(dir, "h")
	if out, err := exec.Command(gxx, "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("g++ failed: %v\n%s", err, out)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 500)
	var in strings.Builder
	for i := range keys {
		b := make([]byte, rng.IntN(40))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		keys[i] = string(b)
		fmt.Fprintf(&in, "%x\n", b)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	require.NoError(t, err)
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for i := 0; sc.Scan(); i++ {
		want, err := strconv.ParseUint(sc.Text(), 10, 64)
		require.NoError(t, err)
		require.Equal(t, want, producer.StdHash(keys[i]), "key %q", keys[i])
	}
}

func TestShardingKeyPicksTheCppQueue(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 8))
	p := newProducer(t, b.NameServerAddr(), nil)
	for _, key := range []string{"order-1001", "order-1002", "", "中文", "user:42"} {
		want := int(producer.StdHash(key) % 8)
		for range 3 {
			res, err := p.SendOrderlyByShardingKey(context.Background(), newMessage("T", "m"), key)
			require.NoError(t, err)
			assert.Equal(t, want, res.Queue.QueueID, "key %q", key)
		}
	}
	stored := newPuller(t).queue(b.BrokerAddr(), "T", int(producer.StdHash("user:42")%8))
	var found bool
	for _, m := range stored {
		found = found || m.Property("__SHARDINGKEY") == "user:42"
	}
	assert.True(t, found, "the sharding key travels as __SHARDINGKEY")
}

func TestSelectorSameKeySameQueueAndRangeChecked(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	var sends counter
	p := newProducer(t, b.NameServerAddr(), nil)
	ctx := context.Background()
	byKey := func(n int, m *message.Message) int { return int(producer.StdHash(m.Property("k")) % uint64(n)) }
	queues := map[string]map[int]bool{}
	for i := range 12 {
		key := fmt.Sprint("key-", i%3)
		m := newMessage("T", "m")
		m.SetProperty("k", key)
		res, err := p.SendOrderly(ctx, m, byKey, 2)
		require.NoError(t, err)
		if queues[key] == nil {
			queues[key] = map[int]bool{}
		}
		queues[key][res.Queue.QueueID] = true
	}
	for key, qs := range queues {
		assert.Len(t, qs, 1, "key %s used one queue", key)
	}

	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) { sends.see(req); return nil, false })
	for _, idx := range []int{-1, 4, 100} {
		_, err := p.SendOrderly(ctx, newMessage("T", "m"), func(int, *message.Message) int { return idx }, 2)
		assert.ErrorIs(t, err, producer.ErrQueueIndex, "index %d", idx)
		assert.ErrorIs(t, p.SendOnewayOrderly(ctx, newMessage("T", "m"), func(int, *message.Message) int { return idx }), producer.ErrQueueIndex)
		cbs := newCallbacks(t)
		err = p.SendOrderlyAsync(ctx, newMessage("T", "m"), func(int, *message.Message) int { return idx }, cbs.fn(0))
		require.NoError(t, err, "accepted; the failure goes to the callback")
		assert.ErrorIs(t, cbs.await(1)[0].err, producer.ErrQueueIndex)
	}
	assert.Zero(t, sends.count(), "nothing sent for a bad index")
}

func TestOrderlyRetryMovesToTheNextQueue(t *testing.T) {
	b := startBroker(t, "broker-a")
	require.NoError(t, b.CreateTopic("T", 4))
	var seen counter
	b.SetHook(remoting.SendMessageV2, func(req *remoting.Command) (*remoting.Command, bool) {
		seen.see(req)
		if req.Ext("e") == "2" {
			return remoting.NewResponse(remoting.SystemError, "queue 2 refuses"), true
		}
		return nil, false
	})
	p := newProducer(t, b.NameServerAddr(), nil)
	res, err := p.SendOrderly(context.Background(), newMessage("T", "m"), func(int, *message.Message) int { return 2 }, 1)
	require.NoError(t, err)
	assert.Equal(t, 3, res.Queue.QueueID)
	_, err = p.SendOrderly(context.Background(), newMessage("T", "m"), func(int, *message.Message) int { return 2 }, 0)
	assert.ErrorIs(t, err, producer.ErrSendFailed, "no retry with retryTimes 0")
}
