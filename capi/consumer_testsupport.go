package main

// The C MessageCallBack of the consumer tests. Go does not allow cgo in
// _test.go files, so it lives here, as producer_testsupport.go's callbacks
// do; the library never calls it. It records every call in one static
// struct, guarded by a mutex.

/*
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capi.h"

#define RMQ_CT_MAX 512

typedef struct {
	pthread_mutex_t mu;
	int calls, finished, running, max_running;
	char bodies[RMQ_CT_MAX][48];
	int reconsume[RMQ_CT_MAX];
	int answer_first;        // what the first delivery of a body starting with "retry" gets
	int sleep_ms;            // how long each call blocks
	CPushConsumer *target;   // what calls try to shut down and destroy
	int destroy_rc, shutdown_rc;
	CPushConsumer *seen;     // the consumer argument of the last call
	int bad_handle_rc;       // a getter on the message after the call, from the next call
} rmq_ct_rec;

static rmq_ct_rec rmq_ct = {PTHREAD_MUTEX_INITIALIZER};

static void rmq_ct_reset(int answer_first, int sleep_ms, CPushConsumer *target) {
	pthread_mutex_lock(&rmq_ct.mu);
	memset((char *)&rmq_ct + sizeof rmq_ct.mu, 0, sizeof rmq_ct - sizeof rmq_ct.mu);
	rmq_ct.answer_first = answer_first;
	rmq_ct.sleep_ms = sleep_ms;
	rmq_ct.target = target;
	rmq_ct.destroy_rc = rmq_ct.shutdown_rc = -100;
	pthread_mutex_unlock(&rmq_ct.mu);
}

static CMessageExt *rmq_ct_last_msg;

static int rmq_ct_callback(CPushConsumer *consumer, CMessageExt *msg) {
	const char *body = GetMessageBody(msg);
	int i, answer = 0, sleep_ms;
	pthread_mutex_lock(&rmq_ct.mu);
	if (rmq_ct_last_msg != NULL) {
		// The previous call's message is no longer valid: its getters fail.
		rmq_ct.bad_handle_rc = GetMessageQueueId(rmq_ct_last_msg);
	}
	rmq_ct_last_msg = msg;
	rmq_ct.running++;
	if (rmq_ct.running > rmq_ct.max_running) rmq_ct.max_running = rmq_ct.running;
	i = rmq_ct.calls++;
	if (i < RMQ_CT_MAX) {
		strncpy(rmq_ct.bodies[i], body ? body : "<NULL>", sizeof rmq_ct.bodies[i] - 1);
		rmq_ct.reconsume[i] = GetMessageReconsumeTimes(msg);
		if (strncmp(rmq_ct.bodies[i], "retry", 5) == 0 && rmq_ct.reconsume[i] == 0) answer = rmq_ct.answer_first;
	}
	rmq_ct.seen = consumer;
	if (rmq_ct.target != NULL) {
		rmq_ct.destroy_rc = DestroyPushConsumer(rmq_ct.target);
		rmq_ct.shutdown_rc = ShutdownPushConsumer(rmq_ct.target);
	}
	sleep_ms = rmq_ct.sleep_ms;
	pthread_mutex_unlock(&rmq_ct.mu);
	if (sleep_ms > 0) usleep((useconds_t)sleep_ms * 1000);
	pthread_mutex_lock(&rmq_ct.mu);
	rmq_ct.running--;
	rmq_ct.finished++;
	pthread_mutex_unlock(&rmq_ct.mu);
	return answer;
}

typedef struct {
	int calls, finished, running, max_running, destroy_rc, shutdown_rc, bad_handle_rc;
	CPushConsumer *seen;
} rmq_ct_counts;

static rmq_ct_counts rmq_ct_get(void) {
	rmq_ct_counts c;
	pthread_mutex_lock(&rmq_ct.mu);
	c.calls = rmq_ct.calls;
	c.finished = rmq_ct.finished;
	c.running = rmq_ct.running;
	c.max_running = rmq_ct.max_running;
	c.destroy_rc = rmq_ct.destroy_rc;
	c.shutdown_rc = rmq_ct.shutdown_rc;
	c.bad_handle_rc = rmq_ct.bad_handle_rc;
	c.seen = rmq_ct.seen;
	pthread_mutex_unlock(&rmq_ct.mu);
	return c;
}

static void rmq_ct_body(int i, char *out, int *reconsume) {
	pthread_mutex_lock(&rmq_ct.mu);
	memcpy(out, rmq_ct.bodies[i], sizeof rmq_ct.bodies[i]);
	*reconsume = rmq_ct.reconsume[i];
	pthread_mutex_unlock(&rmq_ct.mu);
}

static MessageCallBack rmq_ct_cb(void) { return rmq_ct_callback; }
*/
import "C"

import "unsafe"

type ctCounts struct {
	calls, finished, running, maxRunning int
	destroyRC, shutdownRC, badHandleRC   int
	seen                                 unsafe.Pointer
}

type ctDelivery struct {
	body      string
	reconsume int
}

func ctReset(answerFirst, sleepMs int, target *C.CPushConsumer) {
	C.rmq_ct_reset(C.int(answerFirst), C.int(sleepMs), target)
}

func ctGet() ctCounts {
	c := C.rmq_ct_get()
	return ctCounts{int(c.calls), int(c.finished), int(c.running), int(c.max_running),
		int(c.destroy_rc), int(c.shutdown_rc), int(c.bad_handle_rc), unsafe.Pointer(c.seen)}
}

// ctDeliveries returns what the callback recorded, in call order.
func ctDeliveries() []ctDelivery {
	n := min(ctGet().calls, C.RMQ_CT_MAX)
	out := make([]ctDelivery, n)
	var buf [48]C.char
	for i := range n {
		var rc C.int
		C.rmq_ct_body(C.int(i), &buf[0], &rc)
		out[i] = ctDelivery{C.GoString(&buf[0]), int(rc)}
	}
	return out
}

func ctCallback() C.MessageCallBack { return C.rmq_ct_cb() }

// Names for the C types the tests handle.
type (
	cPushHandle  = C.CPushConsumer
	cPullHandle  = C.CPullConsumer
	cQueue       = C.CMessageQueue
	cPullResult  = C.CPullResult
	cMessageExtP = *C.CMessageExt
)

func testQueueAt(mqs *C.CMessageQueue, i int) *C.cmessagequeue_t {
	return (*C.cmessagequeue_t)(&unsafe.Slice(mqs, i+1)[i])
}

func testPullMessages(r C.CPullResult) []*C.CMessageExt {
	if r.msgFoundList == nil {
		return nil
	}
	return unsafe.Slice(r.msgFoundList, int(r.size))
}

func testPullFields(r C.CPullResult) (status int, next, min, max int64, size int) {
	return int(r.pullStatus), int64(r.nextBeginOffset), int64(r.minOffset), int64(r.maxOffset), int(r.size)
}

func testNewIntOut() *C.int { return (*C.int)(C.malloc(C.size_t(unsafe.Sizeof(C.int(0))))) }

func testNewQueueOut() **C.CMessageQueue {
	return (**C.CMessageQueue)(C.malloc(C.size_t(unsafe.Sizeof(uintptr(0)))))
}

func testFreeAny[T any](p *T) { C.free(unsafe.Pointer(p)) }

type cLongLong = C.longlong
