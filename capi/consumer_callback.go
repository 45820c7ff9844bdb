package main

// The push consumer's C callback: its trampoline and the per-thread list
// that lets Shutdown and Destroy see that they were called from inside it;
// also the C side of the pull consumer's CMessageQueue conversions.
//
// No //export in this file, on purpose: cgo copies the preamble of files
// with exports into _cgo_export.h, compiling it twice, and the thread-local
// list below must exist once. It is separate from the producer's list
// (producer_async.go): each kind of object only asks about its own callbacks.

/*
#include <stdint.h>
#include <string.h>
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

// Fills one entry of FetchSubscriptionMessageQueues' array; names too long
// for their field are cut, never left unterminated.
static void rmq_fill_queue(CMessageQueue *q, _GoString_ topic, _GoString_ broker, int id) {
	size_t n;
	memset(q, 0, sizeof *q);
	n = _GoStringLen(topic);
	if (n > sizeof q->topic - 1) n = sizeof q->topic - 1;
	if (n > 0) memcpy(q->topic, _GoStringPtr(topic), n);
	n = _GoStringLen(broker);
	if (n > sizeof q->brokerName - 1) n = sizeof q->brokerName - 1;
	if (n > 0) memcpy(q->brokerName, _GoStringPtr(broker), n);
	q->queueId = id;
}

// A program's CMessageQueue may lack the terminator; never read past a field.
static size_t rmq_bounded_len(const char *s, size_t cap) {
	size_t n = 0;
	while (n < cap && s[n] != 0) n++;
	return n;
}
*/
import "C"

import (
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// fillQueue writes q into a CMessageQueue of C memory.
func fillQueue(dst *C.CMessageQueue, q route.MessageQueue) {
	C.rmq_fill_queue(dst, q.Topic, q.BrokerName, C.int(q.QueueID))
}

// queueOf reads a program's CMessageQueue.
func queueOf(mq *C.cmessagequeue_t) route.MessageQueue {
	return route.MessageQueue{
		Topic:      C.GoStringN(&mq.topic[0], C.int(C.rmq_bounded_len(&mq.topic[0], C.size_t(len(mq.topic))))),
		BrokerName: C.GoStringN(&mq.brokerName[0], C.int(C.rmq_bounded_len(&mq.brokerName[0], C.size_t(len(mq.brokerName))))),
		QueueID:    int(mq.queueId),
	}
}

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
