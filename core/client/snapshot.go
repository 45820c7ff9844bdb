package client

// Route snapshots (Config.RouteSnapshotDir): the last route fetched for each topic is kept
// on disk so that a process started while no name server answers can still reach the
// brokers, as the C++ client's design meant to ("based on nameServer snapshot") without
// ever doing it. A snapshot is only read for a topic with no route in memory: a route
// already cached is newer than any snapshot, and it is what refreshes keep meanwhile.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/internal/atomicfile"
)

// EnvRouteSnapshotDir is the environment variable through which the C API, which has no
// setter for it (upstream has none), turns route snapshots on: its value is the directory.
const EnvRouteSnapshotDir = "ROCKETMQ_ROUTE_SNAPSHOT_DIR"

// RouteSnapshotDirFromEnv is EnvRouteSnapshotDir's value, "" (off) when unset.
func RouteSnapshotDirFromEnv() string { return strings.TrimSpace(os.Getenv(EnvRouteSnapshotDir)) }

// snapshotSuffix ends the name of every snapshot file: <url-escaped topic>.route.json.
const snapshotSuffix = ".route.json"

type routeSnapshot struct {
	Topic   string                `json:"topic"`
	SavedAt time.Time             `json:"savedAt"`
	Route   *route.TopicRouteData `json:"route"`
}

func (c *Client) snapshotPath(topic string) string {
	return filepath.Join(c.cfg.RouteSnapshotDir, url.PathEscape(topic)+snapshotSuffix)
}

// saveSnapshot writes a topic's route, replacing the file in one rename so that a reader,
// or a crash, never finds half of it. Failures are logged: the snapshot is a fallback, not
// a reason to fail a send.
func (c *Client) saveSnapshot(topic string, data *route.TopicRouteData) {
	if c.cfg.RouteSnapshotDir == "" {
		return
	}
	body, err := json.Marshal(routeSnapshot{Topic: topic, SavedAt: time.Now().UTC(), Route: data})
	if err == nil {
		err = os.MkdirAll(c.cfg.RouteSnapshotDir, 0o755)
	}
	if err == nil {
		err = atomicfile.WriteFile(c.snapshotPath(topic), body)
	}
	if err != nil {
		c.log.Warn("route snapshot not saved", "topic", topic, "dir", c.cfg.RouteSnapshotDir, "err", err)
	}
}

// loadSnapshot reads a topic's saved route.
func (c *Client) loadSnapshot(topic string) (*routeSnapshot, error) {
	body, err := os.ReadFile(c.snapshotPath(topic))
	if err != nil {
		return nil, err
	}
	var s routeSnapshot
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("route snapshot %s: %w", c.snapshotPath(topic), err)
	}
	if s.Topic != topic || s.Route == nil || len(s.Route.BrokerDatas) == 0 {
		return nil, fmt.Errorf("route snapshot %s: not a route of %s", c.snapshotPath(topic), topic)
	}
	return &s, nil
}

// snapshotFor is the saved route to use when the name servers failed with err, or nil.
func (c *Client) snapshotFor(topic string, err error) *route.TopicRouteData {
	if c.cfg.RouteSnapshotDir == "" || errors.Is(err, route.ErrTopicNotExist) {
		return nil
	}
	s, lerr := c.loadSnapshot(topic)
	if lerr != nil {
		if !errors.Is(lerr, os.ErrNotExist) {
			c.log.Warn("route snapshot unreadable", "topic", topic, "err", lerr)
		}
		return nil
	}
	c.log.Warn("no name server answered: using the saved route", "topic", topic, "savedAt", s.SavedAt, "err", err)
	return s.Route
}
