package main

// C callbacks of the producer: the trampolines that call them, the structs
// they receive, and the bookkeeping that lets ShutdownProducer promise that
// none runs after it returns.
//
// This file has no //export on purpose: cgo copies the preamble of files
// with exports into _cgo_export.h, compiling it twice, and the thread-local
// frame list below must exist once.

/*
#include <stdint.h>
#include <string.h>
#include "capi.h"

// The C callbacks running on this thread, innermost first. Shutdown and
// Destroy of a producer whose callback is on this list would wait for that
// callback to return, that is for themselves; they refuse instead. A list,
// not one slot, because callbacks nest: an async callback of one producer
// may send orderly with another, whose selector then runs inside it.
typedef struct rmq_cb_frame {
	uintptr_t producer;
	struct rmq_cb_frame *prev;
} rmq_cb_frame;

static __thread rmq_cb_frame *rmq_cb_top;

static int rmq_in_callback_of(uintptr_t producer) {
	const rmq_cb_frame *f;
	for (f = rmq_cb_top; f != NULL; f = f->prev) {
		if (f->producer == producer) return 1;
	}
	return 0;
}

#define RMQ_ENTER(p) \
	rmq_cb_frame rmq_frame; \
	rmq_frame.producer = (p); \
	rmq_frame.prev = rmq_cb_top; \
	rmq_cb_top = &rmq_frame
#define RMQ_LEAVE() rmq_cb_top = rmq_frame.prev

// Copies s into dst[cap], NUL-terminated and zero-padded, as strncpy with
// a terminator would; never reads past s, which is not NUL-terminated.
static void rmq_copy_text(char *dst, size_t cap, _GoString_ s) {
	size_t n = _GoStringLen(s);
	if (n > cap - 1) n = cap - 1;
	memset(dst, 0, cap);
	if (n > 0) memcpy(dst, _GoStringPtr(s), n);
}

static void rmq_fill_result(CSendResult *r, int status, _GoString_ id, long long offset) {
	memset(r, 0, sizeof *r);
	r->sendStatus = (CSendStatus)status;
	rmq_copy_text(r->msgId, sizeof r->msgId, id);
	r->offset = offset;
}

static void rmq_fill_exception(CMQException *e, int error, int line, _GoString_ file, _GoString_ msg,
                               _GoString_ type) {
	memset(e, 0, sizeof *e);
	e->error = error;
	e->line = line;
	rmq_copy_text(e->file, sizeof e->file, file);
	rmq_copy_text(e->msg, sizeof e->msg, msg);
	rmq_copy_text(e->type, sizeof e->type, type);
}

// The trampolines. Go cannot call a C function pointer, nor build a struct
// that C receives by value; these do both, inside a frame of the list above.
// User data travels as uintptr_t: C programs pass small integers as void*,
// which the Go runtime must never see in a pointer variable.

static int rmq_call_selector(QueueSelectorCallback f, uintptr_t producer, int size, CMessage *msg, uintptr_t arg) {
	int r;
	RMQ_ENTER(producer);
	r = f(size, msg, (void *)arg);
	RMQ_LEAVE();
	return r;
}

static void rmq_call_send_ok(CSendSuccessCallback f, uintptr_t producer, int status, _GoString_ id, long long offset) {
	CSendResult r;
	rmq_fill_result(&r, status, id, offset);
	{
		RMQ_ENTER(producer);
		f(r);
		RMQ_LEAVE();
	}
}

static void rmq_call_send_fail(CSendExceptionCallback f, uintptr_t producer, int error, int line, _GoString_ file,
                               _GoString_ msg, _GoString_ type) {
	CMQException e;
	rmq_fill_exception(&e, error, line, file, msg, type);
	{
		RMQ_ENTER(producer);
		f(e);
		RMQ_LEAVE();
	}
}

static void rmq_call_on_send_ok(COnSendSuccessCallback f, uintptr_t producer, int status, _GoString_ id,
                                long long offset, CMessage *msg, uintptr_t data) {
	CSendResult r;
	rmq_fill_result(&r, status, id, offset);
	{
		RMQ_ENTER(producer);
		f(r, msg, (void *)data);
		RMQ_LEAVE();
	}
}

static void rmq_call_on_send_fail(COnSendExceptionCallback f, uintptr_t producer, int error, int line,
                                  _GoString_ file, _GoString_ text, _GoString_ type, CMessage *msg, uintptr_t data) {
	CMQException e;
	rmq_fill_exception(&e, error, line, file, text, type);
	{
		RMQ_ENTER(producer);
		f(e, msg, (void *)data);
		RMQ_LEAVE();
	}
}

static int rmq_call_executor(CLocalTransactionExecutorCallback f, uintptr_t producer, CMessage *msg, uintptr_t data) {
	int r;
	RMQ_ENTER(producer);
	r = (int)f((CProducer *)producer, msg, (void *)data);
	RMQ_LEAVE();
	return r;
}

static int rmq_call_checker(CLocalTransactionCheckerCallback f, uintptr_t producer, CMessageExt *msg,
                            uintptr_t data) {
	int r;
	RMQ_ENTER(producer);
	r = (int)f((CProducer *)producer, msg, (void *)data);
	RMQ_LEAVE();
	return r;
}
*/
import "C"

import (
	"errors"
	"runtime"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// inCallbackOf reports whether the calling thread is inside a C callback of
// the producer with handle h (an async result, a selector, a transaction
// executor or checker).
func inCallbackOf(h unsafe.Pointer) bool {
	return C.rmq_in_callback_of(C.uintptr_t(uintptr(h))) != 0
}

// fillSendResult writes r into the caller's CSendResult.
func fillSendResult(out *C.CSendResult, r *producer.SendResult, id string) {
	C.rmq_fill_result(out, C.int(r.Status), id, C.longlong(r.QueueOffset))
}

// callbackGate counts the C callbacks of one producer that may still run, so
// that ShutdownProducer can wait for the last of them. Async results are
// counted from the moment a send is accepted: every accepted send owes its
// program exactly one callback, even while shutting down. Transaction checks
// are counted only while they run, and none starts once the gate is closed:
// the broker asks again later.
type callbackGate struct {
	mu     sync.Mutex
	idle   sync.Cond
	n      int
	closed bool
}

// add counts a callback that must run whatever happens.
func (g *callbackGate) add() {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
}

// tryAdd counts a callback that may be skipped, unless the gate is closed.
func (g *callbackGate) tryAdd() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *callbackGate) done() {
	g.mu.Lock()
	g.n--
	if g.n == 0 && g.idle.L != nil {
		g.idle.Broadcast()
	}
	g.mu.Unlock()
}

// closeAndWait stops skippable callbacks from starting and waits, without a
// bound, until no callback runs or is owed. The producer's Shutdown has
// failed every pending send by then, so only a callback that blocks can
// hold it up; the header tells programs not to.
func (g *callbackGate) closeAndWait() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.idle.L == nil {
		g.idle.L = &g.mu
	}
	for g.n > 0 {
		g.idle.Wait()
	}
}

// asyncSend is one accepted async send: which C callbacks to call and with
// what. Exactly one of its callbacks runs, on a library goroutine.
type asyncSend struct {
	cp *cProducer
	fn string // the export, named in the exception's text
	// SendMessageAsync and SendMessageOrderlyAsync.
	ok   C.CSendSuccessCallback
	fail C.CSendExceptionCallback
	// SendAsync, which also hands back the caller's message and data.
	onOK     C.COnSendSuccessCallback
	onFail   C.COnSendExceptionCallback
	msg      unsafe.Pointer // the caller's CMessage* handle
	userData uintptr
}

// complete is the producer core's callback. A result with an error means
// the broker stored the message without SEND_OK on every attempt; upstream
// reports such a status through the success callback, and so do we.
func (s *asyncSend) complete(res *producer.SendResult, err error) {
	defer s.cp.gate.done()
	h := C.uintptr_t(uintptr(s.cp.handle))
	if res != nil {
		id := res.MsgID
		switch {
		case s.onOK != nil:
			C.rmq_call_on_send_ok(s.onOK, h, C.int(res.Status), id, C.longlong(res.QueueOffset),
				(*C.CMessage)(s.msg), C.uintptr_t(s.userData))
		default:
			C.rmq_call_send_ok(s.ok, h, C.int(res.Status), id, C.longlong(res.QueueOffset))
		}
		return
	}
	e := exceptionOf(s.fn, err)
	switch {
	case s.onFail != nil:
		C.rmq_call_on_send_fail(s.onFail, h, C.int(e.code), C.int(e.line), e.file, e.msg, e.kind,
			(*C.CMessage)(s.msg), C.uintptr_t(s.userData))
	default:
		C.rmq_call_send_fail(s.fail, h, C.int(e.code), C.int(e.line), e.file, e.msg, e.kind)
	}
}

// exception is the content of a CMQException.
type exception struct {
	code, line      int
	file, msg, kind string
}

// exceptionOf describes err as the C++ library's exception classes would:
// a broker's refusal carries the broker's response code, anything else -1.
// file and line name where the failure reached the C API; the text starts
// with "msg: " like GetLatestErrorMessage's.
func exceptionOf(fn string, err error) exception {
	_, file, line, _ := runtime.Caller(0)
	e := exception{code: -1, line: line, file: file, kind: "MQClientException"}
	var be *remoting.Error
	switch {
	case errors.As(err, &be):
		e.code, e.kind = int(be.Code), "MQBrokerException"
	case errors.Is(err, remoting.ErrTimeout), errors.Is(err, remoting.ErrClosed):
		e.kind = "RemotingException"
	}
	if err == nil {
		err = errors.New("unknown failure")
	}
	e.msg = truncateUTF8("msg: "+fn+": "+err.Error(), C.MAX_EXEPTION_MSG_LENGTH-1)
	e.file = truncateUTF8(e.file, C.MAX_EXEPTION_FILE_LENGTH-1)
	return e
}

// truncateUTF8 cuts s to at most n bytes without splitting a character, so
// that a fixed C array never ends in half of one.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// selector runs the C selector of an orderly send on the calling
// goroutine, which the producer core guarantees is the export's, so the
// selector runs on the thread that called the send function. Its answer is
// taken modulo size, negative ones too, as CProducer.h promises.
func (cp *cProducer) selector(sel C.QueueSelectorCallback, msg unsafe.Pointer, arg uintptr) producer.Selector {
	return func(size int, _ *message.Message) int {
		r := int(C.rmq_call_selector(sel, C.uintptr_t(uintptr(cp.handle)), C.int(size), (*C.CMessage)(msg), C.uintptr_t(arg)))
		return ((r % size) + size) % size
	}
}

// callExecutor runs a transaction's local executor with the caller's
// message, on the calling goroutine (the export's, hence the caller's thread).
func (cp *cProducer) callExecutor(f C.CLocalTransactionExecutorCallback, msg unsafe.Pointer, data uintptr) producer.LocalTransactionState {
	r := C.rmq_call_executor(f, C.uintptr_t(uintptr(cp.handle)), (*C.CMessage)(msg), C.uintptr_t(data))
	return transactionState(int(r))
}

// check answers a broker's transaction check through the C checker given to
// CreateTransactionProducer. It runs on the producer core's checker
// goroutine; the message handle lives for the call only.
func (cp *cProducer) check(ext *message.MessageExt) producer.LocalTransactionState {
	if cp.checker == nil || !cp.gate.tryAdd() {
		return producer.Unknown
	}
	defer cp.gate.done()
	h := newMessageExtHandle(ext)
	defer releaseMessageExtHandle(h)
	r := C.rmq_call_checker(cp.checker, C.uintptr_t(uintptr(cp.handle)), (*C.CMessageExt)(h), C.uintptr_t(cp.checkerData))
	return transactionState(int(r))
}

// transactionState maps a CTransactionStatus; anything else is unknown.
func transactionState(r int) producer.LocalTransactionState {
	switch r {
	case C.E_COMMIT_TRANSACTION:
		return producer.CommitMessage
	case C.E_ROLLBACK_TRANSACTION:
		return producer.RollbackMessage
	}
	return producer.Unknown
}
