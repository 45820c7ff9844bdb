package main

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// Handles: how Go objects cross the C boundary.
//
// C never receives a Go pointer. Each object handed to C (a producer, a
// message, ...) is registered here and C gets an opaque pointer-sized value,
// its handle, typed as the header's opaque pointer (CProducer*, CMessage*, ...).
// Exports turn it back into the Go object with lookup or arg, which reject
// NULL, destroyed and wrong-kind handles with an error instead of crashing.
//
// This plays the role of runtime/cgo.Handle, whose values cannot be used here:
// they are small integers (1, 2, 3, ...), and exports receive handles in
// pointer-typed parameters, where the Go runtime aborts the process with
// "invalid pointer found on stack" if it finds a value below 4096 while
// growing a goroutine stack. cgo.Handle.Value also panics on unknown values.
// So handles are addresses in a range that handlespace.c reserves and never
// backs with memory: never below 4096, never in the Go heap, and a C program
// that dereferences one faults at once.
//
// Handle values are not reused until the whole range has been handed out
// (2^29 handles on 64-bit systems), so a destroyed handle stays invalid
// until then; after that, only values not currently live are reused.

// handleStride keeps handles pointer-aligned.
const handleStride = unsafe.Sizeof(uintptr(0))

type handleTable struct {
	initOnce sync.Once
	mu       sync.RWMutex
	live     map[uintptr]any
	base     unsafe.Pointer // start of the reserved range
	slots    uintptr        // number of handles the range holds
	next     uintptr        // slot of the next handle to try
}

var handles handleTable

func (t *handleTable) init() {
	t.initOnce.Do(func() {
		var size C.size_t
		t.base = C.rmq_handle_space(&size)
		t.slots = uintptr(size) / handleStride
		t.live = make(map[uintptr]any)
	})
}

// newHandle registers v and returns its handle for C, never nil. Convert the
// result to the header's opaque type: (*C.CProducer)(newHandle(p)).
// The caller must eventually release it with deleteHandle.
func newHandle[T any](v T) unsafe.Pointer {
	t := &handles
	t.init()
	if t.base == nil {
		panic("librocketmq: no address range for handles")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for range t.slots {
		slot := t.next
		t.next++
		if t.next == t.slots {
			t.next = 0
		}
		p := unsafe.Add(t.base, slot*handleStride)
		if _, busy := t.live[uintptr(p)]; busy {
			continue
		}
		t.live[uintptr(p)] = v
		return p
	}
	panic(fmt.Sprintf("librocketmq: all %d handles are in use", t.slots))
}

// lookup returns the object registered under handle p if it is live and of
// type T (a concrete type, or an interface the object implements). It
// reports false, without panicking, for NULL, unknown, destroyed and
// wrong-type handles.
func lookup[T any](p unsafe.Pointer) (T, bool) {
	var zero T
	if p == nil {
		return zero, false
	}
	t := &handles
	t.mu.RLock()
	v, ok := t.live[uintptr(p)]
	t.mu.RUnlock()
	if !ok {
		return zero, false
	}
	obj, ok := v.(T)
	return obj, ok
}

// deleteHandle unregisters handle p and returns its object, if p is a live
// handle of type T; otherwise it changes nothing and reports false. After it
// returns true, lookup of p fails.
func deleteHandle[T any](p unsafe.Pointer) (T, bool) {
	var zero T
	if p == nil {
		return zero, false
	}
	t := &handles
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.live[uintptr(p)]
	if !ok {
		return zero, false
	}
	obj, ok := v.(T)
	if ok {
		delete(t.live, uintptr(p))
	}
	return obj, ok
}

// liveHandles returns how many handles are registered (for leak checks).
func liveHandles() int {
	t := &handles
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.live)
}

// arg resolves the handle argument p of an export, named what in messages
// ("producer", "msg"). On failure it records why as the thread's last error
// and reports false; the export then returns C.NULL_POINTER, as the C++
// library does for a NULL object.
func arg[T any](c call, what string, p unsafe.Pointer) (T, bool) {
	obj, ok := lookup[T](p)
	if !ok {
		if p == nil {
			c.errorf("%s is NULL", what)
		} else {
			c.errorf("%s %p is not valid: already destroyed, or not a %s", what, p, what)
		}
	}
	return obj, ok
}
