package main

// The push consumer's C callback: its trampoline and the per-thread list
// that lets Shutdown and Destroy see that they were called from inside it.
//
// No //export in this file, on purpose: cgo copies the preamble of files
// with exports into _cgo_export.h, compiling it twice, and the thread-local
// list below must exist once. It is separate from the producer's list
// (producer_async.go): each kind of object only asks about its own callbacks.

/*
#include <stdint.h>
#include "capi.h"

typedef struct rmq_consume_frame {
	uintptr_t consumer;
	struct rmq_consume_frame *prev;
} rmq_consume_frame;

static __thread rmq_consume_frame *rmq_consume_top;

static int rmq_in_consume_of(uintptr_t consumer) {
	const rmq_consume_frame *f;
	for (f = rmq_consume_top; f != NULL; f = f->prev) {
		if (f->consumer == consumer) return 1;
	}
	return 0;
}

// Go cannot call a C function pointer; this does, inside a frame of the
// list, so that the callback's own calls into the library can be told apart.
static int rmq_call_consume(MessageCallBack f, uintptr_t consumer, CMessageExt *msg) {
	int r;
	rmq_consume_frame frame;
	frame.consumer = consumer;
	frame.prev = rmq_consume_top;
	rmq_consume_top = &frame;
	r = f((CPushConsumer *)consumer, msg);
	rmq_consume_top = frame.prev;
	return r;
}
*/
import "C"

import (
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
)

// inConsumeOf reports whether the calling thread is inside a MessageCallBack
// of the push consumer with handle h.
func inConsumeOf(h unsafe.Pointer) bool {
	return C.rmq_in_consume_of(C.uintptr_t(uintptr(h))) != 0
}

// listener adapts the C callback to the core's listener. The core hands
// over what it pulled in batches; upstream's C wrapper calls the callback
// once per message, in order, and at the first non-zero answer gives up on
// the whole batch, messages already acknowledged included. So does this.
//
// The gate makes ShutdownPushConsumer's promise hold even when the core
// stops waiting for slow callbacks: no callback starts once it is closed,
// and Shutdown waits for those running.
func (pc *cPushConsumer) listener(cb C.MessageCallBack) func([]*message.MessageExt) consumer.ConsumeStatus {
	h := C.uintptr_t(uintptr(pc.handle))
	return func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		for _, m := range msgs {
			if !pc.gate.tryAdd() {
				return consumer.ReconsumeLater
			}
			r := callConsume(cb, h, m)
			pc.gate.done()
			if r != 0 {
				return consumer.ReconsumeLater
			}
		}
		return consumer.ConsumeSuccess
	}
}

// callConsume lends m to C for the duration of one call.
func callConsume(cb C.MessageCallBack, h C.uintptr_t, m *message.MessageExt) C.int {
	ext := newMessageExtHandle(m)
	defer releaseMessageExtHandle(ext)
	return C.rmq_call_consume(cb, h, (*C.CMessageExt)(ext))
}
