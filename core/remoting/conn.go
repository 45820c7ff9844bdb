package remoting

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/bytebufferpool"
)

// defaultWriteTimeout bounds a write when the caller gave no deadline, so a peer that stops
// reading cannot block a writer forever.
const defaultWriteTimeout = 10 * time.Second

// smallBody is the size up to which a body is copied next to its header so the frame goes
// out in one write; larger bodies are written from the caller's buffer.
const smallBody = 16 << 10

// Processor answers a request that arrived on a connection. It returns the response, or nil
// when there is none to send now: for a oneway request, or because it will answer later
// with Conn.Reply (long polling). A panic in a processor becomes a SYSTEM_ERROR response.
type Processor func(conn *Conn, req *Command) *Command

// Conn is one multiplexed remoting connection. Either side may send requests on it;
// responses are matched to requests by opaque. It is safe for concurrent use.
type Conn struct {
	nc       net.Conn
	maxFrame int
	serial   SerializeType
	onReq    func(*Conn, *Command)
	exec     *executor
	onClose  func(*Conn)

	opaque atomic.Int32
	wmu    sync.Mutex

	mu       sync.Mutex
	pending  map[int32]*call
	closed   bool
	closeErr error
	done     chan struct{}
	// sweep fails async calls past their deadlines: one timer per connection rather than
	// one per call. It is due at sweepAt (zero: no async call pending).
	sweep   *time.Timer
	sweepAt time.Time

	data atomic.Value
}

// call is a request waiting for its response. Calls are pooled, sync and async alike, so
// a call costs no allocation of its own.
type call struct {
	ch    chan error      // sync: nil once resp is set, or the failure
	timer *time.Timer     // sync: the timeout, reused with the pooled call
	h     ResponseHandler // async
	resp  Response        // the answer, valid until the call is released
	err   error           // async: the failure handed to h

	// async: when the sweep fails the call, and what its error says
	deadline time.Time
	timeout  time.Duration
	code     int32
}

// callPool is an interface so tests can watch what happens to a call once returned.
var callPool interface {
	Get() any
	Put(any)
} = &sync.Pool{New: func() any { return &call{ch: make(chan error, 1)} }}

// release returns a call, with its response's frame, to the pools. A sync call's timer is
// stopped first, never after: once in the pool the call, timer included, belongs to the
// next caller, and a late Stop would cancel that caller's timeout.
func (cl *call) release() {
	if cl.timer != nil && !cl.timer.Stop() {
		// Only a program that sets asynctimerchan=1 can find a value left here; without
		// this receive its next user would time out at once.
		select {
		case <-cl.timer.C:
		default:
		}
	}
	cl.resp.free()
	cl.h, cl.err = nil, nil
	callPool.Put(cl)
}

type connConfig struct {
	maxFrame int
	serial   SerializeType
	onReq    func(*Conn, *Command)
	exec     *executor
	onClose  func(*Conn)
}

func newConn(nc net.Conn, cfg connConfig) *Conn {
	if cfg.maxFrame <= 0 {
		cfg.maxFrame = DefaultMaxFrameSize
	}
	c := &Conn{
		nc:       nc,
		maxFrame: cfg.maxFrame,
		serial:   cfg.serial,
		onReq:    cfg.onReq,
		exec:     cfg.exec,
		onClose:  cfg.onClose,
		pending:  make(map[int32]*call),
		done:     make(chan struct{}),
	}
	return c
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr is our end's address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// SetData attaches a value to the connection (the dev broker keeps the client's identity here).
func (c *Conn) SetData(v any) { c.data.Store(&v) }

// Data returns the value given to SetData, or nil.
func (c *Conn) Data() any {
	if p, ok := c.data.Load().(*any); ok {
		return *p
	}
	return nil
}

// Done is closed when the connection has closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is the reason the connection closed, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// Closed reports whether the connection has closed.
func (c *Conn) Closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// readLoop reads frames until the connection fails. Malformed input closes the connection
// with a descriptive error; it never panics.
func (c *Conn) readLoop() {
	r := bufio.NewReaderSize(c.nc, 32<<10)
	for {
		frame, pooled, err := readFramePooled(r, c.maxFrame)
		if err != nil {
			c.closeWith(err)
			return
		}
		resp := Response{pooled: pooled}
		if resp.Body, err = scanFrame(frame, &resp.h); err != nil {
			resp.free()
			c.closeWith(fmt.Errorf("remoting: bad frame from %s: %w", c.nc.RemoteAddr(), err))
			return
		}
		if resp.h.isResponse() {
			// Decoded by whoever waits for it: only the fields it needs, off this loop.
			resp.Code = resp.h.code
			c.complete(&resp)
			continue
		}
		cmd, err := resp.Command()
		resp.free()
		if err != nil {
			c.closeWith(fmt.Errorf("remoting: bad frame from %s: %w", c.nc.RemoteAddr(), err))
			return
		}
		if c.onReq != nil {
			c.onReq(c, cmd)
		}
	}
}

func (c *Conn) complete(resp *Response) {
	c.mu.Lock()
	cl := c.pending[resp.h.opaque]
	delete(c.pending, resp.h.opaque)
	c.mu.Unlock()
	if cl == nil {
		resp.free() // late, or an answer to a oneway request from a peer that answers those
		return
	}
	c.finish(cl, resp, nil)
}

// finish hands a call its response or failure; exactly one goroutine finishes each call,
// the one that took it out of pending.
func (c *Conn) finish(cl *call, resp *Response, err error) {
	if resp != nil {
		cl.resp = *resp
	}
	if cl.h == nil {
		cl.ch <- err
		return
	}
	cl.err = err
	c.exec.submitCall(cl)
}

// deliver runs an async call's handler, then releases the call.
func deliver(cl *call) {
	defer cl.release()
	if cl.err != nil {
		cl.h.HandleResponse(nil, cl.err)
		return
	}
	cl.h.HandleResponse(&cl.resp, nil)
}

// take removes a pending call if it is still there; whoever takes it finishes it.
func (c *Conn) take(opaque int32, cl *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[opaque] == cl {
		delete(c.pending, opaque)
		return true
	}
	return false
}

func (c *Conn) register(opaque int32, cl *call) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.closeErr
	}
	c.pending[opaque] = cl
	if cl.h != nil && (c.sweepAt.IsZero() || cl.deadline.Before(c.sweepAt)) {
		c.sweepAt = cl.deadline
		if c.sweep == nil {
			c.sweep = time.AfterFunc(time.Until(cl.deadline), c.sweepExpired)
		} else {
			c.sweep.Reset(time.Until(cl.deadline))
		}
	}
	return nil
}

// sweepExpired fails the async calls whose deadline has passed and sets the sweep for the
// next one.
func (c *Conn) sweepExpired() {
	var expired []*call
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	now := time.Now()
	var next time.Time
	for opaque, cl := range c.pending {
		switch {
		case cl.h == nil:
		case !cl.deadline.After(now):
			delete(c.pending, opaque)
			expired = append(expired, cl)
		case next.IsZero() || cl.deadline.Before(next):
			next = cl.deadline
		}
	}
	c.sweepAt = next
	if !next.IsZero() {
		c.sweep.Reset(time.Until(next))
	}
	c.mu.Unlock()
	for _, cl := range expired {
		c.finish(cl, nil, fmt.Errorf("%w after %v (code %d)", ErrTimeout, cl.timeout, cl.code))
	}
}

// Invoke sends a request and waits for its response, for at most timeout (and no longer
// than ctx allows). A response with any code is returned as is; only transport failures
// are errors.
func (c *Conn) Invoke(ctx context.Context, req *Command, timeout time.Duration) (*Command, error) {
	resp, err := c.InvokeResponse(ctx, req, timeout)
	if err != nil {
		return nil, err
	}
	cmd, err := resp.Command()
	resp.Release()
	return cmd, err
}

// InvokeResponse is Invoke returning the response undecoded, for a caller that reads only
// some of its fields; the caller must Release it.
func (c *Conn) InvokeResponse(ctx context.Context, req *Command, timeout time.Duration) (*Response, error) {
	req.SerializeType = c.serial
	req.Opaque = c.opaque.Add(1)
	cl := callPool.Get().(*call)
	if err := c.register(req.Opaque, cl); err != nil {
		cl.release()
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.write(req, deadline); err != nil {
		c.abandon(req.Opaque, cl)
		return nil, err
	}
	if cl.timer == nil {
		cl.timer = time.NewTimer(time.Until(deadline))
	} else {
		cl.timer.Reset(time.Until(deadline))
	}
	select {
	case err := <-cl.ch:
		if err != nil {
			cl.release()
			return nil, err
		}
		cl.timer.Stop()
		cl.resp.cl = cl
		return &cl.resp, nil
	case <-cl.timer.C:
		c.abandon(req.Opaque, cl)
		return nil, fmt.Errorf("%w after %v (code %d to %s)", ErrTimeout, timeout, req.Code, c.nc.RemoteAddr())
	case <-ctx.Done():
		c.abandon(req.Opaque, cl)
		return nil, ctx.Err()
	}
}

// abandon gives up on a sync call; if the response is being delivered right now, it waits
// for it so the pooled call's channel is empty when reused.
func (c *Conn) abandon(opaque int32, cl *call) {
	if !c.take(opaque, cl) {
		<-cl.ch
	}
	cl.release()
}

// InvokeAsync sends a request; cb receives the response or an error (ErrTimeout after
// timeout, ErrClosed if the connection closes first). cb runs exactly once, on a callback
// goroutine, if and only if InvokeAsync returns nil.
func (c *Conn) InvokeAsync(req *Command, timeout time.Duration, cb func(*Command, error)) error {
	return c.InvokeAsyncHandler(req, timeout, commandHandler(cb))
}

// InvokeAsyncHandler is InvokeAsync with the response handed to h undecoded. req is not
// used once InvokeAsyncHandler has returned or h has been called, whichever comes first,
// so it may be reused from then on.
func (c *Conn) InvokeAsyncHandler(req *Command, timeout time.Duration, h ResponseHandler) error {
	req.SerializeType = c.serial
	req.Opaque = c.opaque.Add(1)
	// Encoded before the call is registered: from then on h may run (a timeout, the
	// connection closing) and its owner reuse req.
	f, err := c.encode(req)
	if err != nil {
		return err
	}
	defer f.free()
	cl := callPool.Get().(*call)
	deadline := time.Now().Add(timeout)
	cl.h, cl.timeout, cl.code, cl.deadline = h, timeout, req.Code, deadline
	opaque := req.Opaque
	if err := c.register(opaque, cl); err != nil {
		cl.release()
		return err
	}
	// Once registered, cl may end and pass to its next user at any moment: only the
	// locals (and take, under the lock) are used from here on.
	if err := c.send(f, deadline); err != nil {
		if c.take(opaque, cl) {
			cl.release()
			return err
		}
		return nil // the close path already delivered the failure to h
	}
	return nil
}

// InvokeOneway sends a request that gets no response.
func (c *Conn) InvokeOneway(req *Command, timeout time.Duration) error {
	req.SerializeType = c.serial
	req.Opaque = c.opaque.Add(1)
	req.MarkOneway()
	return c.write(req, time.Now().Add(timeout))
}

// Reply sends resp as the answer to req. Oneway requests get no answer.
func (c *Conn) Reply(req, resp *Command) error {
	if req.IsOneway() {
		return nil
	}
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	resp.SerializeType = req.SerializeType
	return c.write(resp, time.Now().Add(defaultWriteTimeout))
}

func (c *Conn) write(cmd *Command, deadline time.Time) error {
	f, err := c.encode(cmd)
	if err != nil {
		return err
	}
	defer f.free()
	return c.send(f, deadline)
}

// outFrame is an encoded frame: a small body is copied next to its header so the frame
// goes out in one write; a larger one is written from the caller's buffer.
type outFrame struct {
	buf  *bytebufferpool.ByteBuffer
	body []byte
}

func (f outFrame) free() { bytebufferpool.Put(f.buf) }

func (c *Conn) encode(cmd *Command) (outFrame, error) {
	f := outFrame{buf: bytebufferpool.Get()}
	var err error
	if len(cmd.Body) <= smallBody {
		f.buf.B, err = AppendCommand(f.buf.B[:0], cmd)
	} else {
		f.buf.B, err = AppendHeader(f.buf.B[:0], cmd, len(cmd.Body))
		f.body = cmd.Body
	}
	if err == nil {
		if n := len(f.buf.B) - 4 + len(f.body); n > c.maxFrame {
			err = fmt.Errorf("%w: %d bytes > %d", ErrFrameTooLarge, n, c.maxFrame)
		}
	}
	if err != nil {
		f.free()
		return outFrame{}, err
	}
	return f, nil
}

func (c *Conn) send(f outFrame, deadline time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.Closed() {
		return c.Err()
	}
	if deadline.IsZero() {
		deadline = time.Now().Add(defaultWriteTimeout)
	}
	_ = c.nc.SetWriteDeadline(deadline)
	var err error
	if f.body == nil {
		_, err = c.nc.Write(f.buf.B)
	} else {
		bufs := net.Buffers{f.buf.B, f.body}
		_, err = bufs.WriteTo(c.nc)
	}
	if err != nil {
		// A partial frame leaves the stream unusable, so the connection goes.
		err = fmt.Errorf("remoting: write to %s: %w", c.nc.RemoteAddr(), err)
		c.closeWith(err)
	}
	return err
}

// Close closes the connection; every waiting call fails with ErrClosed.
func (c *Conn) Close() error {
	c.closeWith(ErrClosed)
	return nil
}

func (c *Conn) closeWith(reason error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	if !errors.Is(reason, ErrClosed) {
		reason = fmt.Errorf("%w: %w", ErrClosed, reason)
	}
	c.closeErr = reason
	pending := c.pending
	c.pending = nil
	if c.sweep != nil {
		c.sweep.Stop()
	}
	c.mu.Unlock()

	_ = c.nc.Close()
	close(c.done)
	for _, cl := range pending {
		c.finish(cl, nil, reason)
	}
	if c.onClose != nil {
		c.onClose(c)
	}
}

// serveRequest runs a processor and sends its answer, turning panics into SYSTEM_ERROR.
func serveRequest(conn *Conn, req *Command, p Processor) {
	var resp *Command
	func() {
		defer func() {
			if r := recover(); r != nil {
				resp = NewResponse(SystemError, fmt.Sprintf("processing request code %d: %v", req.Code, r))
			}
		}()
		if p == nil {
			resp = NewResponse(RequestCodeNotSupported, fmt.Sprintf(" request type %d not supported", req.Code))
			return
		}
		resp = p(conn, req)
	}()
	if resp != nil {
		_ = conn.Reply(req, resp)
	}
}
