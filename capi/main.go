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
// A public function Name is a Go function of that name here, with the C
// types of its header prototype (cgo has no const, so "const char*" is
// spelled *C.cchar_t; see capi.h). It goes through guard (errors.go), which
// takes the C function name once, recovers panics, fails fast once the
// library is poisoned, and returns the upstream status code. Objects cross
// the boundary as handles (handles.go), never as Go pointers. One Go file
// per public header: message.go implements CMessage.h, and so on.
//
// The C symbol itself is written by scripts/gen_exports.py (go generate):
// exports.c defines Name in C with the header's prototype, refusing the call
// before entering Go in a child forked after the library was loaded
// (forkguard.c), and otherwise calling the Go export rmqInternalName that
// exports.go declares. A static assertion there fails the build if Go's
// prototype differs from the header's in any name, parameter, result type
// or const.
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

//go:generate python3 ../scripts/gen_exports.py

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
