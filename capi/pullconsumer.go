package main

// Exports of CPullConsumer.h.

/*
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/consumer"
)

type pullSettings struct {
	clientSettings
	consumerGroup
}

// cPullConsumer is the object behind a CPullConsumer* handle.
type cPullConsumer struct {
	object[pullSettings]

	// Guarded by mu.
	core *consumer.PullConsumer
}

// pullBatch is what CPullResult.pData holds (as a handle): the array of a
// FOUND result and the message handles in it, so that ReleasePullResult
// frees exactly what Pull made, once.
type pullBatch struct {
	list unsafe.Pointer // malloc'ed CMessageExt*[n]
	n    int
}

func pullArg(c call, p *C.CPullConsumer) (*cPullConsumer, bool) {
	return arg[*cPullConsumer](c, "consumer", unsafe.Pointer(p))
}

func CreatePullConsumer(groupId *C.cchar_t) *C.CPullConsumer {
	return guardValue("CreatePullConsumer", nil, func(c call) *C.CPullConsumer {
		group, ok := cStringArg(c, "groupId", groupId)
		if !ok {
			return nil
		}
		pc := &cPullConsumer{}
		pc.what = "consumer"
		pc.set.clientSettings = newClientSettings()
		pc.set.group = group
		pc.handle = newHandle(pc)
		return (*C.CPullConsumer)(pc.handle)
	})
}

func StartPullConsumer(consumer *C.CPullConsumer) C.int {
	return guard("StartPullConsumer", C.PULLCONSUMER_START_FAILED, func(c call) status {
		pc, ok := pullArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		if err := pc.start(); err != nil {
			return c.fail(C.PULLCONSUMER_START_FAILED, err)
		}
		return C.OK
	})
}

func (pc *cPullConsumer) start() error {
	return pc.object.start(func(s pullSettings) error {
		cl, err := s.clientConfig("SetPullConsumerNameServerAddress", "SetPullConsumerNameServerDomain")
		if err != nil {
			return err
		}
		core, err := consumer.NewPull(consumer.PullConfig{Group: s.group, Client: cl, Logger: cl.Logger})
		if err != nil {
			return err
		}
		if err := core.Start(); err != nil {
			return err
		}
		pc.mu.Lock()
		pc.core = core
		pc.mu.Unlock()
		return nil
	})
}

func ShutdownPullConsumer(consumer *C.CPullConsumer) C.int {
	return guard("ShutdownPullConsumer", C.PULLCONSUMER_START_FAILED, func(c call) status {
		pc, ok := pullArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		// OK in every state, as upstream's.
		pc.shutdown(pc.stop)
		return C.OK
	})
}

func (pc *cPullConsumer) stop() {
	pc.mu.Lock()
	core := pc.core
	pc.mu.Unlock()
	core.Shutdown()
}

func DestroyPullConsumer(consumer *C.CPullConsumer) C.int {
	return guard("DestroyPullConsumer", C.NULL_POINTER, func(c call) status {
		pc, ok := pullArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		return pc.destroy(c, pc.stop, func() {
			pc.set.freeGroupC()
		})
	})
}

func ShowPullConsumerVersion(consumer *C.CPullConsumer) *C.cchar_t {
	return guardValue("ShowPullConsumerVersion", nil, func(c call) *C.cchar_t {
		if _, ok := pullArg(c, consumer); !ok {
			return nil
		}
		return consumerVersion()
	})
}

// ---- settings -----------------------------------------------------------------

// setPull runs apply on the settings of a consumer that is not started yet;
// later changes could not apply and are refused.
func setPull(fn string, p *C.CPullConsumer, apply func(c call, s *pullSettings) status) C.int {
	return guard(fn, C.PULLCONSUMER_START_FAILED, func(c call) status {
		pc, ok := pullArg(c, p)
		if !ok {
			return C.NULL_POINTER
		}
		return pc.change(c, "StartPullConsumer", C.PULLCONSUMER_START_FAILED, func(s *pullSettings) status {
			return apply(c, s)
		})
	})
}

func withPull(fn string, p *C.CPullConsumer, f func(c call) status) C.int {
	return guard(fn, C.PULLCONSUMER_START_FAILED, func(c call) status {
		if _, ok := pullArg(c, p); !ok {
			return C.NULL_POINTER
		}
		return f(c)
	})
}

func SetPullConsumerGroupID(consumer *C.CPullConsumer, groupId *C.cchar_t) C.int {
	return setPull("SetPullConsumerGroupID", consumer, func(c call, s *pullSettings) status {
		v, ok := cStringArg(c, "groupId", groupId)
		if !ok {
			return C.NULL_POINTER
		}
		s.setGroup(v)
		return C.OK
	})
}

func GetPullConsumerGroupID(consumer *C.CPullConsumer) *C.cchar_t {
	return guardValue("GetPullConsumerGroupID", nil, func(c call) *C.cchar_t {
		pc, ok := pullArg(c, consumer)
		if !ok {
			return nil
		}
		return groupID(c, &pc.object)
	})
}

func SetPullConsumerNameServerAddress(consumer *C.CPullConsumer, namesrv *C.cchar_t) C.int {
	return setPull("SetPullConsumerNameServerAddress", consumer, func(c call, s *pullSettings) status {
		return setNameServerAddress(c, &s.clientSettings, namesrv, C.PULLCONSUMER_START_FAILED)
	})
}

func SetPullConsumerNameServerDomain(consumer *C.CPullConsumer, domain *C.cchar_t) C.int {
	return setPull("SetPullConsumerNameServerDomain", consumer, func(c call, s *pullSettings) status {
		return setNameServerDomain(c, &s.clientSettings, domain, C.PULLCONSUMER_START_FAILED)
	})
}

func SetPullConsumerSessionCredentials(consumer *C.CPullConsumer, accessKey, secretKey, channel *C.cchar_t) C.int {
	return setPull("SetPullConsumerSessionCredentials", consumer, func(c call, s *pullSettings) status {
		return setCredentials(c, &s.clientSettings, accessKey, secretKey, "channel", channel)
	})
}

func SetPullConsumerLogPath(consumer *C.CPullConsumer, logPath *C.cchar_t) C.int {
	return withPull("SetPullConsumerLogPath", consumer, func(c call) status { return setLogPath(c, logPath) })
}

func SetPullConsumerLogFileNumAndSize(consumer *C.CPullConsumer, fileNum C.int, fileSize C.long) C.int {
	return withPull("SetPullConsumerLogFileNumAndSize", consumer, func(call) status {
		return setLogFileNumAndSize(fileNum, fileSize)
	})
}

func SetPullConsumerLogLevel(consumer *C.CPullConsumer, level C.CLogLevel) C.int {
	return withPull("SetPullConsumerLogLevel", consumer, func(call) status { return setLogLevel(level) })
}

func SetPullConsumerSsl(consumer *C.CPullConsumer, enableSsl C.int) C.int {
	return setPull("SetPullConsumerSsl", consumer, func(c call, s *pullSettings) status {
		s.ssl = enableSsl != 0
		return C.OK
	})
}

func SetPullConsumerSslPropertyFile(consumer *C.CPullConsumer, sslPropertyFile *C.cchar_t) C.int {
	return setPull("SetPullConsumerSslPropertyFile", consumer, func(c call, s *pullSettings) status {
		return setSslPropertyFile(c, &s.clientSettings, sslPropertyFile)
	})
}

// ---- reading ------------------------------------------------------------------

// running returns the core of a started consumer, or records why there is none.
func (pc *cPullConsumer) running(c call) (*consumer.PullConsumer, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.state != stateRunning {
		c.errorf("the consumer is %s; start it with StartPullConsumer first", pc.state)
		return nil, false
	}
	return pc.core, true
}

func FetchSubscriptionMessageQueues(consumer *C.CPullConsumer, topic *C.cchar_t, mqs **C.CMessageQueue, size *C.int) C.int {
	return guard("FetchSubscriptionMessageQueues", C.PULLCONSUMER_FETCH_MQ_FAILED, func(c call) status {
		// The out-parameters say "nothing" whatever happens next, as upstream
		// leaves them on failure.
		if mqs != nil {
			*mqs = nil
		}
		if size != nil {
			*size = 0
		}
		pc, ok := pullArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		t, ok := cStringArg(c, "topic", topic)
		if !ok {
			return C.NULL_POINTER
		}
		if mqs == nil || size == nil {
			c.errorf("mqs and size must not be NULL")
			return C.NULL_POINTER
		}
		core, ok := pc.running(c)
		if !ok {
			return C.PULLCONSUMER_FETCH_MQ_FAILED
		}
		queues, err := core.FetchSubscribeMessageQueues(context.Background(), t)
		if err != nil {
			return c.fail(C.PULLCONSUMER_FETCH_MQ_FAILED, err)
		}
		arr := (*C.CMessageQueue)(C.malloc(C.size_t(len(queues)) * C.size_t(unsafe.Sizeof(C.CMessageQueue{}))))
		if arr == nil {
			c.errorf("out of memory for %d queues", len(queues))
			return C.MALLOC_FAILED
		}
		for i, q := range queues {
			fillQueue(&unsafe.Slice(arr, len(queues))[i], q)
		}
		*mqs, *size = arr, C.int(len(queues))
		return C.OK
	})
}

func ReleaseSubscriptionMessageQueue(mqs *C.CMessageQueue) C.int {
	return guard("ReleaseSubscriptionMessageQueue", C.NULL_POINTER, func(c call) status {
		if mqs == nil {
			c.errorf("mqs is NULL")
			return C.NULL_POINTER
		}
		C.free(unsafe.Pointer(mqs))
		return C.OK
	})
}

// Pull only converts mq and calls the real function: cgo cannot declare a
// const parameter, so the header's const CMessageQueue* arrives through a
// typedef of the const type.
func Pull(consumer *C.CPullConsumer, mq *C.cmessagequeue_t, subExpression *C.cchar_t, offset C.longlong, maxNums C.int) C.CPullResult {
	failed := C.CPullResult{pullStatus: C.E_BROKER_TIMEOUT}
	return guardValue("Pull", failed, func(c call) C.CPullResult {
		pc, ok := pullArg(c, consumer)
		if !ok {
			return failed
		}
		if mq == nil {
			c.errorf("mq is NULL")
			return failed
		}
		expr, ok := cStringArg(c, "subExpression", subExpression)
		if !ok {
			return failed
		}
		core, ok := pc.running(c)
		if !ok {
			return failed
		}
		q := queueOf(mq)
		res, err := core.Pull(context.Background(), q, expr, int64(offset), int(maxNums))
		if err != nil {
			c.errorf("%v", err)
			return failed
		}
		out := C.CPullResult{
			pullStatus:      C.CPullStatus(res.Status),
			nextBeginOffset: C.longlong(res.NextBeginOffset),
			minOffset:       C.longlong(res.MinOffset),
			maxOffset:       C.longlong(res.MaxOffset),
		}
		if len(res.Messages) == 0 {
			// FOUND with every message filtered out by tag stays FOUND, as
			// upstream's does, with no list.
			return out
		}
		n := len(res.Messages)
		list := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0))))
		if list == nil {
			c.errorf("out of memory for %d messages", n)
			return failed
		}
		newMessageExtHandles(unsafe.Slice((*unsafe.Pointer)(list), n), res.Messages)
		out.msgFoundList = (**C.CMessageExt)(list)
		out.size = C.int(n)
		out.pData = newHandle(&pullBatch{list: list, n: n})
		return out
	})
}

func ReleasePullResult(pullResult C.CPullResult) C.int {
	return guard("ReleasePullResult", C.NULL_POINTER, func(c call) status {
		if pullResult.pData == nil || pullResult.msgFoundList == nil || pullResult.size <= 0 {
			c.errorf("the result holds no messages")
			return C.NULL_POINTER
		}
		// pData, not the struct's other fields, says what to free: a copy of
		// the struct may have been changed, or released already.
		b, ok := deleteHandle[*pullBatch](pullResult.pData)
		if !ok {
			c.errorf("the result's messages are already released, or it did not come from Pull")
			return C.NULL_POINTER
		}
		releaseMessageExtHandles(unsafe.Slice((*unsafe.Pointer)(b.list), b.n))
		C.free(b.list)
		return C.OK
	})
}
