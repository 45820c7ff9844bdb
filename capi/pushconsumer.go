package main

// Exports of CPushConsumer.h. The C callback's trampoline is in
// consumer_callback.go.

/*
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/log"
	"github.com/rocketmq-go/librocketmq/core/message"
)

// pushSettings are what the setters record; StartPushConsumer reads them
// once, so the setters refuse changes after it.
type pushSettings struct {
	clientSettings
	consumerGroup
	subs        map[string]string // topic → expression
	order       []string          // topics in subscription order, for logs
	callback    C.MessageCallBack
	orderly     bool
	threadCount int
	batchMax    int
	model       consumer.MessageModel
	maxCache    int
	trace       bool
}

// The core's models, under names the exports' parameter "consumer" does
// not hide.
const (
	modelBroadcasting = consumer.Broadcasting
	modelClustering   = consumer.Clustering
)

// cPushConsumer is the object behind a CPushConsumer* handle.
type cPushConsumer struct {
	object[pushSettings]

	// Guarded by mu.
	core   *consumer.PushConsumer
	runKey string // its entry in running while it runs
}

// running holds the group and instance of every running push consumer:
// upstream shares one client per process and refuses a second consumer of
// the same group in it, and so do we, though each consumer here has its
// own client.
var (
	runningMu sync.Mutex
	running   = map[string]bool{}
)

func pushArg(c call, p *C.CPushConsumer) (*cPushConsumer, bool) {
	return arg[*cPushConsumer](c, "consumer", unsafe.Pointer(p))
}

func CreatePushConsumer(groupId *C.cchar_t) *C.CPushConsumer {
	return guardValue("CreatePushConsumer", nil, func(c call) *C.CPushConsumer {
		group, ok := cStringArg(c, "groupId", groupId)
		if !ok {
			return nil
		}
		pc := &cPushConsumer{}
		pc.what = "consumer"
		pc.set.clientSettings = newClientSettings()
		pc.set.group = group
		pc.set.subs = map[string]string{}
		pc.set.model = consumer.Clustering
		pc.handle = newHandle(pc)
		return (*C.CPushConsumer)(pc.handle)
	})
}

func StartPushConsumer(consumer *C.CPushConsumer) C.int {
	return guard("StartPushConsumer", C.PUSHCONSUMER_START_FAILED, func(c call) status {
		pc, ok := pushArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		if err := pc.start(); err != nil {
			return c.fail(C.PUSHCONSUMER_START_FAILED, err)
		}
		return C.OK
	})
}

func (pc *cPushConsumer) start() error {
	return pc.object.start(func(s pushSettings) error {
		if s.callback == nil {
			return errors.New("messageListener is null: register a callback with RegisterMessageCallback " +
				"or RegisterMessageCallbackOrderly first")
		}
		if s.group == "" || s.group == message.DefaultConsumerGroup {
			return fmt.Errorf("the group %q cannot consume: set a group of your own", s.group)
		}
		cl, err := s.clientConfig("SetPushConsumerNameServerAddress", "SetPushConsumerNameServerDomain")
		if err != nil {
			return err
		}
		instance := s.instance
		if instance == "" {
			instance = "DEFAULT"
		}
		key := s.group + "\x00" + instance
		runningMu.Lock()
		taken := running[key]
		running[key] = true
		runningMu.Unlock()
		if taken {
			return fmt.Errorf("a consumer of group %q with instance name %q is already running in this process; "+
				"give this one another instance name", s.group, instance)
		}
		core, err := pc.newCore(s, cl)
		if err != nil {
			runningMu.Lock()
			delete(running, key)
			runningMu.Unlock()
			return err
		}
		pc.mu.Lock()
		pc.core, pc.runKey = core, key
		pc.mu.Unlock()
		return nil
	})
}

func (pc *cPushConsumer) newCore(s pushSettings, cl client.Config) (*consumer.PushConsumer, error) {
	cfg := consumer.PushConfig{
		Group:                     s.group,
		Client:                    cl,
		Model:                     s.model,
		ThreadCount:               s.threadCount,
		BatchMaxSize:              s.batchMax,
		MaxCachedMessagesPerQueue: s.maxCache,
		Trace:                     s.trace,
		Logger:                    log.Logger(),
	}
	core, err := consumer.NewPush(cfg)
	if err != nil {
		return nil, err
	}
	for topic, expr := range s.subs {
		if err := core.Subscribe(topic, expr); err != nil {
			return nil, err
		}
	}
	if s.orderly {
		err = core.RegisterOrderlyListener(pc.listener(s.callback))
	} else {
		err = core.RegisterListener(pc.listener(s.callback))
	}
	if err != nil {
		return nil, err
	}
	if err := core.Start(); err != nil {
		core.Shutdown()
		return nil, err
	}
	return core, nil
}

func ShutdownPushConsumer(consumer *C.CPushConsumer) C.int {
	return guard("ShutdownPushConsumer", C.PUSHCONSUMER_START_FAILED, func(c call) status {
		pc, ok := pushArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		if inConsumeOf(pc.handle) {
			c.errorf("called from a callback of this consumer, which it would wait for; shut it down from another thread")
			return C.PUSHCONSUMER_START_FAILED
		}
		if pc.shutdown(pc.stop) == stateDestroyed {
			c.errorf("consumer %p is not valid: already destroyed", consumer)
			return C.NULL_POINTER
		}
		// Upstream: OK also when not started or already shut down.
		return C.OK
	})
}

// stop shuts the core down and returns once none of the consumer's
// callbacks can run.
func (pc *cPushConsumer) stop() {
	pc.mu.Lock()
	core, key := pc.core, pc.runKey
	pc.mu.Unlock()
	if err := core.Shutdown(); err != nil {
		log.Warn("push consumer shutdown", "consumerGroup", core.Group(), "err", err)
	}
	// The core stops waiting for slow callbacks after its timeout; the
	// header promises that none runs once this returns.
	pc.gate.closeAndWait()
	runningMu.Lock()
	delete(running, key)
	runningMu.Unlock()
}

func DestroyPushConsumer(consumer *C.CPushConsumer) C.int {
	return guard("DestroyPushConsumer", C.NULL_POINTER, func(c call) status {
		pc, ok := pushArg(c, consumer)
		if !ok {
			return C.NULL_POINTER
		}
		if inConsumeOf(pc.handle) {
			c.errorf("called from a callback of this consumer, which it would wait for; destroy it from another thread")
			return C.PUSHCONSUMER_START_FAILED
		}
		return pc.destroy(c, pc.stop, func() {
			pc.set.freeGroupC()
		})
	})
}

func ShowPushConsumerVersion(consumer *C.CPushConsumer) *C.cchar_t {
	return guardValue("ShowPushConsumerVersion", nil, func(c call) *C.cchar_t {
		if _, ok := pushArg(c, consumer); !ok {
			return nil
		}
		return consumerVersion()
	})
}

// ---- settings -----------------------------------------------------------------

// setPush runs apply on the settings of a consumer that is not started yet.
// Start reads them, so a change afterwards could not apply; it is refused
// with PUSHCONSUMER_START_FAILED rather than silently ignored.
func setPush(fn string, p *C.CPushConsumer, apply func(c call, s *pushSettings) status) C.int {
	return guard(fn, C.PUSHCONSUMER_START_FAILED, func(c call) status {
		pc, ok := pushArg(c, p)
		if !ok {
			return C.NULL_POINTER
		}
		return pc.change(c, "StartPushConsumer", C.PUSHCONSUMER_START_FAILED, func(s *pushSettings) status {
			return apply(c, s)
		})
	})
}

// withPush runs f once p is known to be a live consumer.
func withPush(fn string, p *C.CPushConsumer, f func(c call) status) C.int {
	return guard(fn, C.PUSHCONSUMER_START_FAILED, func(c call) status {
		if _, ok := pushArg(c, p); !ok {
			return C.NULL_POINTER
		}
		return f(c)
	})
}

func SetPushConsumerGroupID(consumer *C.CPushConsumer, groupId *C.cchar_t) C.int {
	return setPush("SetPushConsumerGroupID", consumer, func(c call, s *pushSettings) status {
		v, ok := cStringArg(c, "groupId", groupId)
		if !ok {
			return C.NULL_POINTER
		}
		s.setGroup(v)
		return C.OK
	})
}

func GetPushConsumerGroupID(consumer *C.CPushConsumer) *C.cchar_t {
	return guardValue("GetPushConsumerGroupID", nil, func(c call) *C.cchar_t {
		pc, ok := pushArg(c, consumer)
		if !ok {
			return nil
		}
		return groupID(c, &pc.object)
	})
}

func SetPushConsumerNameServerAddress(consumer *C.CPushConsumer, namesrv *C.cchar_t) C.int {
	return setPush("SetPushConsumerNameServerAddress", consumer, func(c call, s *pushSettings) status {
		return setNameServerAddress(c, &s.clientSettings, namesrv, C.PUSHCONSUMER_START_FAILED)
	})
}

func SetPushConsumerNameServerDomain(consumer *C.CPushConsumer, domain *C.cchar_t) C.int {
	return setPush("SetPushConsumerNameServerDomain", consumer, func(c call, s *pushSettings) status {
		return setNameServerDomain(c, &s.clientSettings, domain, C.PUSHCONSUMER_START_FAILED)
	})
}

func Subscribe(consumer *C.CPushConsumer, topic, expression *C.cchar_t) C.int {
	return setPush("Subscribe", consumer, func(c call, s *pushSettings) status {
		t, ok := cStringArg(c, "topic", topic)
		if !ok {
			return C.NULL_POINTER
		}
		e, ok := cStringArg(c, "expression", expression)
		if !ok {
			return C.NULL_POINTER
		}
		if t == "" {
			c.errorf("topic is empty")
			return C.PUSHCONSUMER_START_FAILED
		}
		if _, seen := s.subs[t]; !seen {
			s.order = append(s.order, t)
		}
		s.subs[t] = e
		return C.OK
	})
}

func registerCallback(fn string, p *C.CPushConsumer, cb C.MessageCallBack, orderly bool) C.int {
	return setPush(fn, p, func(c call, s *pushSettings) status {
		if cb == nil {
			c.errorf("pCallback is NULL")
			return C.NULL_POINTER
		}
		s.callback, s.orderly = cb, orderly
		return C.OK
	})
}

func RegisterMessageCallbackOrderly(consumer *C.CPushConsumer, pCallback C.MessageCallBack) C.int {
	return registerCallback("RegisterMessageCallbackOrderly", consumer, pCallback, true)
}

func RegisterMessageCallback(consumer *C.CPushConsumer, pCallback C.MessageCallBack) C.int {
	return registerCallback("RegisterMessageCallback", consumer, pCallback, false)
}

// unregister forgets the callback for a later Start. A running consumer
// keeps calling the one it started with: taking it away mid-flight would
// leave pulled messages with nobody to consume them. Always OK, as upstream.
func unregister(fn string, p *C.CPushConsumer, orderly bool) C.int {
	return withPush(fn, p, func(c call) status {
		pc, _ := pushArg(c, p)
		pc.mu.Lock()
		defer pc.mu.Unlock()
		if pc.state == stateCreated && pc.set.orderly == orderly {
			pc.set.callback = nil
		}
		return C.OK
	})
}

func UnregisterMessageCallbackOrderly(consumer *C.CPushConsumer) C.int {
	return unregister("UnregisterMessageCallbackOrderly", consumer, true)
}

func UnregisterMessageCallback(consumer *C.CPushConsumer) C.int {
	return unregister("UnregisterMessageCallback", consumer, false)
}

func SetPushConsumerThreadCount(consumer *C.CPushConsumer, threadCount C.int) C.int {
	return setPush("SetPushConsumerThreadCount", consumer, func(c call, s *pushSettings) status {
		switch {
		case threadCount == 0:
			c.errorf("threadCount is 0")
			return C.NULL_POINTER
		case threadCount > 0:
			s.threadCount = int(threadCount)
		}
		return C.OK
	})
}

func SetPushConsumerMessageBatchMaxSize(consumer *C.CPushConsumer, batchSize C.int) C.int {
	return setPush("SetPushConsumerMessageBatchMaxSize", consumer, func(c call, s *pushSettings) status {
		switch {
		case batchSize == 0:
			c.errorf("batchSize is 0")
			return C.NULL_POINTER
		case batchSize > 0:
			// Only the core's batches grow; the callback still gets one
			// message per call, and a non-zero answer gives up the batch.
			s.batchMax = int(batchSize)
		}
		return C.OK
	})
}

func SetPushConsumerInstanceName(consumer *C.CPushConsumer, instanceName *C.cchar_t) C.int {
	return setPush("SetPushConsumerInstanceName", consumer, func(c call, s *pushSettings) status {
		return setInstanceName(c, &s.clientSettings, instanceName)
	})
}

func SetPushConsumerSessionCredentials(consumer *C.CPushConsumer, accessKey, secretKey, channel *C.cchar_t) C.int {
	return setPush("SetPushConsumerSessionCredentials", consumer, func(c call, s *pushSettings) status {
		return setCredentials(c, &s.clientSettings, accessKey, secretKey, "channel", channel)
	})
}

func SetPushConsumerLogPath(consumer *C.CPushConsumer, logPath *C.cchar_t) C.int {
	return withPush("SetPushConsumerLogPath", consumer, func(c call) status { return setLogPath(c, logPath) })
}

func SetPushConsumerLogFileNumAndSize(consumer *C.CPushConsumer, fileNum C.int, fileSize C.long) C.int {
	return withPush("SetPushConsumerLogFileNumAndSize", consumer, func(call) status {
		return setLogFileNumAndSize(fileNum, fileSize)
	})
}

func SetPushConsumerLogLevel(consumer *C.CPushConsumer, level C.CLogLevel) C.int {
	return withPush("SetPushConsumerLogLevel", consumer, func(call) status { return setLogLevel(level) })
}

func SetPushConsumerMessageModel(consumer *C.CPushConsumer, messageModel C.CMessageModel) C.int {
	return setPush("SetPushConsumerMessageModel", consumer, func(c call, s *pushSettings) status {
		switch messageModel {
		case C.BROADCASTING:
			s.model = modelBroadcasting
		case C.CLUSTERING:
			s.model = modelClustering
		default:
			c.errorf("messageModel must be BROADCASTING (0) or CLUSTERING (1), not %d", messageModel)
			return C.PUSHCONSUMER_START_FAILED
		}
		return C.OK
	})
}

func SetPushConsumerMaxCacheMessageSize(consumer *C.CPushConsumer, maxCacheSize C.int) C.int {
	return setPush("SetPushConsumerMaxCacheMessageSize", consumer, func(c call, s *pushSettings) status {
		if maxCacheSize <= 0 {
			c.errorf("maxCacheSize must be positive, not %d", maxCacheSize)
			return C.NULL_POINTER
		}
		if maxCacheSize < 65535 { // upstream ignores larger values silently
			s.maxCache = int(maxCacheSize)
		}
		return C.OK
	})
}

func SetPushConsumerMaxCacheMessageSizeInMb(consumer *C.CPushConsumer, maxCacheSizeInMb C.int) C.int {
	return withPush("SetPushConsumerMaxCacheMessageSizeInMb", consumer, func(c call) status {
		if maxCacheSizeInMb <= 0 {
			c.errorf("maxCacheSizeInMb must be positive, not %d", maxCacheSizeInMb)
			return C.NULL_POINTER
		}
		c.errorf("not supported, as in the C++ library; the limit stays 100 MiB per queue")
		return C.Not_Support
	})
}

func SetPushConsumerMessageTrace(consumer *C.CPushConsumer, openTrace C.CTraceModel) C.int {
	return setPush("SetPushConsumerMessageTrace", consumer, func(c call, s *pushSettings) status {
		s.trace = openTrace == C.OPEN
		return C.OK
	})
}

func SetPushConsumerSsl(consumer *C.CPushConsumer, enableSsl C.int) C.int {
	return setPush("SetPushConsumerSsl", consumer, func(c call, s *pushSettings) status {
		s.ssl = enableSsl != 0
		return C.OK
	})
}

func SetPushConsumerSslPropertyFile(consumer *C.CPushConsumer, sslPropertyFile *C.cchar_t) C.int {
	return setPush("SetPushConsumerSslPropertyFile", consumer, func(c call, s *pushSettings) status {
		return setSslPropertyFile(c, &s.clientSettings, sslPropertyFile)
	})
}
