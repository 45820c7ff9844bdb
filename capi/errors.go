package main

/*
#include "CCommon.h"
#include "capi.h"

// Records a Go string without copying it on the Go side; it is copied into
// the thread's C buffer before this returns.
static inline void rmq_set_last_error_go(_GoString_ s) {
	rmq_set_last_error(_GoStringPtr(s), _GoStringLen(s));
}

// The same for the caller of a queued send.
static inline void rmq_sync_set_error_go(rmq_sync_send *q, _GoString_ s) {
	rmq_sync_set_error(q, _GoStringPtr(s), _GoStringLen(s));
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// The calling thread's last error.
//
// GetLatestErrorMessage returns a message kept in C thread-local storage
// (lasterror.c). An export runs on its C caller's OS thread and its goroutine
// stays locked to that thread until the export returns, so these functions
// act on the caller's thread only when called from the export's own
// goroutine: never from a goroutine the export starts, and never from
// library goroutines (callbacks run there), whose thread is arbitrary.
//
// Upstream never clears the message on success; exports do not either.

// clearLastError forgets the calling thread's last error.
func clearLastError() { C.rmq_clear_last_error() }

// lastError returns a copy of the calling thread's last error ("" if none).
func lastError() string { return C.GoString(C.rmq_last_error()) }

// status is the C int that exports return: a CStatus value (C.OK,
// C.NULL_POINTER, C.PRODUCER_SEND_SYNC_FAILED, ...). An alias, so exports
// declared to return C.int can return it, and tests can name it without cgo.
type status = C.int

// call is what guard hands to an export's body: the C function's name, so
// that messages name it without repeating it in the body.
type call struct {
	fn   string
	sink *C.rmq_sync_send // set: the message goes to this queued send's caller, another thread
}

// errorf records "msg: <fn>: <text>" as the calling thread's last error. The
// "msg: " prefix matches the C++ library's messages, which the Python client
// strips.
func (c call) errorf(format string, args ...any) {
	text := fmt.Sprintf("msg: %s: %s", c.fn, fmt.Sprintf(format, args...))
	if c.sink != nil {
		C.rmq_sync_set_error_go(c.sink, text)
		return
	}
	C.rmq_set_last_error_go(text)
}

// fail records err as the last error and returns code, for one-line error
// returns: `return c.fail(C.PRODUCER_SEND_SYNC_FAILED, err)`.
func (c call) fail(code status, err error) status {
	c.errorf("%v", err)
	return code
}

// Poisoning. After a panic in any export, state shared by the library may be
// half-updated, so every later export fails fast (with its failure code and
// a message saying why) instead of running on it. The stacks of all
// goroutines go to stderr once, at the first panic.
var (
	poisoned   atomic.Bool
	poisonMu   sync.Mutex
	poisonText string // "<fn>: <panic>" of the first panic
	dumpOnce   sync.Once
)

// guard runs body as the implementation of the export named fn and returns
// its status. If the library is poisoned, body does not run: guard records
// why and returns fail. If body panics, guard recovers, poisons the library,
// records "msg: <fn>: internal error: <panic>" and returns fail. A panic must
// never unwind into C, which would kill the process.
//
// fail is the code the export returns for an operation failure (for example
// C.PRODUCER_SEND_SYNC_FAILED; NULL_POINTER for functions that have no other
// failure code).
func guard(fn string, fail status, body func(c call) status) status {
	return guardValue(fn, fail, body)
}

// guardValue is guard for exports whose result is not a status: pointers
// (Create*, Get*) and plain values. fail is returned on a panic or when
// poisoned, typically nil or 0.
func guardValue[T any](fn string, fail T, body func(c call) T) (result T) {
	return guardCall(call{fn: fn}, fail, body)
}

// guardInto is guard for work done for a C thread other than the current one
// (a queued SendMessageSync): the last error goes to s, for its caller's
// thread to record.
func guardInto(s *C.rmq_sync_send, fn string, fail status, body func(c call) status) status {
	return guardCall(call{fn: fn, sink: s}, fail, body)
}

func guardCall[T any](c call, fail T, body func(c call) T) (result T) {
	if poisoned.Load() {
		c.errorf("library disabled by an earlier internal error (%s); restart the process", poisonReason())
		return fail
	}
	defer func() {
		if r := recover(); r != nil {
			poison(c.fn, r)
			c.errorf("internal error: %v", r)
			result = fail
		}
	}()
	return body(c)
}

func poisonReason() string {
	poisonMu.Lock()
	defer poisonMu.Unlock()
	return poisonText
}

// poison marks the library unusable and, the first time, writes the panic
// and every goroutine's stack to stderr. It runs in guard's deferred
// function, so the panicking frames are still on the stack being dumped.
func poison(fn string, r any) {
	poisonMu.Lock()
	if poisonText == "" {
		poisonText = fmt.Sprintf("%s: %v", fn, r)
	}
	poisonMu.Unlock()
	poisoned.Store(true)
	dumpOnce.Do(func() {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		fmt.Fprintf(os.Stderr, "librocketmq: internal error in %s: %v\n"+
			"librocketmq: the library is disabled; every later call fails. Goroutines:\n%s\n",
			fn, r, buf[:n])
	})
}
