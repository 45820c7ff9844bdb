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
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/acl"
	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/log"
	"github.com/rocketmq-go/librocketmq/core/producer"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/core/tlsconfig"
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

type producerState int

const (
	stateCreated producerState = iota
	stateRunning
	stateShutdown
	stateDestroyed
)

func (s producerState) String() string {
	switch s {
	case stateCreated:
		return "not started"
	case stateRunning:
		return "running"
	case stateShutdown:
		return "shut down"
	}
	return "destroyed"
}

// producerSettings are what the setters record. StartProducer reads them
// once; the setters refuse changes after it, which could no longer apply.
type producerSettings struct {
	group string
	// addrs is the name server list: NAMESRV_ADDR's at creation (read then,
	// as upstream reads it in its constructor) until an address is set.
	// envErr is why NAMESRV_ADDR could not be used, reported by Start only
	// if nothing replaced it.
	addrs         []string
	envErr        error
	domain        string
	instance      string
	creds         acl.Credentials
	sendTimeout   time.Duration
	compressLevel int
	levelSet      bool
	compressOver  int
	maxSize       int
	trace         bool
	ssl           bool
	sslFile       string
}

// cProducer is the object behind a CProducer* handle.
type cProducer struct {
	// Fixed at creation.
	handle      unsafe.Pointer
	kind        producerKind
	checker     C.CLocalTransactionCheckerCallback
	checkerData uintptr

	// lifecycle serialises Start, Shutdown and Destroy, which can take
	// seconds. mu guards the fields below it and is only held briefly, so
	// sends and setters never wait behind a Start or a Shutdown.
	lifecycle sync.Mutex
	mu        sync.Mutex
	state     producerState
	set       producerSettings
	core      *producer.Producer
	resolver  *route.DomainResolver
	version   *C.char // ShowProducerVersion's text, freed by Destroy

	gate callbackGate
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
	cp.set.group = group
	cp.set.addrs, cp.set.envErr = route.NameServerFromEnv()
	if cp.set.envErr != nil {
		cp.set.envErr = fmt.Errorf("%s=%q: %w", route.EnvNameServerAddr, os.Getenv(route.EnvNameServerAddr), cp.set.envErr)
	}
	text := versionText()
	cp.version = C.CString(text[:min(len(text), C.MAX_SDK_VERSION_LENGTH-1)])
	cp.handle = newHandle(cp)
	return cp
}

// ---- life cycle ---------------------------------------------------------------

//export CreateProducer
func CreateProducer(groupId *C.cchar_t) *C.CProducer {
	return guardValue("CreateProducer", nil, func(c call) *C.CProducer {
		cp := createProducer(c, groupId, kindNormal, nil, 0)
		if cp == nil {
			return nil
		}
		return (*C.CProducer)(cp.handle)
	})
}

//export CreateOrderlyProducer
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
//export CreateTransactionProducer
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

//export StartProducer
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
	cp.lifecycle.Lock()
	defer cp.lifecycle.Unlock()
	cp.mu.Lock()
	state, s := cp.state, cp.set
	cp.mu.Unlock()
	switch state {
	case stateRunning:
		return nil // as upstream: a second start is a no-op
	case stateShutdown:
		return errors.New("the producer is shut down and cannot start again; create a new one")
	case stateDestroyed:
		return errors.New("the producer is destroyed")
	}
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
	var resolver *route.DomainResolver
	if len(cfg.Client.NameServerAddrs) > 0 && s.domain != "" && len(s.addrs) == 0 {
		resolver = route.NewDomainResolver(p.NameServer(), route.DomainResolverConfig{Domain: s.domain})
		// Its first lookup repeats the one config made; a failure now only
		// means the list config found stays until a later lookup succeeds.
		if err := resolver.Start(context.Background()); err != nil {
			log.Warn("name server lookup failed", "domain", s.domain, "err", err)
		}
	}
	cp.mu.Lock()
	cp.core, cp.resolver, cp.state = p, resolver, stateRunning
	cp.mu.Unlock()
	return nil
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
	addrs := s.addrs
	switch {
	case len(addrs) > 0:
	case s.envErr != nil:
		return cfg, s.envErr
	case s.domain != "":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		found, err := route.LookupNameServers(ctx, s.domain, nil)
		cancel()
		if err != nil {
			return cfg, fmt.Errorf("no name server address: %w", err)
		}
		addrs = found
	default:
		return cfg, errors.New("no name server address: set one with SetProducerNameServerAddress, " +
			"the NAMESRV_ADDR environment variable or SetProducerNameServerDomain")
	}
	var opts remoting.ClientOptions
	if s.ssl {
		tc, err := tlsconfig.Load(s.sslFile)
		if err != nil {
			return cfg, fmt.Errorf("SSL is on, but: %w", err)
		}
		opts.TLS = tc
	}
	if s.creds.Valid() {
		opts.BeforeRequest = acl.Hook(s.creds)
	}
	cfg.Client = client.Config{NameServerAddrs: addrs, InstanceName: s.instance, Remoting: opts, Logger: log.Logger(),
		RouteSnapshotDir: client.RouteSnapshotDirFromEnv()}
	return cfg, nil
}

//export ShutdownProducer
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
		cp.lifecycle.Lock()
		defer cp.lifecycle.Unlock()
		cp.mu.Lock()
		state := cp.state
		cp.mu.Unlock()
		switch state {
		case stateCreated:
			return C.OK // nothing to stop; it may still be started
		case stateShutdown:
			c.errorf("the producer is already shut down")
			return C.PRODUCER_START_FAILED
		case stateDestroyed:
			c.errorf("producer %p is not valid: already destroyed", producer)
			return C.NULL_POINTER
		}
		cp.shutdown()
		return C.OK
	})
}

// shutdown stops a running producer and returns once none of its callbacks
// can run any more. The caller holds lifecycle.
func (cp *cProducer) shutdown() {
	cp.mu.Lock()
	cp.state = stateShutdown
	p, resolver := cp.core, cp.resolver
	cp.mu.Unlock()
	if resolver != nil {
		resolver.Stop()
	}
	// The core fails every send still pending and gives each accepted async
	// send its callback; it stops waiting for slow callbacks after a while
	// (ErrShutdownTimeout), but CProducer.h promises that none runs once
	// this returns, so the gate waits for the rest.
	if err := p.Shutdown(); err != nil {
		log.Warn("producer shutdown: still waiting for callbacks", "producerGroup", p.Group(), "err", err)
	}
	cp.gate.closeAndWait()
}

//export DestroyProducer
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
		cp.lifecycle.Lock()
		defer cp.lifecycle.Unlock()
		cp.mu.Lock()
		state := cp.state
		cp.mu.Unlock()
		switch state {
		case stateDestroyed:
			c.errorf("producer %p is not valid: already destroyed", producer)
			return C.NULL_POINTER
		case stateRunning:
			cp.shutdown()
		}
		deleteHandle[*cProducer](cp.handle)
		cp.mu.Lock()
		cp.state = stateDestroyed
		C.free(unsafe.Pointer(cp.version))
		cp.version = nil
		cp.mu.Unlock()
		return C.OK
	})
}

//export ShowProducerVersion
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
		cp.mu.Lock()
		defer cp.mu.Unlock()
		if cp.state != stateCreated {
			c.errorf("the producer is %s; settings are read by StartProducer, so set them before it", cp.state)
			return C.PRODUCER_START_FAILED
		}
		return apply(c, &cp.set)
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

//export SetProducerNameServerAddress
func SetProducerNameServerAddress(producer *C.CProducer, namesrv *C.cchar_t) C.int {
	return setProducer("SetProducerNameServerAddress", producer, func(c call, s *producerSettings) status {
		v, ok := cStringArg(c, "namesrv", namesrv)
		if !ok {
			return C.NULL_POINTER
		}
		v = strings.TrimPrefix(strings.TrimSpace(v), "http://")
		if v == "" {
			// No address: the domain, if any, decides, as upstream's empty
			// address does.
			s.addrs, s.envErr = nil, nil
			return C.OK
		}
		addrs, err := route.ParseAddrs(v)
		if err != nil {
			return c.fail(C.PRODUCER_START_FAILED, err)
		}
		s.addrs, s.envErr = addrs, nil
		return C.OK
	})
}

//export SetProducerNameServerDomain
func SetProducerNameServerDomain(producer *C.CProducer, domain *C.cchar_t) C.int {
	return setProducer("SetProducerNameServerDomain", producer, func(c call, s *producerSettings) status {
		v, ok := cStringArg(c, "domain", domain)
		if !ok {
			return C.NULL_POINTER
		}
		v = strings.TrimSpace(v)
		if v != "" {
			if _, err := route.NameServerURL(v); err != nil {
				return c.fail(C.PRODUCER_START_FAILED, err)
			}
		}
		s.domain = v
		return C.OK
	})
}

//export SetProducerGroupName
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

//export SetProducerInstanceName
func SetProducerInstanceName(producer *C.CProducer, instanceName *C.cchar_t) C.int {
	return setProducer("SetProducerInstanceName", producer, func(c call, s *producerSettings) status {
		v, ok := cStringArg(c, "instanceName", instanceName)
		if !ok {
			return C.NULL_POINTER
		}
		s.instance = v
		return C.OK
	})
}

//export SetProducerSessionCredentials
func SetProducerSessionCredentials(producer *C.CProducer, accessKey, secretKey, onsChannel *C.cchar_t) C.int {
	return setProducer("SetProducerSessionCredentials", producer, func(c call, s *producerSettings) status {
		ak, ok := cStringArg(c, "accessKey", accessKey)
		if !ok {
			return C.NULL_POINTER
		}
		sk, ok := cStringArg(c, "secretKey", secretKey)
		if !ok {
			return C.NULL_POINTER
		}
		ch, ok := cStringArg(c, "onsChannel", onsChannel)
		if !ok {
			return C.NULL_POINTER
		}
		// Empty keys turn signing off again.
		s.creds = acl.Credentials{AccessKey: ak, SecretKey: sk, Channel: ch}
		return C.OK
	})
}

//export SetProducerLogPath
func SetProducerLogPath(producer *C.CProducer, logPath *C.cchar_t) C.int {
	return withProducer("SetProducerLogPath", producer, func(c call) status {
		v, ok := cStringArg(c, "logPath", logPath)
		if !ok {
			return C.NULL_POINTER
		}
		log.SetPath(v)
		return C.OK
	})
}

//export SetProducerLogFileNumAndSize
func SetProducerLogFileNumAndSize(producer *C.CProducer, fileNum C.int, fileSize C.long) C.int {
	return withProducer("SetProducerLogFileNumAndSize", producer, func(c call) status {
		size := int64(fileSize)
		if size > math.MaxInt32 {
			size = math.MaxInt32 // MB: more than any disk; int on 32-bit systems
		}
		log.SetFileNumAndSize(int(fileNum), int(size))
		return C.OK
	})
}

//export SetProducerLogLevel
func SetProducerLogLevel(producer *C.CProducer, level C.CLogLevel) C.int {
	return withProducer("SetProducerLogLevel", producer, func(c call) status {
		// Values outside CLogLevel mean INFO, as upstream's switch does.
		log.SetLevel(log.Level(level))
		return C.OK
	})
}

//export SetProducerSendMsgTimeout
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

//export SetProducerCompressLevel
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
//
//export SetProducerCompressMsgBodyOverHowmuch
func SetProducerCompressMsgBodyOverHowmuch(producer *C.CProducer, howmuch C.int) C.int {
	return setProducer("SetProducerCompressMsgBodyOverHowmuch", producer, func(c call, s *producerSettings) status {
		// Upstream compresses bodies of at least howmuch bytes; with 0 or less
		// that is every body, and bodies are never empty.
		s.compressOver = max(int(howmuch), 1)
		return C.OK
	})
}

//export SetProducerMaxMessageSize
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

//export SetProducerMessageTrace
func SetProducerMessageTrace(producer *C.CProducer, openTrace C.CTraceModel) C.int {
	return setProducer("SetProducerMessageTrace", producer, func(c call, s *producerSettings) status {
		s.trace = openTrace == C.OPEN
		return C.OK
	})
}

//export SetProducerSsl
func SetProducerSsl(producer *C.CProducer, enableSsl C.int) C.int {
	return setProducer("SetProducerSsl", producer, func(c call, s *producerSettings) status {
		s.ssl = enableSsl != 0
		return C.OK
	})
}

//export SetProducerSslPropertyFile
func SetProducerSslPropertyFile(producer *C.CProducer, sslPropertyFile *C.cchar_t) C.int {
	return setProducer("SetProducerSslPropertyFile", producer, func(c call, s *producerSettings) status {
		v, ok := cStringArg(c, "sslPropertyFile", sslPropertyFile)
		if !ok {
			return C.NULL_POINTER
		}
		s.sslFile = v
		return C.OK
	})
}
