package remoting

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
)

// ServerOptions configures a Server.
type ServerOptions struct {
	// MaxFrameSize is the largest frame accepted (default DefaultMaxFrameSize).
	MaxFrameSize int
	// TLS, when set, makes the listener accept TLS connections only, unless TLSPermissive.
	TLS *tls.Config
	// TLSPermissive, with TLS, serves TLS and plain connections on the same port, as the
	// Java server's permissive mode does: a connection whose first byte starts a TLS
	// handshake record (0x16) is served TLS, any other plain. No remoting frame can start
	// with 0x16, since its length would exceed any frame limit.
	TLSPermissive bool
	// OnDisconnect, when set, is called once for each connection that closes.
	OnDisconnect func(*Conn)
}

// Server accepts remoting connections and answers their requests with registered
// processors. Processors run on the connection's read goroutine, so requests on one
// connection are handled in order and must not block: a processor that needs to wait (long
// polling) returns nil and answers later with Conn.Reply.
type Server struct {
	opts ServerOptions
	exec *executor

	pmu        sync.RWMutex
	processors map[int32]Processor

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*Conn]struct{}
	sniffed map[net.Conn]struct{} // accepted, first byte not read yet (permissive TLS)
	closed  bool
	wg      sync.WaitGroup
}

// NewServer returns a server with no processors.
func NewServer(opts ServerOptions) *Server {
	if opts.MaxFrameSize <= 0 {
		opts.MaxFrameSize = DefaultMaxFrameSize
	}
	return &Server{
		opts:       opts,
		exec:       newExecutor(2, 256),
		processors: make(map[int32]Processor),
		conns:      make(map[*Conn]struct{}),
		sniffed:    make(map[net.Conn]struct{}),
	}
}

// RegisterProcessor handles requests with this code; other codes are answered
// REQUEST_CODE_NOT_SUPPORTED.
func (s *Server) RegisterProcessor(code int32, p Processor) {
	s.pmu.Lock()
	s.processors[code] = p
	s.pmu.Unlock()
}

func (s *Server) onRequest(conn *Conn, req *Command) {
	s.pmu.RLock()
	p := s.processors[req.Code]
	s.pmu.RUnlock()
	serveRequest(conn, req, p)
}

// Listen starts serving on addr (host:port; port 0 picks a free one) in the background.
func (s *Server) Listen(addr string) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if s.opts.TLS != nil && !s.opts.TLSPermissive {
		ln = tls.NewListener(ln, s.opts.TLS)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil, ErrClosed
	}
	s.ln = ln
	s.wg.Add(1)
	s.mu.Unlock()
	go s.acceptLoop(ln)
	return ln.Addr(), nil
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		if s.opts.TLS != nil && s.opts.TLSPermissive {
			// The first byte is read on a goroutine of the connection's own, so a client
			// that connects and says nothing holds up no one else.
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				nc.Close()
				return
			}
			s.sniffed[nc] = struct{}{}
			s.wg.Add(1)
			s.mu.Unlock()
			go s.sniff(nc)
			continue
		}
		conn := s.adopt(nc)
		if conn == nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			conn.readLoop()
		}()
	}
}

// adopt registers an accepted connection, or closes it and returns nil once the server has
// closed.
func (s *Server) adopt(nc net.Conn) *Conn {
	conn := newConn(nc, connConfig{
		maxFrame: s.opts.MaxFrameSize,
		serial:   JSON,
		onReq:    s.onRequest,
		exec:     s.exec,
		onClose:  s.forget,
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		nc.Close()
		return nil
	}
	s.conns[conn] = struct{}{}
	return conn
}

// tlsRecordHandshake is the content type byte that opens every TLS handshake.
const tlsRecordHandshake = 0x16

// sniff reads a connection's first byte to tell TLS from plain, then serves it.
func (s *Server) sniff(nc net.Conn) {
	defer s.wg.Done()
	var first [1]byte
	_, err := io.ReadFull(nc, first[:])
	s.mu.Lock()
	delete(s.sniffed, nc)
	s.mu.Unlock()
	if err != nil {
		nc.Close()
		return
	}
	var c net.Conn = &sniffedConn{Conn: nc, first: first[:]}
	if first[0] == tlsRecordHandshake {
		c = tls.Server(c, s.opts.TLS)
	}
	if conn := s.adopt(c); conn != nil {
		conn.readLoop()
	}
}

// sniffedConn gives back the byte sniff read before the rest of the stream.
type sniffedConn struct {
	net.Conn
	first []byte
}

func (c *sniffedConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (s *Server) forget(conn *Conn) {
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
	if s.opts.OnDisconnect != nil {
		s.opts.OnDisconnect(conn)
	}
}

// Conns returns the open connections.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Close stops accepting, closes every connection and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ln := s.ln
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	sniffed := make([]net.Conn, 0, len(s.sniffed))
	for nc := range s.sniffed {
		sniffed = append(sniffed, nc)
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, nc := range sniffed {
		nc.Close()
	}
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
	s.exec.close()
	return nil
}
