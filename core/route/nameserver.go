package route

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// ErrTopicNotExist is returned when the name server has no route for a topic.
var ErrTopicNotExist = errors.New("route: topic does not exist")

// ParseAddrs splits a name server setting ("host:port;host:port", as NAMESRV_ADDR and
// SetProducerNameServerAddress take it) into addresses, rejecting malformed entries.
func ParseAddrs(s string) ([]string, error) {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(part); err != nil || port == "" {
			return nil, fmt.Errorf("route: bad name server address %q: want host:port", part)
		}
		out = append(out, part)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("route: no name server address in %q", s)
	}
	return out, nil
}

// NameServer queries routes from a list of name servers. It keeps using the one that last
// answered and moves to the next when a call fails, so one dead name server costs one
// timeout, not one per query.
type NameServer struct {
	client *remoting.Client

	mu      sync.Mutex
	addrs   []string
	current int
}

// NewNameServer uses client's connections to reach the given name servers.
func NewNameServer(client *remoting.Client, addrs []string) *NameServer {
	return &NameServer{client: client, addrs: append([]string(nil), addrs...)}
}

// SetAddrs replaces the name server list (after a domain lookup, say).
func (n *NameServer) SetAddrs(addrs []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.addrs = append([]string(nil), addrs...)
	n.current = 0
}

// Addrs returns the name server list.
func (n *NameServer) Addrs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.addrs...)
}

// Invoke sends a request to the current name server, failing over to the others in turn
// on transport errors. Each attempt gets the full timeout.
func (n *NameServer) Invoke(ctx context.Context, req func() *remoting.Command, timeout time.Duration) (*remoting.Command, error) {
	n.mu.Lock()
	addrs, start := n.addrs, n.current
	n.mu.Unlock()
	if len(addrs) == 0 {
		return nil, errors.New("route: no name server address set")
	}
	var errs []error
	for i := range addrs {
		idx := (start + i) % len(addrs)
		resp, err := n.client.InvokeSync(ctx, addrs[idx], req(), timeout)
		if err == nil {
			if i > 0 {
				n.mu.Lock()
				n.current = idx
				n.mu.Unlock()
			}
			return resp, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("route: no name server answered: %w", errors.Join(errs...))
}

// QueryRoute asks for a topic's route. It returns ErrTopicNotExist (wrapped) when the name
// server does not know the topic.
func (n *NameServer) QueryRoute(ctx context.Context, topic string, timeout time.Duration) (*TopicRouteData, error) {
	resp, err := n.Invoke(ctx, func() *remoting.Command {
		return remoting.NewRequest(remoting.GetRouteInfoByTopic,
			map[string]string{"topic": topic, "acceptStandardJsonOnly": "true"}, nil)
	}, timeout)
	if err != nil {
		return nil, err
	}
	switch resp.Code {
	case remoting.Success:
		if len(resp.Body) == 0 {
			return nil, fmt.Errorf("%w: %s (empty route)", ErrTopicNotExist, topic)
		}
		return ParseTopicRouteData(resp.Body)
	case remoting.TopicNotExist:
		return nil, fmt.Errorf("%w: %s", ErrTopicNotExist, topic)
	}
	return nil, resp.AsError()
}
