package main

// Exports of CProducer.h: creation, life cycle, version and settings. The
// send functions are in producer_send.go, the C callbacks and their
// trampolines in producer_async.go.

/*
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/log"
	"github.com/rocketmq-go/librocketmq/core/producer"
)

// producerKind is the Create* function a producer came from. Orderly
// producers behave as normal ones, as upstream's do; a transaction producer
// sends only through SendMessageTransaction, and only it can.
type producerKind int

const (
	kindNormal producerKind = iota
	kindOrderly
	kindTransaction
)

// producerSettings are what the setters record. StartProducer reads them
// once; the setters refuse changes after it, which could no longer apply.
type producerSettings struct {
	clientSettings
	group         string
	sendTimeout   time.Duration
	compressLevel int
	levelSet      bool
	compressOver  int
	maxSize       int
	trace         bool
}

// cProducer is the object behind a CProducer* handle.
type cProducer struct {
	object[producerSettings]

	// Fixed at creation.
	kind        producerKind
	checker     C.CLocalTransactionCheckerCallback
	checkerData uintptr

	// Guarded by mu.
	core    *producer.Producer
	version *C.char // ShowProducerVersion's text, freed by Destroy
}

// producerArg resolves a CProducer* argument, recording why it is not
// usable (NULL, destroyed, or another kind of handle).
func producerArg(c call, p *C.CProducer) (*cProducer, bool) {
	return arg[*cProducer](c, "producer", unsafe.Pointer(p))
}

// versionText is what ShowProducerVersion shows, in upstream's shape ("CPP
// CORE VERSION: 2.2.0, BUILD TIME: ..."). A Go build records no build time,
// so the commit's time stands in for it when the build has one.
var versionText = sync.OnceValue(func() string {
	version, when := "devel", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			version += "-" + rev[:min(len(rev), 12)]
			if modified == "true" {
				version += "-dirty"
			}
		}
	}
	return fmt.Sprintf("GO CORE VERSION: %s (%s), BUILD TIME: %s", version, runtime.Version(), when)
})

// defaultVersion is ShowProducerVersion's answer without a producer; never freed.
var defaultVersion = (*C.cchar_t)(C.CString(C.DEFAULT_SDK_VERSION))

// createProducer makes the object behind a new CProducer*; every field
// fixed at creation is set before the handle exists.
func createProducer(c call, groupID *C.cchar_t, kind producerKind, checker C.CLocalTransactionCheckerCallback, checkerData uintptr) *cProducer {
	group, ok := cStringArg(c, "groupId", groupID)
	if !ok {
		return nil
	}
	cp := &cProducer{kind: kind, checker: checker, checkerData: checkerData}
	cp.what = "producer"
	cp.set.clientSettings = newClientSettings()
	cp.set.group = group
	text := versionText()
	cp.version = C.CString(text[:min(len(text), C.MAX_SDK_VERSION_LENGTH-1)])
	cp.handle = newHandle(cp)
	return cp
}

// ---- life cycle ---------------------------------------------------------------

func CreateProducer(groupId *C.cchar_t) *C.CProducer {
	return guardValue("CreateProducer", nil, func(c call) *C.CProducer {
		cp := createProducer(c, groupId, kindNormal, nil, 0)
		if cp == nil {
			return nil
		}
		return (*C.CProducer)(cp.handle)
	})
}

func CreateOrderlyProducer(groupId *C.cchar_t) *C.CProducer {
	return guardValue("CreateOrderlyProducer", nil, func(c call) *C.CProducer {
		cp := createProducer(c, groupId, kindOrderly, nil, 0)
		if cp == nil {
			return nil
		}
		return (*C.CProducer)(cp.handle)
	})
}

// CreateTransactionProducer only converts userData and calls the real
// function. C programs pass any value as void*, small integers included; in
// a Go pointer variable such a value makes the runtime abort the process when
// it grows the goroutine's stack. This function is nosplit, so its stack
// never grows while userData is a pointer, and it holds userData as an
// integer from its first instruction on. The other exports with a void*
// parameter from the program do the same.
//
//go:nosplit
func CreateTransactionProducer(groupId *C.cchar_t, callback C.CLocalTransactionCheckerCallback, userData unsafe.Pointer) *C.CProducer {
	return createTransactionProducer(groupId, callback, uintptr(userData))
}

func createTransactionProducer(groupID *C.cchar_t, callback C.CLocalTransactionCheckerCallback, userData uintptr) *C.CProducer {
	return guardValue("CreateTransactionProducer", nil, func(c call) *C.CProducer {
		// A NULL checker is accepted, as upstream accepts it; the broker's
		// checks then stay unanswered and it asks again later.
		cp := createProducer(c, groupID, kindTransaction, callback, userData)
		if cp == nil {
			return nil
		}
		return (*C.CProducer)(cp.handle)
	})
}

func StartProducer(producer *C.CProducer) C.int {
	return guard("StartProducer", C.PRODUCER_START_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok {
			return C.NULL_POINTER
		}
		if err := cp.start(); err != nil {
			return c.fail(C.PRODUCER_START_FAILED, err)
		}
		return C.OK
	})
}

func (cp *cProducer) start() error {
	return cp.object.start(func(s producerSettings) error {
		cfg, err := cp.config(s)
		if err != nil {
			return err
		}
		p, err := producer.New(cfg)
		if err != nil {
			return err
		}
		if err := p.Start(); err != nil {
			return err
		}
		cp.mu.Lock()
		cp.core = p
		cp.mu.Unlock()
		return nil
	})
}

// config turns the settings into the core's configuration, reading what
// only exists at start: the address server's list and the TLS files.
func (cp *cProducer) config(s producerSettings) (producer.Config, error) {
	cfg := producer.Config{
		Group:          s.group,
		SendTimeout:    s.sendTimeout,
		CompressOver:   s.compressOver,
		CompressLevel:  s.compressLevel,
		MaxMessageSize: s.maxSize,
		Trace:          s.trace,
		Logger:         log.Logger(),
	}
	if s.levelSet && s.compressLevel == 0 {
		// zlib's level 0 stores the body as it is, only wrapped and flagged;
		// not compressing at all sends the same bytes, minus the wrapping.
		cfg.CompressLevel, cfg.CompressOver = 0, math.MaxInt
	}
	if cp.kind == kindTransaction {
		cfg.Checker = cp.check
	}
	cl, err := s.clientConfig("SetProducerNameServerAddress", "SetProducerNameServerDomain")
	cfg.Client = cl
	return cfg, err
}

func ShutdownProducer(producer *C.CProducer) C.int {
	return guard("ShutdownProducer", C.PRODUCER_START_FAILED, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok {
			return C.NULL_POINTER
		}
		if inCallbackOf(cp.handle) {
			c.errorf("called from a callback of this producer, which it would wait for; shut it down from another thread")
			return C.PRODUCER_START_FAILED
		}
		switch cp.shutdown(cp.stop) {
		case stateShutdown:
			c.errorf("the producer is already shut down")
			return C.PRODUCER_START_FAILED
		case stateDestroyed:
			c.errorf("producer %p is not valid: already destroyed", producer)
			return C.NULL_POINTER
		}
		// Running, and now stopped; or not started, with nothing to stop
		// and still startable.
		return C.OK
	})
}

// stop shuts the core down and returns once none of the producer's
// callbacks can run any more.
func (cp *cProducer) stop() {
	cp.mu.Lock()
	p := cp.core
	cp.mu.Unlock()
	// The core fails every send still pending and gives each accepted async
	// send its callback; it stops waiting for slow callbacks after a while
	// (ErrShutdownTimeout), but CProducer.h promises that none runs once
	// this returns, so the gate waits for the rest.
	if err := p.Shutdown(); err != nil {
		log.Warn("producer shutdown: still waiting for callbacks", "producerGroup", p.Group(), "err", err)
	}
	cp.gate.closeAndWait()
}

func DestroyProducer(producer *C.CProducer) C.int {
	return guard("DestroyProducer", C.NULL_POINTER, func(c call) status {
		cp, ok := producerArg(c, producer)
		if !ok {
			return C.NULL_POINTER
		}
		if inCallbackOf(cp.handle) {
			c.errorf("called from a callback of this producer, which it would wait for; destroy it from another thread")
			return C.NULL_POINTER
		}
		return cp.destroy(c, cp.stop, func() {
			C.free(unsafe.Pointer(cp.version))
			cp.version = nil
		})
	})
}

func ShowProducerVersion(producer *C.CProducer) *C.cchar_t {
	return guardValue("ShowProducerVersion", defaultVersion, func(c call) *C.cchar_t {
		if producer == nil {
			return defaultVersion
		}
		cp, ok := producerArg(c, producer)
		if !ok {
			return defaultVersion
		}
		cp.mu.Lock()
		defer cp.mu.Unlock()
		if cp.version == nil {
			c.errorf("producer %p is not valid: already destroyed", producer)
			return defaultVersion
		}
		return (*C.cchar_t)(cp.version)
	})
}

// ---- settings -------------------------------------------------------------------

// setProducer runs apply on the settings of a producer that is not started
// yet. Settings are read by StartProducer, so a change afterwards could not
// apply; it is refused with PRODUCER_START_FAILED rather than ignored.
func setProducer(fn string, p *C.CProducer, apply func(c call, s *producerSettings) status) C.int {
	return guard(fn, C.PRODUCER_START_FAILED, func(c call) status {
		cp, ok := producerArg(c, p)
		if !ok {
			return C.NULL_POINTER
		}
		return cp.change(c, "StartProducer", C.PRODUCER_START_FAILED, func(s *producerSettings) status {
			return apply(c, s)
		})
	})
}

// withProducer runs f once p is known to be a live producer, for the
// process-wide log settings, which apply whatever the producer's state.
func withProducer(fn string, p *C.CProducer, f func(c call) status) C.int {
	return guard(fn, C.PRODUCER_START_FAILED, func(c call) status {
		if _, ok := producerArg(c, p); !ok {
			return C.NULL_POINTER
		}
		return f(c)
	})
}

func SetProducerNameServerAddress(producer *C.CProducer, namesrv *C.cchar_t) C.int {
	return setProducer("SetProducerNameServerAddress", producer, func(c call, s *producerSettings) status {
		return setNameServerAddress(c, &s.clientSettings, namesrv, C.PRODUCER_START_FAILED)
	})
}

func SetProducerNameServerDomain(producer *C.CProducer, domain *C.cchar_t) C.int {
	return setProducer("SetProducerNameServerDomain", producer, func(c call, s *producerSettings) status {
		return setNameServerDomain(c, &s.clientSettings, domain, C.PRODUCER_START_FAILED)
	})
}

func SetProducerGroupName(producer *C.CProducer, groupName *C.cchar_t) C.int {
	return setProducer("SetProducerGroupName", producer, func(c call, s *producerSettings) status {
		v, ok := cStringArg(c, "groupName", groupName)
		if !ok {
			return C.NULL_POINTER
		}
		s.group = v
		return C.OK
	})
}

func SetProducerInstanceName(producer *C.CProducer, instanceName *C.cchar_t) C.int {
	return setProducer("SetProducerInstanceName", producer, func(c call, s *producerSettings) status {
		return setInstanceName(c, &s.clientSettings, instanceName)
	})
}

func SetProducerSessionCredentials(producer *C.CProducer, accessKey, secretKey, onsChannel *C.cchar_t) C.int {
	return setProducer("SetProducerSessionCredentials", producer, func(c call, s *producerSettings) status {
		return setCredentials(c, &s.clientSettings, accessKey, secretKey, "onsChannel", onsChannel)
	})
}

func SetProducerLogPath(producer *C.CProducer, logPath *C.cchar_t) C.int {
	return withProducer("SetProducerLogPath", producer, func(c call) status {
		return setLogPath(c, logPath)
	})
}

func SetProducerLogFileNumAndSize(producer *C.CProducer, fileNum C.int, fileSize C.long) C.int {
	return withProducer("SetProducerLogFileNumAndSize", producer, func(c call) status {
		return setLogFileNumAndSize(fileNum, fileSize)
	})
}

func SetProducerLogLevel(producer *C.CProducer, level C.CLogLevel) C.int {
	return withProducer("SetProducerLogLevel", producer, func(c call) status {
		return setLogLevel(level)
	})
}

func SetProducerSendMsgTimeout(producer *C.CProducer, timeout C.int) C.int {
	return setProducer("SetProducerSendMsgTimeout", producer, func(c call, s *producerSettings) status {
		if timeout <= 0 {
			c.errorf("timeout must be positive (ms), not %d", timeout)
			return C.PRODUCER_START_FAILED
		}
		s.sendTimeout = time.Duration(timeout) * time.Millisecond
		return C.OK
	})
}

func SetProducerCompressLevel(producer *C.CProducer, level C.int) C.int {
	return setProducer("SetProducerCompressLevel", producer, func(c call, s *producerSettings) status {
		if level < -1 || level > 9 {
			c.errorf("level must be a zlib level from 0 to 9, or -1; not %d", level)
			return C.PRODUCER_START_FAILED
		}
		s.compressLevel, s.levelSet = int(level), true
		return C.OK
	})
}

// SetProducerCompressMsgBodyOverHowmuch is not declared in any header, but
// upstream's library exports it and programs may have declared it themselves.
func SetProducerCompressMsgBodyOverHowmuch(producer *C.CProducer, howmuch C.int) C.int {
	return setProducer("SetProducerCompressMsgBodyOverHowmuch", producer, func(c call, s *producerSettings) status {
		// Upstream compresses bodies of at least howmuch bytes; with 0 or less
		// that is every body, and bodies are never empty.
		s.compressOver = max(int(howmuch), 1)
		return C.OK
	})
}

func SetProducerMaxMessageSize(producer *C.CProducer, size C.int) C.int {
	return setProducer("SetProducerMaxMessageSize", producer, func(c call, s *producerSettings) status {
		if size <= 0 {
			c.errorf("size must be positive, not %d", size)
			return C.PRODUCER_START_FAILED
		}
		s.maxSize = int(size)
		return C.OK
	})
}

func SetProducerMessageTrace(producer *C.CProducer, openTrace C.CTraceModel) C.int {
	return setProducer("SetProducerMessageTrace", producer, func(c call, s *producerSettings) status {
		s.trace = openTrace == C.OPEN
		return C.OK
	})
}

func SetProducerSsl(producer *C.CProducer, enableSsl C.int) C.int {
	return setProducer("SetProducerSsl", producer, func(c call, s *producerSettings) status {
		s.ssl = enableSsl != 0
		return C.OK
	})
}

func SetProducerSslPropertyFile(producer *C.CProducer, sslPropertyFile *C.cchar_t) C.int {
	return setProducer("SetProducerSslPropertyFile", producer, func(c call, s *producerSettings) status {
		return setSslPropertyFile(c, &s.clientSettings, sslPropertyFile)
	})
}
