package consumer

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
)

// MessageModel says how a group shares messages. The values are CMessageModel's.
type MessageModel int

const (
	// Broadcasting gives every member every message; progress is kept in a local file.
	Broadcasting MessageModel = 0
	// Clustering gives each message to one member; progress is kept on the brokers.
	Clustering MessageModel = 1
)

func (m MessageModel) String() string {
	if m == Broadcasting {
		return "BROADCASTING"
	}
	return "CLUSTERING"
}

// ConsumeFromWhere says where a group starts on a queue for which no offset is stored. A
// stored offset always wins.
type ConsumeFromWhere int

const (
	// FromLastOffset starts at the queue's end (retry queues at their start). Note that a
	// 4.x broker answers offset 0 for a brand-new group while the queue's first message is
	// still in memory, so such a group starts at the beginning of a young queue.
	FromLastOffset ConsumeFromWhere = iota
	// FromFirstOffset starts at the beginning.
	FromFirstOffset
	// FromTimestamp starts at the first message stored at or after ConsumeTimestamp.
	FromTimestamp
)

func (w ConsumeFromWhere) String() string {
	switch w {
	case FromFirstOffset:
		return "CONSUME_FROM_FIRST_OFFSET"
	case FromTimestamp:
		return "CONSUME_FROM_TIMESTAMP"
	}
	return "CONSUME_FROM_LAST_OFFSET"
}

// ConsumeStatus is a listener's verdict on the messages it was given. The values are
// CConsumeStatus's.
type ConsumeStatus int

const (
	// ConsumeSuccess finishes the messages; their offsets may be committed.
	ConsumeSuccess ConsumeStatus = 0
	// ReconsumeLater asks for the messages again later: concurrently consumed ones through
	// the broker's retry topic, orderly ones in place after SuspendCurrentQueue.
	ReconsumeLater ConsumeStatus = 1
)

// PushConfig configures a PushConsumer. Zero values take the defaults named on each field,
// except Model: its zero value is Broadcasting because the constants carry CMessageModel's
// numbers. DefaultPushConfig sets it to Clustering, upstream's default.
type PushConfig struct {
	// Group is the consumer group; required, and not DEFAULT_CONSUMER.
	Group string
	// Client configures the client this consumer owns (name servers, instance name, ...).
	Client client.Config
	// Model is Clustering or Broadcasting (see the type doc about the zero value).
	Model MessageModel
	// FromWhere applies to queues with no stored offset (default FromLastOffset).
	FromWhere ConsumeFromWhere
	// ConsumeTimestamp is FromTimestamp's start (default: 30 minutes before Start).
	ConsumeTimestamp time.Time

	// ThreadCount bounds the listener calls running at once (default runtime.NumCPU()).
	ThreadCount int
	// BatchMaxSize is the most messages one concurrent listener call gets (default 1).
	// Orderly listeners always get one message.
	BatchMaxSize int
	// PullBatchSize is the most messages asked for per pull (default 32).
	PullBatchSize int
	// MaxCachedMessagesPerQueue pauses a queue's pulls while it holds more unfinished
	// messages (default 1000).
	MaxCachedMessagesPerQueue int
	// MaxCachedMiBPerQueue pauses a queue's pulls while its unfinished bodies take more
	// MiB (default 100).
	MaxCachedMiBPerQueue int
	// MaxReconsumeTimes is how often a message is retried before it goes to the group's
	// dead-letter queue (default 16; zero or negative mean the default).
	MaxReconsumeTimes int

	// RebalanceInterval is how often queues are reassigned besides membership changes
	// (default 20s).
	RebalanceInterval time.Duration
	// PersistInterval is how often offsets are written to their store (default 5s).
	PersistInterval time.Duration
	// SuspendCurrentQueue is how long an orderly queue waits before retrying a message its
	// listener asked to reconsume (default 1s).
	SuspendCurrentQueue time.Duration
	// ShutdownTimeout bounds how long Shutdown waits for running listener calls
	// (default 30s).
	ShutdownTimeout time.Duration

	// Trace sends SubBefore and SubAfter trace records around each listener call to the
	// trace topic through an internal producer, as upstream's message trace does (default
	// off). Tracing never delays or fails consumption: records that cannot be queued or
	// sent are dropped.
	Trace bool

	// OffsetDir is where broadcasting offsets are kept (default
	// DefaultOffsetDir(client IP, instance name)).
	OffsetDir string

	Logger *slog.Logger // default: discard
}

// DefaultPushConfig is a configuration with every default filled in, Model Clustering.
func DefaultPushConfig(group string) PushConfig {
	cfg := PushConfig{Group: group, Model: Clustering}
	cfg.applyDefaults()
	return cfg
}

func (c *PushConfig) applyDefaults() {
	if c.ThreadCount <= 0 {
		c.ThreadCount = runtime.NumCPU()
	}
	if c.BatchMaxSize <= 0 {
		c.BatchMaxSize = 1
	}
	if c.PullBatchSize <= 0 {
		c.PullBatchSize = 32
	}
	if c.MaxCachedMessagesPerQueue <= 0 {
		c.MaxCachedMessagesPerQueue = 1000
	}
	if c.MaxCachedMiBPerQueue <= 0 {
		c.MaxCachedMiBPerQueue = 100
	}
	if c.MaxReconsumeTimes <= 0 {
		c.MaxReconsumeTimes = 16
	}
	if c.RebalanceInterval <= 0 {
		c.RebalanceInterval = 20 * time.Second
	}
	if c.PersistInterval <= 0 {
		c.PersistInterval = 5 * time.Second
	}
	if c.SuspendCurrentQueue <= 0 {
		c.SuspendCurrentQueue = time.Second
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// PullConfig configures a PullConsumer.
type PullConfig struct {
	Group  string        // required
	Client client.Config // name servers, instance name, ...
	Logger *slog.Logger  // default: discard
}

// Timings taken from upstream. They are variables so tests can shorten them.
var (
	// pullSuspend is how long the broker may hold a pull that finds nothing.
	pullSuspend = 15 * time.Second
	// pullTimeout bounds a long-polling pull; longer than pullSuspend so the broker's
	// "nothing new" arrives before we give up.
	pullTimeout = 30 * time.Second
	// pullBackoff is the pause after a failed pull.
	pullBackoff = 3 * time.Second
	// flowControlDelay is the pause of a queue holding too many unfinished messages, unless
	// consumption wakes it sooner.
	flowControlDelay = 50 * time.Millisecond
	// sendBackTimeout bounds CONSUMER_SEND_MSG_BACK (C++: 3 s).
	sendBackTimeout = 3 * time.Second
	// localRetryDelay is when a message whose send-back failed is consumed again here.
	localRetryDelay = time.Second
	// lockLease is how long a broker lock is trusted after it was granted; the broker keeps
	// it for 60 s, so a lease that runs out first never outlives the broker's lock.
	lockLease = 30 * time.Second
	// lockRenewInterval renews the locks well within the lease.
	lockRenewInterval = 20 * time.Second
	// lockRetryDelay is the pause of an orderly queue whose lock another member holds.
	lockRetryDelay = time.Second
	// unlockWait bounds how long a queue that is given up waits for its running orderly
	// listener call before the lock is released; past it the lock is left to expire, so
	// the next owner cannot overtake a message still being consumed here.
	unlockWait = time.Second
	// orderlyYield is how long one orderly queue may keep a worker before it lets the
	// other queues' work go first.
	orderlyYield = 500 * time.Millisecond
	// offsetMovedSettle is how long a queue whose offset the broker rejected waits for its
	// running listener calls before its offset is fixed (upstream: 10 s).
	offsetMovedSettle = 10 * time.Second
	// pullConsumerTimeout bounds a PullConsumer.Pull (C++: 10 s).
	pullConsumerTimeout = 10 * time.Second
)
