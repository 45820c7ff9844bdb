package faultproxy_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/internal/faultproxy"
)

// wait bounds every wait in these tests.
const wait = 10 * time.Second

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

type peer struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *peer {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wait)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &peer{c: c, r: bufio.NewReader(c)}
}

// roundTrip sends a line and reads the answer within d.
func (p *peer) roundTrip(line string, d time.Duration) (string, error) {
	if err := p.c.SetDeadline(time.Now().Add(d)); err != nil {
		return "", err
	}
	if _, err := p.c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := p.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return got[:len(got)-1], nil
}

func TestPassesTraffic(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := dial(t, p.Addr())
	for _, s := range []string{"a", "bc", "def"} {
		got, err := c.roundTrip(s, wait)
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	assert.Equal(t, int64(1), p.Accepted())
	assert.Equal(t, 1, p.Open())
}

func TestDelayHoldsEveryChunk(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := dial(t, p.Addr())
	_, err := c.roundTrip("warm", wait)
	require.NoError(t, err)
	p.Delay(100 * time.Millisecond)
	start := time.Now()
	got, err := c.roundTrip("slow", wait)
	require.NoError(t, err)
	assert.Equal(t, "slow", got)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "held once each way")
	p.Delay(0)
}

func TestDropResetsOpenAndNewConnections(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := dial(t, p.Addr())
	_, err := c.roundTrip("x", wait)
	require.NoError(t, err)
	p.Drop()
	_, err = c.roundTrip("y", wait)
	require.Error(t, err)
	assert.False(t, isTimeout(err), "a dropped connection fails at once, not by timeout: %v", err)

	refused(t, p.Addr())

	p.Heal()
	h := dial(t, p.Addr())
	got, err := h.roundTrip("back", wait)
	require.NoError(t, err)
	assert.Equal(t, "back", got)
}

func TestBlackholeSwallowsUntilHealed(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := dial(t, p.Addr())
	_, err := c.roundTrip("x", wait)
	require.NoError(t, err)
	p.Blackhole()
	_, err = c.roundTrip("lost", 300*time.Millisecond)
	require.Error(t, err)
	assert.True(t, isTimeout(err), "an open connection stalls: %v", err)
	n := dial(t, p.Addr())
	_, err = n.roundTrip("lost too", 300*time.Millisecond)
	assert.True(t, isTimeout(err), "a new connection is accepted and stalls: %v", err)

	p.Heal()
	_, err = c.roundTrip("after", wait)
	require.Error(t, err, "a blackholed connection is cut when healed")
	assert.False(t, isTimeout(err), "%v", err)
	h := dial(t, p.Addr())
	got, err := h.roundTrip("fresh", wait)
	require.NoError(t, err)
	assert.Equal(t, "fresh", got)
}

func TestResetAndCut(t *testing.T) {
	p := newProxy(t, echoServer(t))
	a := dial(t, p.Addr())
	_, err := a.roundTrip("a", wait)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Reset())
	_, err = a.roundTrip("a2", wait)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF), "%v", err)

	b := dial(t, p.Addr())
	_, err = b.roundTrip("b", wait)
	require.NoError(t, err, "a reset does not outlast the call")
	assert.Equal(t, 1, p.Cut())
	require.NoError(t, b.c.SetDeadline(time.Now().Add(wait)))
	_, err = b.r.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "a cut connection ends with FIN")
}

// Reset and Cut count the connections they close. A closed connection stays known to the
// proxy until its goroutines end, which they do in their own time: it must not be
// counted again meanwhile.
func TestClosedConnectionsAreNotCountedAgain(t *testing.T) {
	p := newProxy(t, echoServer(t))
	for range 20 {
		a := dial(t, p.Addr())
		_, err := a.roundTrip("a", wait)
		require.NoError(t, err)
		require.Equal(t, 1, p.Reset())
		require.Zero(t, p.Open())
		require.Zero(t, p.Reset())
		require.Zero(t, p.Cut())
	}
}

func TestDeadTargetLooksReset(t *testing.T) {
	p := newProxy(t, "127.0.0.1:1") // tcpmux: nothing listens there
	refused(t, p.Addr())

	p.SetTarget(echoServer(t))
	c := dial(t, p.Addr())
	got, err := c.roundTrip("x", wait)
	require.NoError(t, err)
	assert.Equal(t, "x", got)
}

func TestCloseEndsEverything(t *testing.T) {
	p, err := faultproxy.New(echoServer(t))
	require.NoError(t, err)
	c := dial(t, p.Addr())
	_, err = c.roundTrip("x", wait)
	require.NoError(t, err)
	p.Blackhole()
	b := dial(t, p.Addr())
	_, err = b.roundTrip("y", 100*time.Millisecond)
	require.True(t, isTimeout(err))
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("Close did not return")
	}
	assert.Zero(t, p.Open())
	_, err = net.DialTimeout("tcp", p.Addr(), time.Second)
	assert.Error(t, err, "no longer listening")
	assert.NoError(t, p.Close(), "idempotent")
}

// refused checks that a new connection fails at once: the reset may already fail the
// connect, or else the first round trip.
func refused(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err == nil {
		defer c.Close()
		p := &peer{c: c, r: bufio.NewReader(c)}
		_, err = p.roundTrip("x", wait)
	}
	require.Error(t, err)
	assert.False(t, isTimeout(err), "fails at once, not by timeout: %v", err)
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}
