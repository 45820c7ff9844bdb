package log

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// isolate gives a test its own log directory and default settings, and puts the global
// state back afterwards. Tests using it must not run in parallel.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	restore := func() {
		out.mu.Lock()
		out.reset()
		out.dir = ""
		out.override = nil
		out.file.keep = DefaultFileNum
		out.file.maxSize = DefaultFileSizeMB << 20
		out.mu.Unlock()
		SetLevel(LevelInfo)
		stderr = os.Stderr
		timeNow = time.Now
		getenvDir = func() string { return os.Getenv(EnvLogDir) }
		homeDir = os.UserHomeDir
	}
	restore()
	t.Cleanup(restore)
	getenvDir = func() string { return "" }
	homeDir = func() (string, error) { return filepath.Join(dir, "home"), nil }
	SetPath(filepath.Join(dir, "logs"))
	return filepath.Join(dir, "logs")
}

func capture(t *testing.T) *bytes.Buffer {
	var b bytes.Buffer
	SetOutput(&b)
	return &b
}

var lineRE = regexp.MustCompile(`^\[\d{4}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\]\((trace|debug|info|warning|error|fatal)\):(.*)\[([^\[\]]+):(\d+)\]$`)

func TestLineFormat(t *testing.T) {
	isolate(t)
	b := capture(t)
	Info("send ok", "topic", "TopicTest", "queue", 3, "remark", "two words", "empty", "", "err", errors.New("boom"), "d", 1500*time.Millisecond)
	line := strings.TrimSuffix(b.String(), "\n")
	m := lineRE.FindStringSubmatch(line)
	require.NotNil(t, m, line)
	assert.Equal(t, "info", m[1])
	assert.Equal(t, `send ok topic=TopicTest queue=3 remark="two words" empty="" err=boom d=1.5s`, m[2])
	assert.Equal(t, "log.TestLineFormat", m[3], "the caller is the source, not our wrapper")

	b.Reset()
	Logger().With("client", "c1").WithGroup("req").Warn("late", "code", 17, slog.Group("g", "x", 1))
	m = lineRE.FindStringSubmatch(strings.TrimSuffix(b.String(), "\n"))
	require.NotNil(t, m, b.String())
	assert.Equal(t, "warning", m[1])
	assert.Equal(t, "late client=c1 req.code=17 req.g.x=1", m[2])
	assert.Equal(t, "log.TestLineFormat", m[3])
}

func TestTimestampIsBoostsDefault(t *testing.T) {
	isolate(t)
	b := capture(t)
	timeNow = func() time.Time { return time.Date(2020, 3, 26, 17, 30, 34, 123456789, time.Local) }
	Error("x")
	assert.True(t, strings.HasPrefix(b.String(), "[2020-Mar-26 17:30:34.123456](error):x["), b.String())
}

func TestLevels(t *testing.T) {
	isolate(t)
	b := capture(t)
	assert.Equal(t, LevelInfo, GetLevel())

	emitAll := func() []string {
		b.Reset()
		Trace("t")
		Debug("d")
		Info("i")
		Warn("w")
		Error("e")
		Fatal("f")
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			if m := lineRE.FindStringSubmatch(l); m != nil {
				got = append(got, m[1])
			}
		}
		return got
	}
	assert.Equal(t, []string{"info", "warning", "error", "fatal"}, emitAll())
	SetLevel(LevelWarn)
	assert.Equal(t, []string{"warning", "error", "fatal"}, emitAll())
	SetLevel(LevelFatal)
	assert.Equal(t, []string{"fatal"}, emitAll())
	SetLevel(LevelTrace)
	assert.Equal(t, []string{"trace", "debug", "info", "warning", "error", "fatal"}, emitAll())
	assert.True(t, Enabled(SlogTrace))

	// Out of range is INFO, as upstream's default branch.
	SetLevel(Level(42))
	assert.Equal(t, LevelInfo, GetLevel())
	assert.Equal(t, []string{"info", "warning", "error", "fatal"}, emitAll())
	assert.False(t, Logger().Enabled(t.Context(), slog.LevelDebug))
}

func TestLazyFileCreation(t *testing.T) {
	dir := isolate(t)
	Debug("below the level: must not create anything")
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "nothing logged yet, so no directory")

	Info("hello")
	data, err := os.ReadFile(filepath.Join(dir, "rocketmq_client.log"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "(info):hello")
	assert.Equal(t, filepath.Join(dir, "rocketmq_client.log"), FilePath())
}

func TestPathResolution(t *testing.T) {
	root := isolate(t)
	home := filepath.Join(filepath.Dir(root), "home")

	SetPath("")
	assert.Equal(t, filepath.Join(home, "logs", "rocketmq-client", "rocketmq_client.log"), FilePath())

	// The environment variable counts when SetPath has not chosen.
	env := filepath.Join(root, "from-env")
	getenvDir = func() string { return env }
	assert.Equal(t, filepath.Join(env, "rocketmq_client.log"), FilePath())
	getenvDir = func() string { return "rel/env" }
	assert.Equal(t, filepath.Join(home, "rel", "env", "rocketmq_client.log"), FilePath())

	// SetPath wins over the environment; relative paths go under the home directory.
	SetPath("custom/dir")
	assert.Equal(t, filepath.Join(home, "custom", "dir", "rocketmq_client.log"), FilePath())
	abs := filepath.Join(root, "abs")
	SetPath(abs)
	assert.Equal(t, filepath.Join(abs, "rocketmq_client.log"), FilePath())
}

func TestEnvironmentVariableIsRead(t *testing.T) {
	isolate(t)
	dir := filepath.Join(t.TempDir(), "env-logs")
	t.Setenv(EnvLogDir, dir)
	getenvDir = func() string { return os.Getenv(EnvLogDir) }
	SetPath("")
	Warn("via env")
	data, err := os.ReadFile(filepath.Join(dir, "rocketmq_client.log"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "via env")
}

func TestSetPathMovesTheFile(t *testing.T) {
	dir := isolate(t)
	Info("first")
	second := filepath.Join(t.TempDir(), "second")
	SetPath(second)
	Info("second")
	a, _ := os.ReadFile(filepath.Join(dir, "rocketmq_client.log"))
	b, _ := os.ReadFile(filepath.Join(second, "rocketmq_client.log"))
	assert.Contains(t, string(a), "first")
	assert.NotContains(t, string(a), "second")
	assert.Contains(t, string(b), "second")
}

func TestUnwritableDirFallsBackToStderr(t *testing.T) {
	isolate(t)
	var errOut bytes.Buffer
	stderr = &errOut
	// A path through a regular file cannot be created, even by root.
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	SetPath(filepath.Join(blocker, "logs"))

	require.NotPanics(t, func() {
		Info("one")
		Info("two")
	})
	got := errOut.String()
	assert.Equal(t, 1, strings.Count(got, "cannot write log file"), got)
	assert.Contains(t, got, "(info):one")
	assert.Contains(t, got, "(info):two")

	// A usable directory gets the file back.
	good := t.TempDir()
	SetPath(good)
	Info("three")
	data, err := os.ReadFile(filepath.Join(good, "rocketmq_client.log"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "three")
	assert.NotContains(t, errOut.String(), "three")
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestRotationBySize(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2024, 1, 2, 10, 0, 0, 0, time.Local)
	r := &rotatingFile{dir: dir, maxSize: 1000, keep: 3, now: func() time.Time { return day }}
	defer r.close()
	line := []byte(strings.Repeat("x", 99) + "\n") // 100 bytes: ten per file
	for i := 0; i < 45; i++ {
		require.NoError(t, r.write(line))
	}
	// 45 lines = four full files and a half-full active one; three are kept.
	assert.Equal(t, []string{"rocketmq_client.log", "rocketmq_client_20240102-2.log", "rocketmq_client_20240102-3.log"}, listDir(t, dir))
	for _, name := range []string{"rocketmq_client_20240102-2.log", "rocketmq_client_20240102-3.log"} {
		st, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.EqualValues(t, 1000, st.Size(), name)
	}
	st, err := os.Stat(filepath.Join(dir, "rocketmq_client.log"))
	require.NoError(t, err)
	assert.EqualValues(t, 500, st.Size())

	// Files that are not ours are never pruned.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rocketmq_client_notes.log"), nil, 0o644))
	for i := 0; i < 30; i++ {
		require.NoError(t, r.write(line))
	}
	assert.Equal(t, []string{"rocketmq_client.log", "rocketmq_client_20240102-5.log", "rocketmq_client_20240102-6.log", "rocketmq_client_notes.log"}, listDir(t, dir))
}

func TestRotationKeepOne(t *testing.T) {
	dir := t.TempDir()
	r := &rotatingFile{dir: dir, maxSize: 100, keep: 1, now: time.Now}
	defer r.close()
	for i := 0; i < 5; i++ {
		require.NoError(t, r.write([]byte(fmt.Sprintf("%049d\n", i))))
	}
	assert.Equal(t, []string{"rocketmq_client.log"}, listDir(t, dir))
	data, _ := os.ReadFile(filepath.Join(dir, "rocketmq_client.log"))
	assert.Equal(t, fmt.Sprintf("%049d\n", 4), string(data))
}

func TestRotationAtMidnight(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2024, 1, 2, 23, 59, 0, 0, time.Local)
	r := &rotatingFile{dir: dir, maxSize: 1 << 20, keep: 5, now: func() time.Time { return now }}
	defer r.close()
	require.NoError(t, r.write([]byte("late\n")))
	now = now.Add(2 * time.Minute)
	require.NoError(t, r.write([]byte("early\n")))
	assert.Equal(t, []string{"rocketmq_client.log", "rocketmq_client_20240102-0.log"}, listDir(t, dir))
	old, _ := os.ReadFile(filepath.Join(dir, "rocketmq_client_20240102-0.log"))
	assert.Equal(t, "late\n", string(old))
}

// A second process sharing the directory may rotate the file under us; we must not
// rotate its fresh file again.
func TestRotationAfterAnotherProcessRotated(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2024, 1, 2, 10, 0, 0, 0, time.Local)
	r := &rotatingFile{dir: dir, maxSize: 100, keep: 5, now: func() time.Time { return day }}
	defer r.close()
	require.NoError(t, r.write([]byte(strings.Repeat("a", 60))))
	// The other process renames the file and starts a new one.
	require.NoError(t, os.Rename(filepath.Join(dir, "rocketmq_client.log"), filepath.Join(dir, "rocketmq_client_20240102-0.log")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rocketmq_client.log"), []byte("theirs\n"), 0o644))

	require.NoError(t, r.write([]byte(strings.Repeat("b", 60))))
	assert.Equal(t, []string{"rocketmq_client.log", "rocketmq_client_20240102-0.log"}, listDir(t, dir))
	cur, _ := os.ReadFile(filepath.Join(dir, "rocketmq_client.log"))
	assert.Equal(t, "theirs\n"+strings.Repeat("b", 60), string(cur))
}

func TestSetFileNumAndSize(t *testing.T) {
	dir := isolate(t)
	SetFileNumAndSize(2, 1)
	out.mu.Lock()
	assert.EqualValues(t, 1<<20, out.file.maxSize)
	assert.Equal(t, 2, out.file.keep)
	out.mu.Unlock()
	SetFileNumAndSize(0, 0) // nonsense keeps one file and the size
	out.mu.Lock()
	assert.EqualValues(t, 1<<20, out.file.maxSize)
	assert.Equal(t, 1, out.file.keep)
	out.mu.Unlock()

	// Through the logger: 2.5 MiB of lines in 1 MiB files, two kept.
	SetFileNumAndSize(2, 1)
	msg := strings.Repeat("m", 1000)
	for i := 0; i < 2600; i++ {
		Info(msg)
	}
	names := listDir(t, dir)
	require.Len(t, names, 2, "%v", names)
	assert.Equal(t, "rocketmq_client.log", names[0])
	assert.Regexp(t, `^rocketmq_client_\d{8}-\d+\.log$`, names[1])
}

func TestConcurrentWriters(t *testing.T) {
	dir := isolate(t)
	out.mu.Lock()
	out.file.maxSize = 64 << 10
	out.file.keep = 1000
	out.mu.Unlock()

	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := Logger().With("writer", w)
			for i := 0; i < lines; i++ {
				if i%2 == 0 {
					l.Info("line", "i", i)
				} else {
					Info("line", "writer", w, "i", i)
				}
			}
		}()
	}
	// Settings change while they write.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			SetLevel(LevelInfo)
			_ = FilePath()
		}
	}()
	wg.Wait()

	seen := map[string]bool{}
	files := listDir(t, dir)
	assert.Greater(t, len(files), 1, "rotation happened")
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			m := lineRE.FindStringSubmatch(sc.Text())
			if !assert.NotNil(t, m, "torn line %q", sc.Text()) {
				break
			}
			seen[m[2]] = true
		}
		f.Close()
	}
	assert.Len(t, seen, writers*lines, "every line exactly once and whole")
}

func TestParseRotated(t *testing.T) {
	n, ok := parseRotated("rocketmq_client_20240102-12.log")
	assert.True(t, ok)
	assert.Equal(t, 20240102, n.day)
	assert.Equal(t, 12, n.n)
	for _, bad := range []string{"rocketmq_client.log", "rocketmq_client_2024012-1.log", "rocketmq_client_20240102-.log",
		"rocketmq_client_20240102-x.log", "rocketmq_client_20240102-1.txt", "other_20240102-1.log", "rocketmq_client_20240102.log"} {
		_, ok := parseRotated(bad)
		assert.False(t, ok, bad)
	}
}

func TestQuoting(t *testing.T) {
	for s, want := range map[string]string{
		"plain": "plain", "10.0.0.1:10911": "10.0.0.1:10911", "": `""`, "a b": `"a b"`, "k=v": `"k=v"`,
		"tab\t": `"tab\t"`, "é": "é", "\x01": `"\x01"`, `q"`: `"q\""`,
	} {
		assert.Equal(t, want, string(appendString(nil, s)), s)
	}
}
