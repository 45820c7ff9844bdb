package main

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// onOwnThread runs f on a goroutine locked to an OS thread for f's duration,
// as an export's goroutine is, so the thread-local last error is stable.
func onOwnThread(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		f()
	}()
	<-done
}

// resetPoison undoes poisoning so tests stay independent.
func resetPoison(t *testing.T) {
	t.Helper()
	poisonMu.Lock()
	poisonText = ""
	poisonMu.Unlock()
	poisoned.Store(false)
	dumpOnce = sync.Once{}
}

// captureStderr returns what f writes to os.Stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	out := make(chan string)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		out <- b.String()
	}()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	return <-out
}

func TestLastErrorSetAndClear(t *testing.T) {
	onOwnThread(func() {
		clearLastError()
		if got := lastError(); got != "" {
			t.Errorf("after clear: %q, want empty", got)
		}
		setLastError("code %d: %s", 11, "timeout")
		if got := lastError(); got != "code 11: timeout" {
			t.Errorf("got %q", got)
		}
		long := strings.Repeat("x", 100000)
		setLastError("%s", long)
		if got := lastError(); got != long {
			t.Errorf("long message: got %d bytes, want %d", len(got), len(long))
		}
		setLastError("short")
		if got := lastError(); got != "short" {
			t.Errorf("after long: got %q", got)
		}
		setLastError("")
		if got := lastError(); got != "" {
			t.Errorf("empty message: got %q", got)
		}
	})
}

func TestLastErrorIsPerThread(t *testing.T) {
	onOwnThread(func() {
		setLastError("first thread")
		// This goroutine holds its thread, so the second one gets another.
		onOwnThread(func() {
			setLastError("second thread")
			if got := lastError(); got != "second thread" {
				t.Errorf("second thread reads %q", got)
			}
		})
		if got := lastError(); got != "first thread" {
			t.Errorf("first thread reads %q after the second set its own", got)
		}
	})
}

func TestGetLatestErrorMessageExport(t *testing.T) {
	onOwnThread(func() {
		clearLastError()
		if p := testLatestErrorMessage(); p == nil {
			t.Fatal("GetLatestErrorMessage returned NULL")
		}
		setLastError("boom")
		if got := lastError(); got != "boom" {
			t.Errorf("got %q", got)
		}
	})
}

func TestGuardPassesStatusThrough(t *testing.T) {
	onOwnThread(func() {
		clearLastError()
		rc := guard("Ok", 10, func(c call) status { return 0 })
		if rc != 0 {
			t.Errorf("rc = %d", rc)
		}
		if got := lastError(); got != "" {
			t.Errorf("success set an error: %q", got)
		}
		rc = guard("SendMessageSync", 11, func(c call) status {
			return c.fail(11, errors.New("no route for topic T"))
		})
		if rc != 11 {
			t.Errorf("rc = %d, want 11", rc)
		}
		if got, want := lastError(), "msg: SendMessageSync: no route for topic T"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestGuardRecoversAndPoisons(t *testing.T) {
	defer resetPoison(t)
	var rc status
	var msg string
	stderr := captureStderr(t, func() {
		onOwnThread(func() {
			rc = guard("StartProducer", 10, func(c call) status { panic("boom") })
			msg = lastError()
		})
	})
	if rc != 10 {
		t.Errorf("rc after panic = %d, want 10", rc)
	}
	if want := "msg: StartProducer: internal error: boom"; msg != want {
		t.Errorf("last error %q, want %q", msg, want)
	}
	for _, want := range []string{"internal error in StartProducer: boom", "goroutine ", "TestGuardRecoversAndPoisons"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// Poisoned: later calls fail fast without running, and nothing more is dumped.
	stderr = captureStderr(t, func() {
		onOwnThread(func() {
			ran := false
			rc = guard("SendMessageSync", 11, func(c call) status { ran = true; return 0 })
			if ran {
				t.Error("body ran in a poisoned library")
			}
			msg = lastError()
			p := guardValue[*int]("CreateProducer", nil, func(c call) *int { panic("again") })
			if p != nil {
				t.Error("guardValue returned non-nil when poisoned")
			}
		})
	})
	if rc != 11 {
		t.Errorf("poisoned rc = %d, want 11", rc)
	}
	if !strings.Contains(msg, "msg: SendMessageSync: library disabled") || !strings.Contains(msg, "StartProducer: boom") {
		t.Errorf("poisoned message %q", msg)
	}
	if stderr != "" {
		t.Errorf("second failure wrote to stderr: %q", stderr)
	}
}

func TestGuardValuePanicReturnsFail(t *testing.T) {
	defer resetPoison(t)
	captureStderr(t, func() {
		onOwnThread(func() {
			var m map[string]int
			got := guardValue("GetMessageProperty", -1, func(c call) int {
				m["x"] = 1 // a runtime error, not a plain panic value
				return 0
			})
			if got != -1 {
				t.Errorf("got %d, want -1", got)
			}
			if msg := lastError(); !strings.HasPrefix(msg, "msg: GetMessageProperty: internal error: assignment to entry in nil map") {
				t.Errorf("message %q", msg)
			}
		})
	})
}
