package producer

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
)

// Defaults of the C++ client (DefaultMQProducerImpl), which the C API exposes.
const (
	DefaultSendTimeout     = 3 * time.Second
	DefaultRetryTimes      = 5 // total attempts of a sync send
	MaxRetryTimes          = 15
	DefaultRetryTimesAsync = 1 // extra attempts of an async send
	DefaultCompressOver    = 4096
	DefaultCompressLevel   = message.DefaultCompressLevel
	DefaultMaxMessageSize  = 128 << 10
	// DefaultShardingKeyRetries is what SendMessageOrderlyByShardingKey passes as
	// autoRetryTimes in the C++ client.
	DefaultShardingKeyRetries = 3
)

// Config configures a Producer. Zero values take the defaults named on each field.
type Config struct {
	// Group is the producer group ("" → "DEFAULT_PRODUCER").
	Group string
	// Client holds name servers, instance name and remoting options (TLS, ACL hook).
	Client client.Config
	// SendTimeout bounds a whole send, retries included (default 3s).
	SendTimeout time.Duration
	// RetryTimes is the number of attempts of a sync send, the first included
	// (default 5, range 1..15).
	RetryTimes int
	// RetryTimesAsync is the number of extra attempts of an async send (0 → the default
	// 1; a negative value means no retry; at most 15).
	RetryTimesAsync int
	// CompressOver is the body size from which bodies are zlib-compressed (default 4096).
	// Batches are never compressed. To turn compression off, set a value above
	// MaxMessageSize.
	CompressOver int
	// CompressLevel is the zlib level, -1..9 (0 → the default 5: level 0 stores the body
	// uncompressed yet flagged, which only costs bytes; raise CompressOver instead).
	CompressLevel int
	// MaxMessageSize is the largest body accepted, before compression (default 128 KiB).
	MaxMessageSize int
	// DisableFaultAvoidance turns off latency fault avoidance (on by default): a broker
	// that just failed or answered slowly is skipped for a while.
	DisableFaultAvoidance bool
	// Checker answers the broker's checks of half messages this group left undecided.
	// Only transaction producers need one; without it checks are logged and ignored.
	Checker TransactionChecker
	// Trace sends a trace record of each send that got a result (Pub), and of each
	// transaction's end (EndTransaction), to the trace topic through an internal producer,
	// as upstream's message trace does (default off). Tracing never delays or fails a send:
	// records that cannot be queued or sent are dropped.
	Trace bool
	// Logger receives the producer's (and, unless Client.Logger is set, its client's)
	// log lines (default: discard).
	Logger *slog.Logger
}

// normalized returns cfg with defaults applied, or an error naming the bad field.
func (cfg Config) normalized() (Config, error) {
	if cfg.Group == "" {
		cfg.Group = message.DefaultProducerGroup
	}
	switch {
	case cfg.SendTimeout < 0:
		return cfg, fmt.Errorf("%w: SendTimeout %v is negative", ErrInvalidConfig, cfg.SendTimeout)
	case cfg.RetryTimes < 0 || cfg.RetryTimes > MaxRetryTimes:
		return cfg, fmt.Errorf("%w: RetryTimes %d outside 1..%d", ErrInvalidConfig, cfg.RetryTimes, MaxRetryTimes)
	case cfg.RetryTimesAsync > MaxRetryTimes:
		return cfg, fmt.Errorf("%w: RetryTimesAsync %d above %d", ErrInvalidConfig, cfg.RetryTimesAsync, MaxRetryTimes)
	case cfg.CompressOver < 0:
		return cfg, fmt.Errorf("%w: CompressOver %d is negative", ErrInvalidConfig, cfg.CompressOver)
	case cfg.CompressLevel < -1 || cfg.CompressLevel > 9:
		return cfg, fmt.Errorf("%w: CompressLevel %d outside -1..9", ErrInvalidConfig, cfg.CompressLevel)
	case cfg.MaxMessageSize < 0:
		return cfg, fmt.Errorf("%w: MaxMessageSize %d is negative", ErrInvalidConfig, cfg.MaxMessageSize)
	}
	if cfg.SendTimeout == 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.RetryTimes == 0 {
		cfg.RetryTimes = DefaultRetryTimes
	}
	switch {
	case cfg.RetryTimesAsync == 0:
		cfg.RetryTimesAsync = DefaultRetryTimesAsync
	case cfg.RetryTimesAsync < 0:
		cfg.RetryTimesAsync = 0
	}
	if cfg.CompressOver == 0 {
		cfg.CompressOver = DefaultCompressOver
	}
	if cfg.CompressLevel == 0 {
		cfg.CompressLevel = DefaultCompressLevel
	}
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Client.Logger == nil {
		cfg.Client.Logger = cfg.Logger
	}
	return cfg, nil
}
