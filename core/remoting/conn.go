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
	dispatch func(func())
	onClose  func(*Conn)

	opaque atomic.Int32
	wmu    sync.Mutex

	mu       sync.Mutex
	pending  map[int32]*call
	closed   bool
	closeErr error
	done     chan struct{}

	data atomic.Value
}

type result struct {
	resp *Command
	err  error
}

type call struct {
	ch    chan result           // sync calls
	cb    func(*Command, error) // async calls
	timer *time.Timer           // sync calls: reused with the pooled call; async: its timeout
}

// Sync calls come from a pool with their channel and timer, so a call costs no allocation
// of its own. It is an interface so tests can watch what happens to a call once returned.
var callPool interface {
	Get() any
	Put(any)
} = &sync.Pool{New: func() any { return &call{ch: make(chan result, 1)} }}

// release returns a sync call to the pool. Its timer is stopped first, never after: once
// in the pool the call, timer included, belongs to the next caller, and a late Stop would
// cancel that caller's timeout.
func (cl *call) release() {
	if cl.timer != nil && !cl.timer.Stop() {
		// Only a program that sets asynctimerchan=1 can find a value left here; without
		// this receive its next user would time out at once.
		select {
		case <-cl.timer.C:
		default:
		}
	}
	callPool.Put(cl)
}

type connConfig struct {
	maxFrame int
	serial   SerializeType
	onReq    func(*Conn, *Command)
	dispatch func(func())
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
		dispatch: cfg.dispatch,
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
		cmd := new(Command)
		if err := decodeFrameInto(frame, cmd); err != nil {
			c.closeWith(fmt.Errorf("remoting: bad frame from %s: %w", c.nc.RemoteAddr(), err))
			return
		}
		// Decoding copied the header into strings; only a body still points into the frame.
		// A small body is copied out (smaller than the pooled buffer it would pin), so the
		// buffer always goes back.
		if pooled != nil {
			if cmd.Body != nil {
				cmd.Body = append([]byte(nil), cmd.Body...)
			}
			framePool.Put(pooled)
		}
		if cmd.IsResponse() {
			c.complete(cmd)
		} else if c.onReq != nil {
			c.onReq(c, cmd)
		}
	}
}

func (c *Conn) complete(resp *Command) {
	c.mu.Lock()
	cl := c.pending[resp.Opaque]
	delete(c.pending, resp.Opaque)
	c.mu.Unlock()
	if cl == nil {
		return // late, or an answer to a oneway request from a peer that answers those
	}
	c.finish(cl, resp, nil)
}

func (c *Conn) finish(cl *call, resp *Command, err error) {
	if cl.cb == nil {
		cl.ch <- result{resp, err}
		return
	}
	if cl.timer != nil {
		cl.timer.Stop()
	}
	cb := cl.cb
	c.dispatch(func() { cb(resp, err) })
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

func (c *Conn) register(req *Command, cl *call) error {
	req.Opaque = c.opaque.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.closeErr
	}
	c.pending[req.Opaque] = cl
	return nil
}

// Invoke sends a request and waits for its response, for at most timeout (and no longer
// than ctx allows). A response with any code is returned as is; only transport failures
// are errors.
func (c *Conn) Invoke(ctx context.Context, req *Command, timeout time.Duration) (*Command, error) {
	req.SerializeType = c.serial
	cl := callPool.Get().(*call)
	if err := c.register(req, cl); err != nil {
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
	case r := <-cl.ch:
		cl.release()
		return r.resp, r.err
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
	req.SerializeType = c.serial
	cl := &call{cb: cb}
	if err := c.register(req, cl); err != nil {
		return err
	}
	opaque := req.Opaque
	cl.timer = time.AfterFunc(timeout, func() {
		if c.take(opaque, cl) {
			c.dispatch(func() { cb(nil, fmt.Errorf("%w after %v (code %d)", ErrTimeout, timeout, req.Code)) })
		}
	})
	if err := c.write(req, time.Now().Add(timeout)); err != nil {
		if c.take(opaque, cl) {
			cl.timer.Stop()
			return err
		}
		return nil // the close path already delivered the failure to cb
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
	buf := bytebufferpool.Get()
	defer bytebufferpool.Put(buf)
	var err error
	inline := len(cmd.Body) <= smallBody
	if inline {
		buf.B, err = AppendCommand(buf.B[:0], cmd)
	} else {
		buf.B, err = AppendHeader(buf.B[:0], cmd, len(cmd.Body))
	}
	if err != nil {
		return err
	}
	frameLen := len(buf.B) - 4
	if !inline {
		frameLen += len(cmd.Body)
	}
	if frameLen > c.maxFrame {
		return fmt.Errorf("%w: %d bytes > %d", ErrFrameTooLarge, frameLen, c.maxFrame)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.Closed() {
		return c.Err()
	}
	if deadline.IsZero() {
		deadline = time.Now().Add(defaultWriteTimeout)
	}
	_ = c.nc.SetWriteDeadline(deadline)
	if inline {
		_, err = c.nc.Write(buf.B)
	} else {
		bufs := net.Buffers{buf.B, cmd.Body}
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
