package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/devbroker"
)

// adminFixture is an in-process dev broker with a topic, messages, a consumer group with
// committed offsets and one online member.
type adminFixture struct {
	t      *testing.T
	b      *devbroker.Broker
	c      *remoting.Client
	msgIDs []string // offset msgIds of the messages sent to queue 0 of "Orders"
}

func newAdminFixture(t *testing.T, cfg devbroker.Config) *adminFixture {
	t.Helper()
	cfg.NameServerAddr, cfg.BrokerAddr = "127.0.0.1:0", "127.0.0.1:0"
	b, err := devbroker.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	f := &adminFixture{t: t, b: b, c: remoting.NewClient(remoting.ClientOptions{})}
	t.Cleanup(func() { f.c.Close() })
	return f
}

func (f *adminFixture) call(code int32, ext map[string]string, body []byte) *remoting.Command {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := f.c.InvokeSync(ctx, f.b.BrokerAddr(), remoting.NewRequest(code, ext, body), 5*time.Second)
	require.NoError(f.t, err)
	require.Equal(f.t, remoting.Success, resp.Code, resp.Remark)
	return resp
}

func (f *adminFixture) send(topic string, queueID int, body string, props map[string]string) string {
	f.t.Helper()
	resp := f.call(remoting.SendMessageV2, map[string]string{
		"a": "PG", "b": topic, "c": message.DefaultTopic, "d": "4", "e": strconv.Itoa(queueID), "f": "0",
		"g": strconv.FormatInt(time.Now().UnixMilli(), 10), "h": "0", "i": message.PropertiesString(props),
		"j": "0", "k": "false", "l": "0", "m": "false",
	}, []byte(body))
	return resp.Ext("msgId")
}

func (f *adminFixture) commit(group, topic string, queueID int, offset int64) {
	f.call(remoting.UpdateConsumerOffset, map[string]string{"consumerGroup": group, "topic": topic,
		"queueId": strconv.Itoa(queueID), "commitOffset": strconv.FormatInt(offset, 10)}, nil)
}

func (f *adminFixture) heartbeat(clientID, group, topic, expr string) {
	body, err := json.Marshal(map[string]any{
		"clientID": clientID,
		"consumerDataSet": []any{map[string]any{
			"groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
			"consumeFromWhere":    "CONSUME_FROM_FIRST_OFFSET",
			"subscriptionDataSet": []any{map[string]any{"topic": topic, "subString": expr, "subVersion": 1}},
		}},
	})
	require.NoError(f.t, err)
	f.call(remoting.HeartBeat, nil, body)
}

// populate: Orders has 2 queues with 5 and 2 messages, group billing consumed 3 and 0 of
// them; Audit has 1 message, nobody consumed it.
func (f *adminFixture) populate() {
	require.NoError(f.t, f.b.CreateTopic("Orders", 2))
	require.NoError(f.t, f.b.CreateTopic("Audit", 1))
	for i := 0; i < 5; i++ {
		f.msgIDs = append(f.msgIDs, f.send("Orders", 0, fmt.Sprintf("order %d", i),
			map[string]string{message.PropertyTags: "created", message.PropertyKeys: fmt.Sprintf("o-%d", i)}))
	}
	f.send("Orders", 1, "x", nil)
	f.send("Orders", 1, "y", nil)
	f.send("Audit", 0, "z", nil)
	f.commit("billing", "Orders", 0, 3)
	f.heartbeat("10.1.2.3@billing-1", "billing", "Orders", "created || paid")
}

func (f *adminFixture) admin(args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"admin", args[0], "-namesrv", f.b.NameServerAddr()}, args[1:]...), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// fields splits a table line on runs of spaces.
func fields(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

// tableRow finds the line whose first columns are prefix.
func tableRow(t *testing.T, out string, prefix ...string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := fields(line)
		if len(f) >= len(prefix) && slicesEqual(f[:len(prefix)], prefix) {
			return f
		}
	}
	t.Fatalf("no row %q in:\n%s", prefix, out)
	return nil
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAdminTopics(t *testing.T) {
	f := newAdminFixture(t, devbroker.Config{})
	f.populate()
	out, errOut, code := f.admin("topics")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Equal(t, []string{"TOPIC", "BROKERS", "QUEUES", "MESSAGES", "LAST STORED"}, fields(lines[0]))
	orders := tableRow(t, out, "Orders")
	assert.Equal(t, []string{"Orders", "1", "2", "7"}, orders[:4])
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$`, orders[4])
	assert.Equal(t, []string{"Audit", "1", "1", "1"}, tableRow(t, out, "Audit")[:4])
	assert.Equal(t, []string{"%RETRY%billing", "1", "1", "0", "-"}, tableRow(t, out, "%RETRY%billing"))
	assert.NotContains(t, out, "TBW102", "system topics are hidden")
	assert.NotContains(t, out, "DefaultCluster")

	out, _, code = f.admin("topics", "-all")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "TBW102")
	assert.Contains(t, out, "broker-a")
}

func TestAdminProgress(t *testing.T) {
	f := newAdminFixture(t, devbroker.Config{})
	f.populate()
	out, errOut, code := f.admin("progress", "-group", "billing")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, []string{"TOPIC", "BROKER", "QUEUE", "BROKER OFFSET", "CONSUMER OFFSET", "LAG", "LAST CONSUMED"},
		fields(strings.SplitN(out, "\n", 2)[0]))
	q0 := tableRow(t, out, "Orders", "broker-a", "0")
	assert.Equal(t, []string{"5", "3", "2"}, q0[3:6])
	assert.Regexp(t, `^\d{4}-`, q0[6])
	assert.Equal(t, []string{"Orders", "broker-a", "1", "2", "0", "2", "-"}, tableRow(t, out, "Orders", "broker-a", "1"))
	assert.Contains(t, out, "total lag: 4\n")
	assert.Contains(t, out, "consume TPS: ")
	assert.NotContains(t, out, "Audit")

	out, errOut, code = f.admin("progress", "-group", "billing", "-topic", "Orders")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "total lag: 4\n")

	_, errOut, code = f.admin("progress", "-group", "nobody")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no consume progress for group nobody")

	_, errOut, code = f.admin("progress")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "-group is required")
}

func TestAdminConsumers(t *testing.T) {
	f := newAdminFixture(t, devbroker.Config{})
	f.populate()
	out, errOut, code := f.admin("consumers", "-group", "billing")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, []string{"consume type:", "CONSUME_PASSIVELY"}, tableRow(t, out, "consume type:"))
	assert.Equal(t, []string{"message model:", "CLUSTERING"}, tableRow(t, out, "message model:"))
	assert.Equal(t, []string{"consume from:", "CONSUME_FROM_FIRST_OFFSET"}, tableRow(t, out, "consume from:"))
	client := tableRow(t, out, "10.1.2.3@billing-1")
	require.Len(t, client, 4)
	assert.Regexp(t, `^127\.0\.0\.1:\d+$`, client[1])
	assert.Equal(t, []string{"GO", strconv.Itoa(int(remoting.Version))}, client[2:])
	assert.Equal(t, []string{"Orders", "created || paid", "TAG"}, tableRow(t, out, "Orders"))

	_, errOut, code = f.admin("consumers", "-group", "nobody")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "consumer group nobody is not online")
}

func TestAdminMessage(t *testing.T) {
	f := newAdminFixture(t, devbroker.Config{})
	f.populate()
	out, errOut, code := f.admin("message", "-id", f.msgIDs[2])
	if code != 0 && strings.Contains(errOut, "code 3:") {
		t.Skip("this broker does not serve VIEW_MESSAGE_BY_ID yet")
	}
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, []string{"OffsetMsgId:", f.msgIDs[2]}, tableRow(t, out, "OffsetMsgId:"))
	assert.Equal(t, []string{"Topic:", "Orders"}, tableRow(t, out, "Topic:"))
	assert.Equal(t, []string{"Tags:", "created"}, tableRow(t, out, "Tags:"))
	assert.Equal(t, []string{"Keys:", "o-2"}, tableRow(t, out, "Keys:"))
	assert.Equal(t, []string{"Queue:", "0, offset 2"}, tableRow(t, out, "Queue:"))
	assert.Equal(t, []string{"KEYS", "o-2"}, tableRow(t, out, "KEYS"))
	assert.Contains(t, out, "Body (7 bytes):\norder 2\n")

	out, _, code = f.admin("message", "-id", f.msgIDs[2], "-body-max", "3")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "Body (7 bytes):\nord… (4 more bytes)\n")
}

// The message command against a stand-in broker: the id names the server to ask, and the
// record it answers is printed whatever the dev broker implements.
func TestAdminMessageFromTheStoreHost(t *testing.T) {
	srv := remoting.NewServer(remoting.ServerOptions{})
	addr, err := srv.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	host := netip.MustParseAddrPort(addr.String())
	m := &message.MessageExt{
		Message:         message.Message{Topic: "Payments", Body: []byte{0, 1, 2, 'a'}, Properties: map[string]string{message.PropertyTags: "t", "custom": "v"}},
		QueueID:         3,
		QueueOffset:     9,
		CommitLogOffset: 4096,
		BornHost:        netip.MustParseAddrPort("10.0.0.7:5555"),
		StoreHost:       host,
		BornTimestamp:   1700000000000,
		StoreTimestamp:  1700000000001,
		ReconsumeTimes:  2,
	}
	var asked string
	srv.RegisterProcessor(remoting.ViewMessageByID, func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		asked = req.Ext("offset")
		resp := remoting.NewResponse(remoting.Success, "")
		resp.Body = message.AppendStored(nil, m)
		return resp
	})
	var stdout, stderr bytes.Buffer
	code := run([]string{"admin", "message", "-namesrv", "127.0.0.1:1", "-id", message.OffsetMsgID(host, 4096)}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	out := stdout.String()
	assert.Equal(t, "4096", asked)
	assert.Equal(t, []string{"Topic:", "Payments"}, tableRow(t, out, "Topic:"))
	assert.Equal(t, []string{"Queue:", "3, offset 9"}, tableRow(t, out, "Queue:"))
	assert.Equal(t, []string{"Reconsume times:", "2"}, tableRow(t, out, "Reconsume times:"))
	assert.Equal(t, []string{"custom", "v"}, tableRow(t, out, "custom"))
	assert.Contains(t, tableRow(t, out, "Born:")[1], "from 10.0.0.7:5555")
	assert.Contains(t, out, "Body (4 bytes):\n\"\\x00\\x01\\x02a\"\n", "binary bodies are quoted")

	stderr.Reset()
	assert.Equal(t, 1, run([]string{"admin", "message", "-id", "not-an-id"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "is not an offset msgId")
}

func TestAdminWithACLAndTLS(t *testing.T) {
	f := newAdminFixture(t, devbroker.Config{
		TLS: &devbroker.TLSConfig{Mode: devbroker.TLSEnforcing},
		ACL: &devbroker.ACLConfig{Accounts: []devbroker.ACLAccount{{AccessKey: "admin-key", SecretKey: "admin-secret", Admin: true}}},
	})
	require.NoError(t, f.b.CreateTopic("Orders", 2))

	out, errOut, code := f.admin("topics", "-tls", "-access-key", "admin-key", "-secret-key", "admin-secret")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, []string{"Orders", "1", "2", "0", "-"}, tableRow(t, out, "Orders"))

	_, errOut, code = f.admin("topics", "-tls", "-timeout", "2s")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "No accessKey is configured")

	_, _, code = f.admin("topics", "-access-key", "admin-key", "-secret-key", "admin-secret", "-timeout", "1s")
	assert.Equal(t, 1, code, "plain connections are refused")

	_, errOut, code = f.admin("topics", "-access-key", "admin-key")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "go together")
}

func TestAdminUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"admin"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "usage: rocketmq-devbroker admin")
	assert.Equal(t, 0, run([]string{"admin", "help"}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"admin", "frobnicate"}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"admin", "topics", "extra"}, &stdout, &stderr))
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"admin", "topics", "-namesrv", "127.0.0.1:1", "-timeout", "1s"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "cluster info")
}

// The built command, run as a person would, against an in-process broker.
func TestAdminCommandExec(t *testing.T) {
	f := newAdminFixture(t, devbroker.Config{})
	f.populate()
	bin := filepath.Join(t.TempDir(), "rocketmq-devbroker")
	out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.Command(bin, "admin", "progress", "-namesrv", f.b.NameServerAddr(), "-group", "billing")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
	assert.Equal(t, []string{"Orders", "broker-a", "1", "2", "0", "2", "-"}, tableRow(t, stdout.String(), "Orders", "broker-a", "1"))
	assert.Contains(t, stdout.String(), "total lag: 4\n")

	cmd = exec.Command(bin, "admin", "consumers", "-namesrv", f.b.NameServerAddr(), "-group", "nobody")
	err = cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
}

func TestServeTLSFlags(t *testing.T) {
	cfg, err := tlsConfig("", "", "")
	require.NoError(t, err)
	assert.Nil(t, cfg, "no TLS unless asked for")
	cfg, err = tlsConfig("", "c.pem", "k.pem")
	require.NoError(t, err)
	assert.Equal(t, &devbroker.TLSConfig{Mode: devbroker.TLSPermissive, CertFile: "c.pem", KeyFile: "k.pem"}, cfg)
	cfg, err = tlsConfig("enforcing", "", "")
	require.NoError(t, err)
	assert.Equal(t, &devbroker.TLSConfig{Mode: devbroker.TLSEnforcing}, cfg)
	cfg, err = tlsConfig("disabled", "c.pem", "k.pem")
	require.NoError(t, err)
	assert.Nil(t, cfg)
	_, err = tlsConfig("", "c.pem", "")
	assert.Error(t, err)
	_, err = tlsConfig("sometimes", "", "")
	assert.Error(t, err)

	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"serve", "-tls-mode", "sometimes"}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"serve", "-acl-access-key", "only-the-key"}, &stdout, &stderr))
}
