package main

// C callbacks for the producer tests. Go does not allow cgo in _test.go
// files, so the C side of the tests lives here, as testsupport.go's helpers
// do; the library never calls these functions.
//
// The callbacks record what they receive in one static struct, guarded by a
// mutex, so tests (which do not run in parallel) read it after the fact.

/*
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capi.h"

typedef struct {
	pthread_mutex_t mu;
	pthread_t caller;           // the thread that called the send
	int ok, fail;               // result callbacks run
	int on_caller_thread;       // callbacks run on the caller's thread
	int status;
	long long offset;
	char msg_id[MAX_MESSAGE_ID_LENGTH];
	CMQException exc;           // the last exception, as received
	CMessage *msg;              // the last msg and userData of SendAsync
	uintptr_t data;
	int selector_calls, selector_size, selector_on_caller;
	CMessage *selector_msg;
	CProducer *target;          // what callbacks try to shut down and destroy
	int destroy_rc, shutdown_rc;
	int sleep_ms;               // how long result callbacks block
	int finished;               // result callbacks that ran to the end
	int executor_calls, executor_on_caller, executor_answer;
	char executor_uniq[MAX_MESSAGE_ID_LENGTH];
	char executor_topic[64];
	int checker_calls, checker_answer;
	CProducer *checker_producer;
	uintptr_t checker_data;
	char checker_id[MAX_MESSAGE_ID_LENGTH];
	char checker_topic[64];
} rmq_test_rec;

static rmq_test_rec rmq_test = {PTHREAD_MUTEX_INITIALIZER};

static void rmq_test_reset(void) {
	pthread_mutex_lock(&rmq_test.mu);
	memset((char *)&rmq_test + sizeof rmq_test.mu, 0, sizeof rmq_test - sizeof rmq_test.mu);
	rmq_test.caller = pthread_self();
	rmq_test.destroy_rc = rmq_test.shutdown_rc = -100;
	pthread_mutex_unlock(&rmq_test.mu);
}

static void rmq_test_set_caller(void) { rmq_test.caller = pthread_self(); }

static void rmq_copy(char *dst, size_t cap, const char *s) {
	if (s == NULL) s = "<NULL>";
	strncpy(dst, s, cap - 1);
	dst[cap - 1] = 0;
}

// Runs in every result callback: counts, tries the forbidden calls, blocks.
static void rmq_test_common(void) {
	int sleep_ms;
	if (pthread_equal(pthread_self(), rmq_test.caller)) rmq_test.on_caller_thread++;
	if (rmq_test.target != NULL) {
		rmq_test.destroy_rc = DestroyProducer(rmq_test.target);
		rmq_test.shutdown_rc = ShutdownProducer(rmq_test.target);
	}
	sleep_ms = rmq_test.sleep_ms;
	if (sleep_ms > 0) {
		pthread_mutex_unlock(&rmq_test.mu);
		usleep((useconds_t)sleep_ms * 1000);
		pthread_mutex_lock(&rmq_test.mu);
	}
}

static void rmq_test_ok(CSendResult r) {
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.ok++;
	rmq_test.status = r.sendStatus;
	rmq_test.offset = r.offset;
	memcpy(rmq_test.msg_id, r.msgId, sizeof r.msgId);
	rmq_test_common();
	rmq_test.finished++;
	pthread_mutex_unlock(&rmq_test.mu);
}

static void rmq_test_fail(CMQException e) {
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.fail++;
	rmq_test.exc = e;
	rmq_test_common();
	rmq_test.finished++;
	pthread_mutex_unlock(&rmq_test.mu);
}

static void rmq_test_on_ok(CSendResult r, CMessage *msg, void *data) {
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.msg = msg;
	rmq_test.data = (uintptr_t)data;
	pthread_mutex_unlock(&rmq_test.mu);
	rmq_test_ok(r);
}

static void rmq_test_on_fail(CMQException e, CMessage *msg, void *data) {
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.msg = msg;
	rmq_test.data = (uintptr_t)data;
	pthread_mutex_unlock(&rmq_test.mu);
	rmq_test_fail(e);
}

// Answers the queue given as the integer arg.
static int rmq_test_selector(int size, CMessage *msg, void *arg) {
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.selector_calls++;
	rmq_test.selector_size = size;
	rmq_test.selector_msg = msg;
	if (pthread_equal(pthread_self(), rmq_test.caller)) rmq_test.selector_on_caller++;
	if (rmq_test.target != NULL) {
		rmq_test.destroy_rc = DestroyProducer(rmq_test.target);
		rmq_test.shutdown_rc = ShutdownProducer(rmq_test.target);
	}
	pthread_mutex_unlock(&rmq_test.mu);
	return (int)(intptr_t)arg;
}

// Answers executor_answer; records the UNIQ_KEY it finds on the message.
static CTransactionStatus rmq_test_executor(CProducer *p, CMessage *msg, void *data) {
	int answer;
	(void)p;
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.executor_calls++;
	if (pthread_equal(pthread_self(), rmq_test.caller)) rmq_test.executor_on_caller++;
	rmq_copy(rmq_test.executor_uniq, sizeof rmq_test.executor_uniq, GetOriginMessageProperty(msg, "UNIQ_KEY"));
	// The Python client reads this message with the CMessageExt getters.
	rmq_copy(rmq_test.executor_topic, sizeof rmq_test.executor_topic, GetMessageTopic((CMessageExt *)msg));
	answer = data != NULL ? (int)(intptr_t)data - 1 : rmq_test.executor_answer;
	pthread_mutex_unlock(&rmq_test.mu);
	return (CTransactionStatus)answer;
}

static CTransactionStatus rmq_test_checker(CProducer *p, CMessageExt *msg, void *data) {
	int answer;
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.checker_calls++;
	rmq_test.checker_producer = p;
	rmq_test.checker_data = (uintptr_t)data;
	rmq_copy(rmq_test.checker_id, sizeof rmq_test.checker_id, GetMessageId(msg));
	rmq_copy(rmq_test.checker_topic, sizeof rmq_test.checker_topic, GetMessageTopic(msg));
	answer = rmq_test.checker_answer;
	pthread_mutex_unlock(&rmq_test.mu);
	return (CTransactionStatus)answer;
}

static rmq_test_rec rmq_test_snapshot(void) {
	rmq_test_rec r;
	pthread_mutex_lock(&rmq_test.mu);
	r = rmq_test;
	pthread_mutex_unlock(&rmq_test.mu);
	return r;
}

static void rmq_test_configure(CProducer *target, int sleep_ms, int executor_answer, int checker_answer) {
	pthread_mutex_lock(&rmq_test.mu);
	rmq_test.target = target;
	rmq_test.sleep_ms = sleep_ms;
	rmq_test.executor_answer = executor_answer;
	rmq_test.checker_answer = checker_answer;
	pthread_mutex_unlock(&rmq_test.mu);
}

static CSendSuccessCallback rmq_test_ok_fn(void) { return rmq_test_ok; }
static CSendExceptionCallback rmq_test_fail_fn(void) { return rmq_test_fail; }
static COnSendSuccessCallback rmq_test_on_ok_fn(void) { return rmq_test_on_ok; }
static COnSendExceptionCallback rmq_test_on_fail_fn(void) { return rmq_test_on_fail; }
static QueueSelectorCallback rmq_test_selector_fn(void) { return rmq_test_selector; }
static CLocalTransactionExecutorCallback rmq_test_executor_fn(void) { return rmq_test_executor; }
static CLocalTransactionCheckerCallback rmq_test_checker_fn(void) { return rmq_test_checker; }
*/
import "C"

import "unsafe"

// testRecord is what the test callbacks saw, in Go types.
type testRecord struct {
	ok, fail, onCallerThread    int
	status                      int
	offset                      int64
	msgID                       string
	excError, excLine           int
	excFile, excMsg, excType    string
	excRaw                      []byte // the whole CMQException, to check its padding
	msg                         unsafe.Pointer
	data                        uintptr
	selectorCalls, selectorSize int
	selectorOnCaller            int
	selectorMsg                 unsafe.Pointer
	destroyRC, shutdownRC       int
	finished                    int
	executorCalls               int
	executorOnCaller            int
	executorUniq, executorTopic string
	checkerCalls                int
	checkerProducer             unsafe.Pointer
	checkerData                 uintptr
	checkerID, checkerTopic     string
}

func testReset()     { C.rmq_test_reset() }
func testSetCaller() { C.rmq_test_set_caller() }

// testConfigure sets what the callbacks do: call DestroyProducer and
// ShutdownProducer on target (nil: nothing), block sleepMs, and answer.
func testConfigure(target *C.CProducer, sleepMs, executorAnswer, checkerAnswer int) {
	C.rmq_test_configure(target, C.int(sleepMs), C.int(executorAnswer), C.int(checkerAnswer))
}

func testSnapshot() testRecord {
	r := C.rmq_test_snapshot()
	return testRecord{
		ok: int(r.ok), fail: int(r.fail), onCallerThread: int(r.on_caller_thread),
		status: int(r.status), offset: int64(r.offset), msgID: C.GoString(&r.msg_id[0]),
		excError: int(r.exc.error), excLine: int(r.exc.line),
		excFile: C.GoString(&r.exc.file[0]), excMsg: C.GoString(&r.exc.msg[0]), excType: C.GoString(&r.exc._type[0]),
		excRaw:           C.GoBytes(unsafe.Pointer(&r.exc), C.int(unsafe.Sizeof(r.exc))),
		msg:              unsafe.Pointer(r.msg),
		data:             uintptr(r.data),
		selectorCalls:    int(r.selector_calls),
		selectorSize:     int(r.selector_size),
		selectorOnCaller: int(r.selector_on_caller),
		selectorMsg:      unsafe.Pointer(r.selector_msg),
		destroyRC:        int(r.destroy_rc), shutdownRC: int(r.shutdown_rc),
		finished:      int(r.finished),
		executorCalls: int(r.executor_calls), executorOnCaller: int(r.executor_on_caller),
		executorUniq: C.GoString(&r.executor_uniq[0]), executorTopic: C.GoString(&r.executor_topic[0]),
		checkerCalls:    int(r.checker_calls),
		checkerProducer: unsafe.Pointer(r.checker_producer),
		checkerData:     uintptr(r.checker_data),
		checkerID:       C.GoString(&r.checker_id[0]), checkerTopic: C.GoString(&r.checker_topic[0]),
	}
}

// The test callbacks as the function pointers the exports take.
var (
	testOK       = C.rmq_test_ok_fn()
	testFail     = C.rmq_test_fail_fn()
	testOnOK     = C.rmq_test_on_ok_fn()
	testOnFail   = C.rmq_test_on_fail_fn()
	testSelector = C.rmq_test_selector_fn()
	testExecutor = C.rmq_test_executor_fn()
	testChecker  = C.rmq_test_checker_fn()
)

// testNewResult returns a zeroed CSendResult in C memory; free it with testFreeResult.
func testNewResult() *C.CSendResult {
	return (*C.CSendResult)(C.calloc(1, C.size_t(unsafe.Sizeof(C.CSendResult{}))))
}

func testFreeResult(r *C.CSendResult) { C.free(unsafe.Pointer(r)) }

// testResultFields reads a CSendResult, and whether its msgId array is
// NUL-terminated with zeros after the terminator.
func testResultFields(r *C.CSendResult) (status int, msgID string, offset int64, clean bool) {
	raw := C.GoBytes(unsafe.Pointer(&r.msgId[0]), C.MAX_MESSAGE_ID_LENGTH)
	msgID = C.GoString(&r.msgId[0])
	clean = true
	for _, b := range raw[len(msgID):] {
		if b != 0 {
			clean = false
		}
	}
	return int(r.sendStatus), msgID, int64(r.offset), clean
}

// Names for the C types that producer tests handle.
type (
	cProducerHandle = C.CProducer
	cResult         = C.CSendResult
	cBatchHandle    = C.CBatchMessage
)
