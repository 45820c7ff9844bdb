package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/internal/atomicfile"
)

// LocalOffsetStore keeps a broadcasting consumer's offsets in a file, as every member
// consumes everything and the broker keeps no progress for it. The file is upstream's
// location (~/.rocketmq_offsets/<clientIP>@<instance>/<group>/offsets.json) but our own JSON
// format: the C++ library writes a boost archive that nothing else can read, so its files
// are not taken over (a broadcasting group moving to this library starts per its
// consume-from-where setting).
//
// Writes go to a temporary file that is synced and renamed over the old one, so a crash
// leaves either the old offsets or the new ones, never a torn file.
type LocalOffsetStore struct {
	offsetTable
	path string
}

// DefaultOffsetDir is upstream's directory for broadcasting offsets of a client.
func DefaultOffsetDir(clientIP, instance string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".rocketmq_offsets", clientIP+"@"+instance)
}

// NewLocalOffsetStore returns a store writing dir/<group>/offsets.json, reading what is
// there already. A corrupt file is an error (upstream refuses to start too): deleting it
// resets the group's progress, which a person should decide.
func NewLocalOffsetStore(dir, group string) (*LocalOffsetStore, error) {
	s := &LocalOffsetStore{path: filepath.Join(dir, group, "offsets.json")}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return nil, fmt.Errorf("consumer: offset directory: %w", err)
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the offsets file.
func (s *LocalOffsetStore) Path() string { return s.path }

type offsetFile struct {
	Offsets []offsetEntry `json:"offsets"`
}

type offsetEntry struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int    `json:"queueId"`
	Offset     int64  `json:"offset"`
}

func (s *LocalOffsetStore) load() error {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("consumer: read offsets: %w", err)
	}
	var f offsetFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("consumer: offsets file %s is corrupt (delete it to reset this group's progress): %w", s.path, err)
	}
	for _, e := range f.Offsets {
		s.Update(route.MessageQueue{Topic: e.Topic, BrokerName: e.BrokerName, QueueID: e.QueueID}, e.Offset, false)
	}
	return nil
}

// Read implements OffsetStore; the file was read at creation, so memory is the store.
func (s *LocalOffsetStore) Read(_ context.Context, mq route.MessageQueue, _ bool) (int64, error) {
	if o, ok := s.get(mq); ok {
		return o, nil
	}
	return -1, nil
}

// Persist implements OffsetStore: it writes every offset, whichever queues are named, since
// the file holds them all.
func (s *LocalOffsetStore) Persist(context.Context, []route.MessageQueue) error {
	var f offsetFile
	for mq, o := range s.snapshot(nil) {
		f.Offsets = append(f.Offsets, offsetEntry{Topic: mq.Topic, BrokerName: mq.BrokerName, QueueID: mq.QueueID, Offset: o})
	}
	sort.Slice(f.Offsets, func(i, j int) bool {
		a, b := f.Offsets[i], f.Offsets[j]
		return route.MessageQueue{Topic: a.Topic, BrokerName: a.BrokerName, QueueID: a.QueueID}.
			Less(route.MessageQueue{Topic: b.Topic, BrokerName: b.BrokerName, QueueID: b.QueueID})
	})
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.path, data); err != nil {
		return fmt.Errorf("consumer: write offsets: %w", err)
	}
	return nil
}
