// Command capi is the C API of librocketmq-go: built with
// -buildmode=c-shared it becomes librocketmq.so (and with -buildmode=c-archive
// librocketmq.a), exporting the functions declared in ../include with the
// same names, signatures and values as Apache RocketMQ's C client, so
// existing C programs and the Python ctypes client use it unchanged.
//
// The package holds only the C boundary: argument conversion, handles,
// C trampolines for callbacks and the per-thread last error. Client logic
// lives in ../core.
//
// # Writing an export
//
// Every export goes through guard (errors.go), which takes the C function
// name once, recovers panics, fails fast once the library is poisoned, and
// returns the upstream status code. Objects cross the boundary as handles
// (handles.go), never as Go pointers. One Go file per public header:
// errormessage.go implements CErrorMessage.h, and so on.
//
// Each file includes capi.h in its cgo preamble, and capi.h includes every
// public header, so cgo's generated prototypes are compiled against ours: a
// mismatch in a name, parameter or result type fails the build. cgo has no
// const, so "const char*" is spelled *C.cchar_t (see capi.h).
//
// # Environment
//
// Read when a producer or consumer is created (NAMESRV_ADDR, as upstream) or
// started (the rest):
//
//   - NAMESRV_ADDR: the name servers, unless set through the API.
//   - ROCKETMQ_ROUTE_SNAPSHOT_DIR: turns route snapshots on (client.Config's
//     RouteSnapshotDir; upstream has no function for it, and no export is
//     added): routes are saved in this directory, and used when no name
//     server answers for a topic not yet known to the process.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -Wall
// MinGW: lasterror.c and the test callbacks use pthreads (winpthreads) and
// __thread (libgcc's emulated TLS). Both are linked in statically, so that
// librocketmq.dll needs no MinGW runtime DLL next to it.
#cgo windows LDFLAGS: -static-libgcc -Wl,-Bstatic -lwinpthread -Wl,-Bdynamic
#include "CCommon.h"
#include "capi.h"
*/
import "C"

// main is never called: c-shared and c-archive builds need a main package.
func main() {}
