package main

// Conversions for the package's tests. Go does not allow cgo in _test.go
// files, so tests that call exports with C arguments get them from here.

/*
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// testCString returns a malloc'ed copy of s; free it with testFree.
func testCString(s string) *C.cchar_t { return (*C.cchar_t)(C.CString(s)) }

// testCBytes returns a malloc'ed copy of b (not NUL-terminated).
func testCBytes(b []byte) *C.cchar_t { return (*C.cchar_t)(C.CBytes(b)) }

func testFree(p *C.cchar_t) { C.free(unsafe.Pointer(p)) }

// testGoString returns the C string p and whether p was non-NULL.
func testGoString(p *C.cchar_t) (string, bool) {
	if p == nil {
		return "", false
	}
	return C.GoString((*C.char)(p)), true
}

// testGoBytes returns the n bytes at p.
func testGoBytes(p *C.cchar_t, n int) []byte { return C.GoBytes(unsafe.Pointer(p), C.int(n)) }

// Casts between handle types, as C programs make them.
func testAsExt(p *C.CMessage) *C.CMessageExt            { return (*C.CMessageExt)(unsafe.Pointer(p)) }
func testAsMessage(p unsafe.Pointer) *C.CMessage        { return (*C.CMessage)(p) }
func testExt(p unsafe.Pointer) *C.CMessageExt           { return (*C.CMessageExt)(p) }
func testAsBatch(p *C.CMessage) *C.CBatchMessage        { return (*C.CBatchMessage)(unsafe.Pointer(p)) }
func testBatchAsMessage(p *C.CBatchMessage) *C.CMessage { return (*C.CMessage)(unsafe.Pointer(p)) }

// Names for the C types that tests handle (they cannot write C.x).
type (
	cchar          = C.cchar_t
	cMessageHandle = C.CMessage
)

// testLatestErrorMessage calls the C function GetLatestErrorMessage, which
// has no Go side (lasterror.c).
func testLatestErrorMessage() *C.cchar_t { return C.GetLatestErrorMessage() }

// setLastError records a formatted message as the calling thread's last
// error, as the exports' call.errorf does without its prefix.
func setLastError(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	C.rmq_set_last_error(cs, C.size_t(len(text)))
}
