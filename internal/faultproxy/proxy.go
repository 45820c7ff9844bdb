// Package faultproxy is a TCP proxy for tests that puts network faults between a client and
// a server (a name server or a broker): it can delay traffic, drop connections as a host
// that is down would, blackhole them (accept and swallow everything, answer nothing), reset
// them (RST) or cut them (FIN). Faults apply to open connections and to new ones until
// Heal, so a test can break a link mid-stream and mend it.
package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// mode is what the proxy does with traffic.
type mode int

const (
	pass      mode = iota
	drop           // new connections are reset at once; open ones were reset on entry
	blackhole      // bytes are read and discarded in both directions; nothing is answered
)

// Proxy forwards connections accepted on Addr to a target address.
type Proxy struct {
	ln net.Listener

	mu     sync.Mutex
	target string
	mode   mode
	delay  time.Duration
	links  map[*link]struct{}
	closed bool

	accepted atomic.Int64
	wg       sync.WaitGroup
}

// link is one proxied connection: the client's side and, unless it was blackholed from the
// start, the server's.
type link struct {
	mu             sync.Mutex
	client, server net.Conn
	closed         bool
}

// close closes both sides; it reports false if the link was closed already.
func (l *link) close(rst bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.closed = true
	for _, c := range []net.Conn{l.client, l.server} {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok && rst {
			_ = tc.SetLinger(0) // Close then sends RST instead of FIN
		}
		_ = c.Close()
	}
	return true
}

func (l *link) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// attach adds the server's side, or closes it when the link was closed meanwhile.
func (l *link) attach(s net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = s.Close()
		return false
	}
	l.server = s
	return true
}

// New starts a proxy on a free port of 127.0.0.1 that forwards to target.
func New(target string) (*Proxy, error) {
	return Listen("127.0.0.1:0", target)
}

// Listen starts a proxy on addr that forwards to target.
func Listen(addr, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, links: make(map[*link]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the address clients dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Accepted is the number of connections accepted so far, faulty ones included.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Open is the number of connections open now. A closed link stays in links until its
// goroutines have ended, so it is not counted by being there.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for l := range p.links {
		if !l.isClosed() {
			n++
		}
	}
	return n
}

// SetTarget changes where new connections go (a restarted server on another port, say).
func (p *Proxy) SetTarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// Delay holds every chunk of bytes for d before passing it on, in both directions, on
// open and new connections; 0 removes the delay.
func (p *Proxy) Delay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Drop makes the target look down: open connections are reset and new ones are accepted
// and reset at once, until Heal.
func (p *Proxy) Drop() {
	p.mu.Lock()
	p.mode = drop
	p.mu.Unlock()
	p.Reset()
}

// Blackhole stalls every open and new connection until Heal: what either side sends is
// read and thrown away, so writes succeed and no answer ever comes, as with a peer that
// hangs or a network that loses every packet without telling.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	p.mode = blackhole
	p.mu.Unlock()
}

// Heal ends Drop and Blackhole (not Delay). Connections blackholed meanwhile stay useless
// (bytes were lost, so their framing is broken) and are cut, as a peer would eventually
// notice; new connections pass again.
func (p *Proxy) Heal() {
	p.mu.Lock()
	was := p.mode
	p.mode = pass
	p.mu.Unlock()
	if was == blackhole {
		p.Cut()
	}
}

// Reset closes every open connection with an RST and returns how many there were.
func (p *Proxy) Reset() int { return p.closeLinks(true) }

// Cut closes every open connection with a FIN and returns how many there were.
func (p *Proxy) Cut() int { return p.closeLinks(false) }

func (p *Proxy) closeLinks(rst bool) int {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	// A link closed earlier (by a Reset, say) whose goroutines have not yet removed it
	// is not one of the connections open now.
	n := 0
	for _, l := range links {
		if l.close(rst) {
			n++
		}
	}
	return n
}

// Close stops listening, closes every connection and waits for the proxy's goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.Cut()
	p.wg.Wait()
	return err
}

func (p *Proxy) state() (mode, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.delay
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.accepted.Add(1)
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	l := &link{client: c}
	p.mu.Lock()
	m, target, closed := p.mode, p.target, p.closed
	if !closed {
		p.links[l] = struct{}{}
	}
	p.mu.Unlock()
	defer func() {
		l.close(false)
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	switch {
	case closed:
		return
	case m == drop:
		l.close(true)
		return
	case m == blackhole:
		_, _ = io.Copy(io.Discard, c)
		return
	}
	s, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		// The client sees what it would see from a dead target: a reset.
		l.close(true)
		return
	}
	if !l.attach(s) {
		return
	}
	done := make(chan struct{})
	go func() {
		p.pump(l, s, c)
		close(done)
	}()
	p.pump(l, c, s)
	<-done
}

// pump copies from src to dst under the faults in force when each chunk arrives, and
// closes the link when either side ends.
func (p *Proxy) pump(l *link, src, dst net.Conn) {
	defer l.close(false)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			m, d := p.state()
			if d > 0 {
				time.Sleep(d) // the fault being injected, not synchronisation
				m, _ = p.state()
			}
			if m == pass {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
