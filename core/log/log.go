package log

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Level is a CLogLevel value, what Set*LogLevel takes.
type Level int

const (
	LevelFatal Level = 1
	LevelError Level = 2
	LevelWarn  Level = 3
	LevelInfo  Level = 4
	LevelDebug Level = 5
	LevelTrace Level = 6
)

// slog has no trace or fatal; these sit one step (4) beyond its debug and error.
const (
	SlogTrace = slog.LevelDebug - 4
	SlogFatal = slog.LevelError + 4
)

// Slog is the slog level at which l starts letting records through. Values outside
// CLogLevel mean INFO, as upstream's switch falls through to its default.
func (l Level) Slog() slog.Level {
	switch l {
	case LevelFatal:
		return SlogFatal
	case LevelError:
		return slog.LevelError
	case LevelWarn:
		return slog.LevelWarn
	case LevelDebug:
		return slog.LevelDebug
	case LevelTrace:
		return SlogTrace
	}
	return slog.LevelInfo
}

// EnvLogDir names the environment variable upstream's master reads for the log directory
// (its Set*LogPath functions only set it). We read it when the file is first opened,
// unless SetPath has chosen a directory.
const EnvLogDir = "ROCKETMQ_CLIENT_LOG_DIR"

// DefaultDir is the directory under the home directory that holds the log file, as in
// upstream's master. Releases up to 2.2.0 wrote $HOME/logs/rocketmq-cpp/<pid>_rocketmq-cpp.log
// instead; a per-process name leaves one more file behind at every start that nothing
// ever deletes, where one rotated name keeps the disk use bounded across restarts.
const DefaultDir = "logs/rocketmq-client"

// Defaults of the rotation: upstream's master rotates at 100 MB and keeps 200 MB of old
// files besides the active one, i.e. three files.
const (
	DefaultFileNum    = 3
	DefaultFileSizeMB = 100
)

// The process has one logger, as upstream has one boost::log core: Set*LogLevel,
// Set*LogPath and Set*LogFileNumAndSize act on every producer and consumer whatever handle
// they are called through, and C programs rely on that (they set the level on one object
// and expect all logging to follow). Several objects writing one file also need one owner
// of that file, or their rotations would fight. So the state is global, and everything in
// it is safe for concurrent use.
var (
	level     slog.LevelVar // zero value is INFO, the default
	cLevel    atomic.Int32
	out                 = newSink()
	logger              = slog.New(&handler{level: &level, out: out})
	stderr    io.Writer = os.Stderr // replaced by tests
	timeNow             = time.Now  // replaced by tests
	homeDir             = os.UserHomeDir
	getenvDir           = func() string { return os.Getenv(EnvLogDir) }
)

func init() { cLevel.Store(int32(LevelInfo)) }

// Logger is the library's logger; give it to anything that takes a *slog.Logger.
func Logger() *slog.Logger { return logger }

// SetLevel sets the level of every record the library logs from now on.
func SetLevel(l Level) {
	if l < LevelFatal || l > LevelTrace {
		l = LevelInfo
	}
	cLevel.Store(int32(l))
	level.Set(l.Slog())
}

// GetLevel returns the level last set (LevelInfo by default).
func GetLevel() Level { return Level(cLevel.Load()) }

// Enabled reports whether a record at l would be written, for callers whose arguments
// are costly to compute.
func Enabled(l slog.Level) bool { return l >= level.Level() }

// SetPath makes dir the log directory. An absolute dir is used as it is; a relative one
// is taken under the home directory, which is what upstream's master does with every
// path (it appends the path to $HOME, so "/var/log/app" becomes "$HOME/var/log/app").
// We keep that for relative paths, the only case where it can be what the caller meant.
// Unlike upstream, where the setting only counts before the first line is logged, it
// takes effect at the next line: the current file is closed and the new one opened
// lazily. An empty dir restores the default (the environment variable, then
// $HOME/logs/rocketmq-client).
func SetPath(dir string) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.dir = dir
	out.reset()
}

// SetFileNumAndSize keeps at most num files (the active one included) of sizeMB
// megabytes each. Upstream caps its rotated files at num×size besides the active one;
// counting the active file makes num×size the bound on the disk the log takes. A sizeMB
// of zero or less leaves the size unchanged; num is at least 1.
func SetFileNumAndSize(num, sizeMB int) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.file.keep = max(num, 1)
	if sizeMB > 0 {
		out.file.maxSize = int64(sizeMB) << 20
	}
}

// FilePath is the file the next line goes to when logging to a file.
func FilePath() string {
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.file.f != nil {
		return out.file.path()
	}
	return filepath.Join(resolveDir(out.dir), fileBase+".log")
}

// SetOutput sends the log to w instead of the file (nil returns to the file). It is for
// Go programs that collect logs themselves, and for tests. w must be safe for concurrent
// use only as far as Write calls do not overlap, which the logger ensures.
func SetOutput(w io.Writer) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.override = w
}

// Trace, Debug, Info, Warn, Error and Fatal log at their level through Logger, with the
// caller as the source. Fatal only logs; like upstream's LOG_FATAL it never exits.
func Trace(msg string, args ...any) { logAt(SlogTrace, msg, args) }
func Debug(msg string, args ...any) { logAt(slog.LevelDebug, msg, args) }
func Info(msg string, args ...any)  { logAt(slog.LevelInfo, msg, args) }
func Warn(msg string, args ...any)  { logAt(slog.LevelWarn, msg, args) }
func Error(msg string, args ...any) { logAt(slog.LevelError, msg, args) }
func Fatal(msg string, args ...any) { logAt(SlogFatal, msg, args) }

func logAt(l slog.Level, msg string, args []any) {
	if !Enabled(l) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // runtime.Callers, logAt, the exported wrapper
	r := slog.NewRecord(timeNow(), l, msg, pcs[0])
	r.Add(args...)
	_ = logger.Handler().Handle(context.Background(), r)
}

// sink owns the destination. Lines are formatted before its lock is taken, so the lock
// covers one write (and, now and then, a rotation): callers never wait behind another
// caller's formatting.
type sink struct {
	mu       sync.Mutex
	dir      string // as given to SetPath; "" means the default
	file     rotatingFile
	failed   bool // the file could not be opened or written; lines go to stderr
	override io.Writer
}

func newSink() *sink {
	return &sink{file: rotatingFile{
		maxSize: DefaultFileSizeMB << 20,
		keep:    DefaultFileNum,
		now:     func() time.Time { return timeNow() },
	}}
}

// reset closes the file so the next line opens it again, in what is then the directory.
// Caller holds mu.
func (s *sink) reset() {
	s.file.close()
	s.file.dir = ""
	s.failed = false
}

func (s *sink) write(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.override != nil {
		_, _ = s.override.Write(p)
		return
	}
	if !s.failed {
		if s.file.dir == "" {
			s.file.dir = resolveDir(s.dir)
		}
		err := s.file.write(p)
		if err == nil {
			return
		}
		// An unwritable directory must not take the application down, nor lose what it
		// says: warn once, then use stderr until SetPath names another directory.
		s.file.close()
		s.failed = true
		fmt.Fprintf(stderr, "rocketmq-client: cannot write log file %s (%v); logging to stderr\n", s.file.path(), err)
	}
	_, _ = stderr.Write(p)
}

// resolveDir applies SetPath's rule to dir, or to the environment variable when dir is
// empty, falling back to the default directory.
func resolveDir(dir string) string {
	if dir == "" {
		dir = getenvDir()
	}
	if dir != "" && filepath.IsAbs(dir) {
		return filepath.Clean(dir)
	}
	home, err := homeDir()
	if err != nil || home == "" {
		home = os.TempDir()
	}
	if dir == "" {
		dir = DefaultDir
	}
	return filepath.Join(home, dir)
}
