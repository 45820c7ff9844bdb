package main

// Exports of CProducer.h: the send functions other than
// SendMessageTransaction (producer_transaction.go).

/*
#include "capi.h"
*/
import "C"

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
)

// prepare checks the message and the producer of a send and copies the
// message, giving it a fresh UNIQ_KEY that is also written back to the
// caller's message. That is what the C++ library does on every send, and
// what programs see: CSendResult.msgId is then the message's UNIQ_KEY
// property, a message sent again gets a new id, and a transaction executor
// reading the message finds the id it decides about. On failure it records
// why and returns NULL_POINTER or code.
func (cp *cProducer) prepare(c call, code status, msg *C.CMessage, transactional bool) (*producer.Producer, *message.Message, status) {
	m := messageArg(c, msg)
	if m == nil {
		return nil, nil, C.NULL_POINTER
	}
	defer m.mu.Unlock()
	p, err := cp.sender(transactional)
	if err != nil {
		return nil, nil, c.fail(code, err)
	}
	m.setProperty(message.PropertyUniqClientMessageIDKeyIndex, message.DefaultUniqIDGenerator().Next())
	return p, cloneMessage(&m.msg), C.OK
}

// sender returns the core producer for a send, or why there is none.
// Transaction producers send only through SendMessageTransaction, and it
// only through them: upstream keeps the two kinds in different C++ objects
// and crashes on a mix-up.
func (cp *cProducer) sender(transactional bool) (*producer.Producer, error) {
	switch {
	case transactional && cp.kind != kindTransaction:
		return nil, errors.New("the producer was not created by CreateTransactionProducer, which transactions need")
	case !transactional && cp.kind == kindTransaction:
		return nil, errors.New("the producer was created by CreateTransactionProducer: it sends only with SendMessageTransaction")
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	switch cp.state {
	case stateCreated:
		return nil, errors.New("the producer is not started: call StartProducer first")
	case stateRunning:
		return cp.core, nil
	}
	return nil, errors.New("the producer is " + cp.state.String())
}

// resultArg checks the CSendResult* argument of a sync send.
func resultArg(c call, r *C.CSendResult) bool {
	if r == nil {
		c.errorf("result is NULL")
		return false
	}
	return true
}

// SendMessageSync is the C function of syncqueue.c, which calls
// rmqInternalSendMessageSync on its caller's thread or, while another
// SendMessageSync is under way, queues the send for serveSyncSends.
func SendMessageSync(producer *C.CProducer, msg *C.CMessage, result *C.CSendResult) C.int {
	return C.SendMessageSync(producer, msg, result)
}

//export rmqInternalSendMessageSync
func rmqInternalSendMessageSync(producer *C.CProducer, msg *C.CMessage, result *C.CSendResult) C.int {
	return guard("SendMessageSync", C.PRODUCER_SEND_SYNC_FAILED, func(c call) status {
		return sendMessageSync(c, producer, msg, result)
	})
}

func sendMessageSync(c call, producer *C.CProducer, msg *C.CMessage, result *C.CSendResult) status {
	cp, ok := producerArg(c, producer)
	if !ok || !resultArg(c, result) {
		return C.NULL_POINTER
	}
	p, m, st := cp.prepare(c, C.PRODUCER_SEND_SYNC_FAILED, msg, false)
	if st != C.OK {
		return st
	}
	res, err := p.SendSync(context.Background(), m)
	if err != nil {
		return c.fail(C.PRODUCER_SEND_SYNC_FAILED, err)
	}
	fillSendResult(result, res, res.MsgID)
	return C.OK
}

// The queue of SendMessageSync is served from the library's load on, so its
// goroutine is there before anything counts goroutines.
func init() {
	if fd := C.rmq_sync_queue_start(); fd >= 0 {
		go serveSyncSends(os.NewFile(uintptr(fd), "rmq-sync-sends"))
	}
}

// serveSyncSends runs each queued SendMessageSync on a goroutine of its own,
// waiting on the eventfd whenever the queue is empty.
func serveSyncSends(wake *os.File) {
	var buf [8]byte
	for {
		s := C.rmq_sync_take_all()
		if s == nil {
			if _, err := wake.Read(buf[:]); err != nil {
				// Not seen from an eventfd; should it happen, polling still
				// serves the queue, where a panic would end the host process.
				time.Sleep(time.Millisecond)
			}
			continue
		}
		for s != nil {
			next := s.next // s is gone once its send is done
			go sendQueued(s)
			s = next
		}
	}
}

// queuedSends counts the SendMessageSync calls served off their callers'
// threads, so tests can tell that the queue was used.
var queuedSends atomic.Int64

// sendQueued is a queued SendMessageSync; its caller's thread records the
// last error.
func sendQueued(s *C.rmq_sync_send) {
	queuedSends.Add(1)
	rc := guardInto(s, "SendMessageSync", C.PRODUCER_SEND_SYNC_FAILED, func(c call) status {
		return sendMessageSync(c, s.producer, s.msg, s.result)
	})
	C.rmq_sync_done(s, rc)
}

func SendBatchMessage(producer *C.CProducer, batchMsg *C.CBatchMessage, result *C.CSendResult) C.int {
	return guard("SendBatchMessage", C.PRODUCER_SEND_SYNC_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok {
			return C.NULL_POINTER
		}
		b, ok := arg[*cBatch](c, "batchMsg", unsafe.Pointer(batchMsg))
		if !ok || !resultArg(c, result) {
			return C.NULL_POINTER
		}
		p, err := cp.sender(false)
		if err != nil {
			return c.fail(C.PRODUCER_SEND_SYNC_FAILED, err)
		}
		msgs, _ := b.Messages()
		res, err := p.SendBatch(context.Background(), msgs)
		if err != nil {
			return c.fail(C.PRODUCER_SEND_SYNC_FAILED, err)
		}
		// A batch has no id of its own; upstream reports "" and the header
		// promises it (each message's id is its UNIQ_KEY on the broker).
		fillSendResult(result, res, "")
		return C.OK
	})
}

func SendMessageOneway(producer *C.CProducer, msg *C.CMessage) C.int {
	return guard("SendMessageOneway", C.PRODUCER_SEND_ONEWAY_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok {
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ONEWAY_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		if err := p.SendOneway(context.Background(), m); err != nil {
			return c.fail(C.PRODUCER_SEND_ONEWAY_FAILED, err)
		}
		return C.OK
	})
}

// The exports with a void* from the program are nosplit and convert it to an
// integer at once; see CreateTransactionProducer.

//go:nosplit
func SendMessageOnewayOrderly(producer *C.CProducer, msg *C.CMessage, selector C.QueueSelectorCallback, arg unsafe.Pointer) C.int {
	return sendMessageOnewayOrderly(producer, msg, selector, uintptr(arg))
}

func sendMessageOnewayOrderly(producer *C.CProducer, msg *C.CMessage, selector C.QueueSelectorCallback, arg uintptr) C.int {
	return guard("SendMessageOnewayOrderly", C.PRODUCER_SEND_ONEWAY_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok || !selectorArg(c, "selector", selector) {
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ONEWAY_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		if err := p.SendOnewayOrderly(context.Background(), m, cp.selector(selector, unsafe.Pointer(msg), arg)); err != nil {
			return c.fail(C.PRODUCER_SEND_ONEWAY_FAILED, err)
		}
		return C.OK
	})
}

// selectorArg checks a QueueSelectorCallback argument. Upstream calls a NULL
// selector and crashes.
func selectorArg(c call, what string, f C.QueueSelectorCallback) bool {
	if f == nil {
		c.errorf("%s is NULL", what)
		return false
	}
	return true
}

//go:nosplit
func SendMessageOrderly(producer *C.CProducer, msg *C.CMessage, callback C.QueueSelectorCallback, arg unsafe.Pointer, autoRetryTimes C.int, result *C.CSendResult) C.int {
	return sendMessageOrderly(producer, msg, callback, uintptr(arg), autoRetryTimes, result)
}

func sendMessageOrderly(producer *C.CProducer, msg *C.CMessage, callback C.QueueSelectorCallback, arg uintptr, autoRetryTimes C.int, result *C.CSendResult) C.int {
	return guard("SendMessageOrderly", C.PRODUCER_SEND_ORDERLY_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok || !selectorArg(c, "callback", callback) || !resultArg(c, result) {
			return C.NULL_POINTER
		}
		if arg == 0 {
			// Upstream refuses a NULL arg here (only here); programs may test
			// for it, so we do too.
			c.errorf("arg is NULL; SendMessageOrderly requires one, as the C++ library does")
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ORDERLY_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		res, err := p.SendOrderly(context.Background(), m, cp.selector(callback, unsafe.Pointer(msg), arg), int(autoRetryTimes))
		if err != nil {
			return c.fail(C.PRODUCER_SEND_ORDERLY_FAILED, err)
		}
		fillSendResult(result, res, res.MsgID)
		return C.OK
	})
}

func SendMessageOrderlyByShardingKey(producer *C.CProducer, msg *C.CMessage, shardingKey *C.cchar_t, result *C.CSendResult) C.int {
	return guard("SendMessageOrderlyByShardingKey", C.PRODUCER_SEND_ORDERLY_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok {
			return C.NULL_POINTER
		}
		key, ok := cStringArg(c, "shardingKey", shardingKey)
		if !ok || !resultArg(c, result) {
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ORDERLY_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		res, err := p.SendOrderlyByShardingKey(context.Background(), m, key)
		if err != nil {
			return c.fail(C.PRODUCER_SEND_ORDERLY_FAILED, err)
		}
		fillSendResult(result, res, res.MsgID)
		return C.OK
	})
}

// ---- asynchronous sends ----------------------------------------------------------

// sendAsync starts an accepted async send. A send the core does not accept
// (not started, illegal message, ...) gets no callback and fails with code,
// as upstream's synchronous throws do; one that fails later, even before a
// request went out (no route), is reported through its exception callback.
func (cp *cProducer) sendAsync(c call, code status, p *producer.Producer, m *message.Message, s *asyncSend, sel producer.Selector) status {
	var err error
	cp.gate.add()
	if sel != nil {
		err = p.SendOrderlyAsync(context.Background(), m, sel, s.complete)
	} else {
		err = p.SendAsync(context.Background(), m, s.complete)
	}
	if err != nil {
		cp.gate.done()
		return c.fail(code, err)
	}
	return C.OK
}

// callbacksArg checks that both result callbacks are given.
func callbacksArg(c call, ok, fail unsafe.Pointer) bool {
	switch {
	case ok == nil:
		c.errorf("the success callback is NULL")
		return false
	case fail == nil:
		c.errorf("the exception callback is NULL")
		return false
	}
	return true
}

func SendMessageAsync(producer *C.CProducer, msg *C.CMessage, cSendSuccessCallback C.CSendSuccessCallback, cSendExceptionCallback C.CSendExceptionCallback) C.int {
	return guard("SendMessageAsync", C.PRODUCER_SEND_ASYNC_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok || !callbacksArg(c, unsafe.Pointer(cSendSuccessCallback), unsafe.Pointer(cSendExceptionCallback)) {
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ASYNC_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		s := &asyncSend{cp: cp, fn: c.fn, ok: cSendSuccessCallback, fail: cSendExceptionCallback}
		return cp.sendAsync(c, C.PRODUCER_SEND_ASYNC_FAILED, p, m, s, nil)
	})
}

//go:nosplit
func SendAsync(producer *C.CProducer, msg *C.CMessage, cSendSuccessCallback C.COnSendSuccessCallback, cSendExceptionCallback C.COnSendExceptionCallback, userData unsafe.Pointer) C.int {
	return sendAsyncWithData(producer, msg, cSendSuccessCallback, cSendExceptionCallback, uintptr(userData))
}

func sendAsyncWithData(producer *C.CProducer, msg *C.CMessage, onOK C.COnSendSuccessCallback, onFail C.COnSendExceptionCallback, userData uintptr) C.int {
	return guard("SendAsync", C.PRODUCER_SEND_ASYNC_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok || !callbacksArg(c, unsafe.Pointer(onOK), unsafe.Pointer(onFail)) {
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ASYNC_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		// The callbacks get the caller's msg back, as upstream's do; the
		// program keeps it alive until then (CProducer.h says so).
		s := &asyncSend{cp: cp, fn: c.fn, onOK: onOK, onFail: onFail, msg: unsafe.Pointer(msg), userData: userData}
		return cp.sendAsync(c, C.PRODUCER_SEND_ASYNC_FAILED, p, m, s, nil)
	})
}

//go:nosplit
func SendMessageOrderlyAsync(producer *C.CProducer, msg *C.CMessage, callback C.QueueSelectorCallback, arg unsafe.Pointer, cSendSuccessCallback C.CSendSuccessCallback, cSendExceptionCallback C.CSendExceptionCallback) C.int {
	return sendMessageOrderlyAsync(producer, msg, callback, uintptr(arg), cSendSuccessCallback, cSendExceptionCallback)
}

func sendMessageOrderlyAsync(producer *C.CProducer, msg *C.CMessage, callback C.QueueSelectorCallback, arg uintptr, onOK C.CSendSuccessCallback, onFail C.CSendExceptionCallback) C.int {
	return guard("SendMessageOrderlyAsync", C.PRODUCER_SEND_ORDERLYASYNC_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok || !selectorArg(c, "callback", callback) || !callbacksArg(c, unsafe.Pointer(onOK), unsafe.Pointer(onFail)) {
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_ORDERLYASYNC_FAILED, msg, false)
		if st != C.OK {
			return st
		}
		s := &asyncSend{cp: cp, fn: c.fn, ok: onOK, fail: onFail}
		return cp.sendAsync(c, C.PRODUCER_SEND_ORDERLYASYNC_FAILED, p, m, s, cp.selector(callback, unsafe.Pointer(msg), arg))
	})
}
