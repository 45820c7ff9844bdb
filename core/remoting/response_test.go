package remoting

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResponseReadInPlace(t *testing.T) {
	ext := map[string]string{"k": "v", "escaped": "a\"b\\c\x01\x02\n", "empty": "", "ünïcode": "✓"}
	for _, st := range []SerializeType{JSON, RocketMQ} {
		t.Run(st.String(), func(t *testing.T) {
			_, addr, _ := echoServer(t)
			c := newTestClient(t, ClientOptions{SerializeType: st})
			resp, err := c.InvokeSyncResponse(context.Background(), addr, NewRequest(1, ext, []byte("body")), wait)
			require.NoError(t, err)
			assert.Equal(t, Success, resp.Code)
			assert.Equal(t, []byte("body"), resp.Body)
			got := map[string]string{}
			require.NoError(t, resp.EachExt(func(k, v []byte) { got[string(k)] = string(v) }))
			assert.Equal(t, ext, got)
			cmd, err := resp.Command()
			require.NoError(t, err)
			assert.Equal(t, ext, cmd.ExtFields)
			assert.Equal(t, "echo", cmd.Remark)
			assert.Equal(t, "echo", resp.AsError().Remark)
			resp.Release()
			assert.Equal(t, []byte("body"), cmd.Body, "a Command shares nothing with the frame")
		})
	}
}

// handlerFunc adapts a function to ResponseHandler.
type handlerFunc func(*Response, error)

func (f handlerFunc) HandleResponse(r *Response, err error) { f(r, err) }

// Async timeouts come from one sweep per connection: a call registered later with an
// earlier deadline must not wait for the earlier call's.
func TestAsyncTimeoutsAreSweptInDeadlineOrder(t *testing.T) {
	_, addr, _ := echoServer(t)
	c := NewClient(ClientOptions{})
	failed := make(chan error, 2)
	handler := handlerFunc(func(r *Response, err error) {
		assert.Nil(t, r)
		failed <- err
	})
	ctx := context.Background()
	require.NoError(t, c.InvokeAsyncHandler(ctx, addr, NewRequest(2, nil, nil), time.Hour, handler))
	require.NoError(t, c.InvokeAsyncHandler(ctx, addr, NewRequest(2, nil, nil), 20*time.Millisecond, handler))
	select {
	case err := <-failed:
		assert.ErrorIs(t, err, ErrTimeout)
	case <-time.After(wait):
		t.Fatal("the short call did not time out")
	}
	c.Close()
	select {
	case err := <-failed:
		assert.ErrorIs(t, err, ErrClosed, "the long call was still waiting")
	case <-time.After(wait):
		t.Fatal("the long call was not failed by Close")
	}
}

// The owner of an async request may reuse it as soon as its handler runs, even while
// InvokeAsyncHandler has not returned yet (-race checks that nothing reads it then).
func TestAsyncRequestMayBeReusedOnceHandled(t *testing.T) {
	_, addr, _ := echoServer(t)
	c := newTestClient(t, ClientOptions{})
	done := make(chan struct{}, 1)
	for i := range 200 {
		req := NewRequest(1, map[string]string{"k": "v"}, []byte("body"))
		timeout := wait
		if i%2 == 0 {
			timeout = time.Nanosecond // the sweep may fail it before the write is over
		}
		require.NoError(t, c.InvokeAsyncHandler(context.Background(), addr, req, timeout, handlerFunc(func(*Response, error) {
			req.ExtFields["k"] = "changed"
			req.Body[0] = 'B'
			req.Opaque = -1
			done <- struct{}{}
		})))
		select {
		case <-done:
		case <-time.After(wait):
			t.Fatal("handler not called")
		}
	}
}

// Frames are read into pooled buffers of the smallest class that holds them, up to the
// largest class; a larger frame gets a buffer of its own.
func TestFrameBufferClasses(t *testing.T) {
	largest := frameClasses[len(frameClasses)-1]
	for _, n := range []int{4, 100, 4 << 10, 4<<10 + 1, 9000, largest, largest + 1} {
		var wire []byte
		wire = binary.BigEndian.AppendUint32(wire, uint32(n))
		wire = append(wire, bytes.Repeat([]byte{7}, n)...)
		frame, pooled, err := readFramePooled(bufio.NewReader(bytes.NewReader(wire)), DefaultMaxFrameSize)
		require.NoError(t, err, n)
		assert.Len(t, frame, n)
		if n > largest {
			assert.Nil(t, pooled, "a %d-byte frame is not pooled", n)
			continue
		}
		require.NotNil(t, pooled, "a %d-byte frame is pooled", n)
		i := slices.IndexFunc(frameClasses[:], func(size int) bool { return size >= n })
		assert.Equal(t, frameClasses[i], cap(*pooled), "a %d-byte frame's buffer", n)
		putFrameBuf(pooled)
	}
}

// A Command made from a response copies a body read into a pooled buffer: the next
// response read into that buffer must not change it.
func TestPooledBodyOutlivesRelease(t *testing.T) {
	_, addr, _ := echoServer(t)
	c := newTestClient(t, ClientOptions{})
	first := bytes.Repeat([]byte("a"), 10<<10)
	resp, err := c.InvokeSyncResponse(context.Background(), addr, NewRequest(1, nil, first), wait)
	require.NoError(t, err)
	cmd, err := resp.Command()
	require.NoError(t, err)
	resp.Release()
	for range 4 {
		other, err := c.InvokeSync(context.Background(), addr, NewRequest(1, nil, bytes.Repeat([]byte("b"), 10<<10)), wait)
		require.NoError(t, err)
		assert.Len(t, other.Body, 10<<10)
	}
	assert.Equal(t, first, cmd.Body)
}
