package client

import (
	"context"
	"errors"
	"reflect"
	"sort"

	"github.com/rocketmq-go/librocketmq/core/route"
)

type cachedRoute struct {
	data *route.TopicRouteData
	// fallback marks a route borrowed from the auto-create topic (TBW102) for a topic the
	// name server does not know yet; refreshes keep trying for the real one.
	fallback     bool
	defaultTopic string
}

// Route returns the topic's route, from the cache or else from the name server. The
// returned value is shared and must not be modified; it is replaced, never changed, when a
// refresh finds a different route, so callers may compare pointers to detect changes.
func (c *Client) Route(ctx context.Context, topic string) (*route.TopicRouteData, error) {
	c.mu.RLock()
	cr := c.routes[topic]
	c.mu.RUnlock()
	if cr != nil && !cr.fallback {
		return cr.data, nil
	}
	return c.UpdateRoute(ctx, topic)
}

// RouteOrDefault is Route for producers: when the name server does not know the topic, it
// returns defaultTopic's route (normally TBW102), under which brokers create the topic on
// its first message. The second result reports whether that fallback was used.
func (c *Client) RouteOrDefault(ctx context.Context, topic, defaultTopic string) (*route.TopicRouteData, bool, error) {
	c.mu.RLock()
	cr := c.routes[topic]
	c.mu.RUnlock()
	if cr != nil {
		return cr.data, cr.fallback, nil
	}
	data, err := c.UpdateRoute(ctx, topic)
	if err == nil {
		return data, false, nil
	}
	if !errors.Is(err, route.ErrTopicNotExist) || defaultTopic == "" {
		return nil, false, err
	}
	def, err := c.ns.QueryRoute(ctx, defaultTopic, c.cfg.RequestTimeout)
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	if cur := c.routes[topic]; cur != nil { // someone found the real route meanwhile
		c.mu.Unlock()
		return cur.data, cur.fallback, nil
	}
	c.routes[topic] = &cachedRoute{data: def, fallback: true, defaultTopic: defaultTopic}
	c.mu.Unlock()
	return def, true, nil
}

// UpdateRoute asks the name server for the topic's route now and caches it.
// With RouteSnapshotDir, a new or changed route is saved, and when no name server answers
// for a topic that has no cached route yet, its saved route is cached and returned instead.
func (c *Client) UpdateRoute(ctx context.Context, topic string) (*route.TopicRouteData, error) {
	data, err := c.ns.QueryRoute(ctx, topic, c.cfg.RequestTimeout)
	fromSnapshot := false
	if err != nil {
		c.mu.RLock()
		cur := c.routes[topic]
		c.mu.RUnlock()
		if cur != nil && !cur.fallback {
			return nil, err
		}
		if data = c.snapshotFor(topic, err); data == nil {
			return nil, err
		}
		fromSnapshot = true
	}
	c.mu.Lock()
	if cur := c.routes[topic]; cur != nil && !cur.fallback && (fromSnapshot || reflect.DeepEqual(cur.data, data)) {
		c.mu.Unlock()
		return cur.data, nil
	}
	c.routes[topic] = &cachedRoute{data: data}
	c.mu.Unlock()
	if !fromSnapshot {
		c.saveSnapshot(topic, data)
	}
	return data, nil
}

// ForgetRoute drops a topic from the cache and from refreshes.
func (c *Client) ForgetRoute(topic string) {
	c.mu.Lock()
	delete(c.routes, topic)
	c.mu.Unlock()
}

// refreshRoutes re-queries every cached topic. Errors keep the cached route: routes that
// cannot be refreshed are still the best knowledge there is while a name server is away.
func (c *Client) refreshRoutes(ctx context.Context) {
	c.mu.RLock()
	topics := make([]string, 0, len(c.routes))
	for t := range c.routes {
		topics = append(topics, t)
	}
	c.mu.RUnlock()
	for _, t := range topics {
		if ctx.Err() != nil {
			return
		}
		if _, err := c.UpdateRoute(ctx, t); err != nil && !errors.Is(err, route.ErrTopicNotExist) {
			c.log.Warn("route refresh failed", "topic", t, "err", err)
		}
	}
}

// BrokerAddr returns the master address of a broker known from any cached route, or "".
func (c *Client) BrokerAddr(brokerName string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, cr := range c.routes {
		if a := cr.data.MasterAddr(brokerName); a != "" {
			return a
		}
	}
	return ""
}

// AnyBrokerAddr returns a broker's master address, or a slave's when no master is known.
func (c *Client) AnyBrokerAddr(brokerName string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, cr := range c.routes {
		if a := cr.data.AnyAddr(brokerName); a != "" {
			return a
		}
	}
	return ""
}

// brokerAddrs lists the addresses of every broker in the cached routes.
func (c *Client) brokerAddrs(mastersOnly bool) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	seen := map[string]bool{}
	for _, cr := range c.routes {
		for _, bd := range cr.data.BrokerDatas {
			for id, a := range bd.BrokerAddrs {
				if !mastersOnly || id == route.MasterID {
					seen[a] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
