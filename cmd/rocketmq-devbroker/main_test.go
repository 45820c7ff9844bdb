package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Skip("no go tool to build the command with")
	}
	return p
}

// waitForFile polls, boundedly, until path exists with content.
func waitForFile(t *testing.T, path string, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		select {
		case <-deadline:
			t.Fatal("the ready file never appeared")
		case <-exited:
			t.Fatal("the command exited before it was ready")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestServeReadyQuerySIGTERM(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "rocketmq-devbroker")
	build := exec.Command(goTool(t), "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	ready := filepath.Join(dir, "ready")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "-namesrv-addr", "127.0.0.1:0", "-broker-addr", "127.0.0.1:0",
		"-broker-name", "broker-x", "-ready-file", ready)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})

	nsAddr := waitForFile(t, ready, exited)
	c := remoting.NewClient(remoting.ClientOptions{})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.InvokeSync(ctx, nsAddr, remoting.NewRequest(remoting.GetRouteInfoByTopic, map[string]string{"topic": "TBW102"}, nil), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	rd, err := route.ParseTopicRouteData(resp.Body)
	require.NoError(t, err)
	brokerAddr := rd.MasterAddr("broker-x")
	require.NotEmpty(t, brokerAddr)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	require.NoError(t, waitErr, "stderr: %s", stderr.String())
	assert.Equal(t, "rocketmq-devbroker: name server "+nsAddr+", broker "+brokerAddr+" (broker-x)\n", stdout.String())
}

func TestCommandLineErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"frobnicate"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `unknown command "frobnicate"`)
	assert.Equal(t, 2, run([]string{"serve", "-no-such-flag"}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"serve", "extra"}, &stdout, &stderr))
	assert.Equal(t, 0, run([]string{"-h"}, &stdout, &stderr))
	assert.Equal(t, 0, run([]string{"help"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "usage: rocketmq-devbroker")

	stderr.Reset()
	assert.Equal(t, 1, run([]string{"-namesrv-addr", "256.0.0.1:0"}, &stdout, &stderr), "a bad listen address fails")
	assert.Contains(t, stderr.String(), "name server")
}

func TestReadyFileIsReplacedWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ready")
	require.NoError(t, os.WriteFile(path, []byte("stale"), 0o644))
	require.NoError(t, writeReadyFile(path, "127.0.0.1:1234"))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1234\n", string(b))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")

	err = writeReadyFile(filepath.Join(t.TempDir(), "missing", "ready"), "x")
	assert.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
}

func TestParseDelayLevels(t *testing.T) {
	got, err := parseDelayLevels("1s 5s 2m 1h 1d 50ms")
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 5 * time.Second, 2 * time.Minute, time.Hour, 24 * time.Hour, 50 * time.Millisecond}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"1", "s", "-1s", "1x", "1.5s"} {
		if _, err := parseDelayLevels(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, err := parseDelayLevels(""); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestRegisterToList(t *testing.T) {
	got, err := registerToAddrs("127.0.0.1:9876;10.0.0.1:9876, h:1")
	assert.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:9876", "10.0.0.1:9876", "h:1"}, got)
	got, err = registerToAddrs("")
	assert.NoError(t, err)
	assert.Empty(t, got)
	_, err = registerToAddrs("host-without-port")
	assert.Error(t, err)
}
