package remoting

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"
)

// ClientOptions configures a Client. Zero values mean the defaults named on each field.
type ClientOptions struct {
	// DialTimeout bounds connecting to an address (default 3s).
	DialTimeout time.Duration
	// MaxFrameSize is the largest frame sent or accepted (default DefaultMaxFrameSize).
	MaxFrameSize int
	// SerializeType is the header encoding of our requests (default JSON).
	SerializeType SerializeType
	// CallbackWorkers run async callbacks and broker-initiated requests (default 4).
	CallbackWorkers int
	// TLS, when set, makes every connection a TLS connection.
	TLS *tls.Config
	// BeforeRequest, when set, sees every request just before it is sent (ACL signing).
	BeforeRequest func(addr string, req *Command)
}

// Client holds one multiplexed connection per address, dialled on first use and again
// after it breaks. Requests the peer sends us are given to registered processors.
type Client struct {
	opts ClientOptions
	exec *executor

	mu     sync.Mutex
	conns  map[string]*connSlot
	closed bool

	pmu        sync.RWMutex
	processors map[int32]Processor
}

// connSlot serialises dialling per address without blocking other addresses.
type connSlot struct {
	mu   sync.Mutex
	conn *Conn
}

// NewClient returns a client; it dials nothing until the first call.
func NewClient(opts ClientOptions) *Client {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 3 * time.Second
	}
	if opts.MaxFrameSize <= 0 {
		opts.MaxFrameSize = DefaultMaxFrameSize
	}
	if opts.CallbackWorkers <= 0 {
		opts.CallbackWorkers = 4
	}
	return &Client{
		opts:       opts,
		exec:       newExecutor(opts.CallbackWorkers, 1024),
		conns:      make(map[string]*connSlot),
		processors: make(map[int32]Processor),
	}
}

// RegisterProcessor handles requests with this code that peers send us
// (CHECK_TRANSACTION_STATE, NOTIFY_CONSUMER_IDS_CHANGED, ...). Processors run on the
// client's callback goroutines; other codes are answered REQUEST_CODE_NOT_SUPPORTED.
func (c *Client) RegisterProcessor(code int32, p Processor) {
	c.pmu.Lock()
	c.processors[code] = p
	c.pmu.Unlock()
}

func (c *Client) onRequest(conn *Conn, req *Command) {
	c.pmu.RLock()
	p := c.processors[req.Code]
	c.pmu.RUnlock()
	c.exec.submit(func() { serveRequest(conn, req, p) })
}

// Conn returns the open connection to addr, dialling it if there is none.
func (c *Client) Conn(ctx context.Context, addr string) (*Conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	slot := c.conns[addr]
	if slot == nil {
		slot = &connSlot{}
		c.conns[addr] = slot
	}
	c.mu.Unlock()

	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.conn != nil && !slot.conn.Closed() {
		return slot.conn, nil
	}
	nc, err := c.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	conn := newConn(nc, connConfig{
		maxFrame: c.opts.MaxFrameSize,
		serial:   c.opts.SerializeType,
		onReq:    c.onRequest,
		exec:     c.exec,
	})
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		nc.Close()
		return nil, ErrClosed
	}
	slot.conn = conn
	go conn.readLoop()
	return conn, nil
}

func (c *Client) dial(ctx context.Context, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	var (
		nc  net.Conn
		err error
	)
	if c.opts.TLS != nil {
		d := tls.Dialer{Config: c.opts.TLS}
		nc, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("remoting: connect to %s: %w", addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return nc, nil
}

func (c *Client) prepare(addr string, req *Command) {
	if c.opts.BeforeRequest != nil {
		c.opts.BeforeRequest(addr, req)
	}
}

// InvokeSync sends req to addr and waits for the response.
func (c *Client) InvokeSync(ctx context.Context, addr string, req *Command, timeout time.Duration) (*Command, error) {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return nil, err
	}
	c.prepare(addr, req)
	return conn.Invoke(ctx, req, timeout)
}

// InvokeSyncResponse is InvokeSync returning the response undecoded, for a caller that
// reads only some of its fields; the caller must Release it.
func (c *Client) InvokeSyncResponse(ctx context.Context, addr string, req *Command, timeout time.Duration) (*Response, error) {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return nil, err
	}
	c.prepare(addr, req)
	return conn.InvokeResponse(ctx, req, timeout)
}

// InvokeAsyncHandler is InvokeAsync with the response handed to h undecoded (see
// Conn.InvokeAsyncHandler).
func (c *Client) InvokeAsyncHandler(ctx context.Context, addr string, req *Command, timeout time.Duration, h ResponseHandler) error {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return err
	}
	c.prepare(addr, req)
	return conn.InvokeAsyncHandler(req, timeout, h)
}

// InvokeAsync sends req to addr; cb gets the response or the error, exactly once, if and
// only if InvokeAsync returns nil.
func (c *Client) InvokeAsync(ctx context.Context, addr string, req *Command, timeout time.Duration, cb func(*Command, error)) error {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return err
	}
	c.prepare(addr, req)
	return conn.InvokeAsync(req, timeout, cb)
}

// InvokeOneway sends req to addr without waiting for an answer.
func (c *Client) InvokeOneway(ctx context.Context, addr string, req *Command, timeout time.Duration) error {
	conn, err := c.Conn(ctx, addr)
	if err != nil {
		return err
	}
	c.prepare(addr, req)
	return conn.InvokeOneway(req, timeout)
}

// CloseConn closes the connection to addr, if any; the next call dials again.
func (c *Client) CloseConn(addr string) {
	c.mu.Lock()
	slot := c.conns[addr]
	delete(c.conns, addr)
	c.mu.Unlock()
	if slot != nil {
		slot.mu.Lock()
		if slot.conn != nil {
			slot.conn.Close()
		}
		slot.mu.Unlock()
	}
}

// Close closes every connection, fails every waiting call with ErrClosed, and returns once
// the callbacks already queued have run.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	slots := c.conns
	c.conns = nil
	c.mu.Unlock()
	for _, slot := range slots {
		slot.mu.Lock()
		if slot.conn != nil {
			slot.conn.Close()
		}
		slot.mu.Unlock()
	}
	c.exec.close()
	return nil
}
