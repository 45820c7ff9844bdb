package log

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fileBase names the active file (fileBase+".log") and the rotated ones
// (fileBase+"_YYYYMMDD-N.log"), as upstream's master does.
const fileBase = "rocketmq_client"

// rotatingFile is the active log file plus its rotated predecessors in one directory. It
// rotates when a write would take the file past maxSize, and when the local date changes
// (upstream also rotates at midnight, so one day's lines stay in that day's files). At
// most keep files exist afterwards, the active one included. It is not safe for
// concurrent use; the sink serialises it.
type rotatingFile struct {
	dir     string
	maxSize int64
	keep    int
	now     func() time.Time

	f    *os.File
	size int64
	day  int // yyyymmdd of the date the open file is collecting
}

func (r *rotatingFile) path() string { return filepath.Join(r.dir, fileBase+".log") }

// open creates the directory and opens the active file for appending, keeping whatever
// an earlier run (or another process) left in it.
func (r *rotatingFile) open() error {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(r.path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size, r.day = f, st.Size(), yyyymmdd(r.now())
	return nil
}

func (r *rotatingFile) write(p []byte) error {
	if r.f == nil {
		if err := r.open(); err != nil {
			return err
		}
	}
	if r.size > 0 && (r.size+int64(len(p)) > r.maxSize || yyyymmdd(r.now()) != r.day) {
		if err := r.rotate(); err != nil {
			return err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return err
}

// rotate renames the active file to the next free name of its day and opens a fresh one.
// When the active path no longer names the file we hold, another process sharing the
// directory has rotated it already; renaming again would rotate that process's new file,
// so we only reopen.
func (r *rotatingFile) rotate() error {
	held, herr := r.f.Stat()
	r.f.Close()
	r.f = nil
	cur, cerr := os.Stat(r.path())
	if herr == nil && cerr == nil && os.SameFile(held, cur) {
		if r.keep <= 1 {
			if err := os.Remove(r.path()); err != nil {
				return err
			}
		} else {
			name := fmt.Sprintf("%s_%08d-%d.log", fileBase, r.day, r.nextCounter(r.day))
			if err := os.Rename(r.path(), filepath.Join(r.dir, name)); err != nil {
				return err
			}
		}
	}
	r.prune()
	return r.open()
}

// rotated lists the rotated files in the directory, oldest first.
func (r *rotatingFile) rotated() []rotatedName {
	entries, _ := os.ReadDir(r.dir)
	var out []rotatedName
	for _, e := range entries {
		if n, ok := parseRotated(e.Name()); ok {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b rotatedName) int {
		if a.day != b.day {
			return a.day - b.day
		}
		return a.n - b.n
	})
	return out
}

func (r *rotatingFile) nextCounter(day int) int {
	next := 0
	for _, n := range r.rotated() {
		if n.day == day && n.n >= next {
			next = n.n + 1
		}
	}
	return next
}

// prune deletes the oldest rotated files beyond keep-1 (the active file is the other one).
func (r *rotatingFile) prune() {
	old := r.rotated()
	for i := 0; i < len(old)-(r.keep-1); i++ {
		_ = os.Remove(filepath.Join(r.dir, old[i].name))
	}
}

func (r *rotatingFile) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

type rotatedName struct {
	name   string
	day, n int
}

// parseRotated recognises fileBase_YYYYMMDD-N.log and nothing else, so pruning never
// touches files it did not make.
func parseRotated(name string) (rotatedName, bool) {
	rest, ok := strings.CutPrefix(name, fileBase+"_")
	if !ok {
		return rotatedName{}, false
	}
	rest, ok = strings.CutSuffix(rest, ".log")
	if !ok {
		return rotatedName{}, false
	}
	date, counter, ok := strings.Cut(rest, "-")
	if !ok || len(date) != 8 || !digits(date) || counter == "" || !digits(counter) {
		return rotatedName{}, false
	}
	day, _ := strconv.Atoi(date)
	n, err := strconv.Atoi(counter)
	if err != nil {
		return rotatedName{}, false
	}
	return rotatedName{name: name, day: day, n: n}, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func yyyymmdd(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}
