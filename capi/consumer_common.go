package main

// What producers and both consumers share: the client settings their
// setters record, and how their Start turns them into a client
// configuration; and the group both consumers hand back to C.

/*
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/acl"
	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/log"
	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/core/tlsconfig"
)

// clientSettings are the connection settings of a producer or consumer,
// recorded by its setters and read once by its Start.
type clientSettings struct {
	// addrs is NAMESRV_ADDR's list from creation (upstream reads it in its
	// constructor) until an address is set; envErr is why NAMESRV_ADDR was
	// unusable, reported by Start only if nothing replaced it.
	addrs    []string
	envErr   error
	domain   string
	instance string
	creds    acl.Credentials
	ssl      bool
	sslFile  string
}

func newClientSettings() clientSettings {
	var s clientSettings
	s.addrs, s.envErr = route.NameServerFromEnv()
	if s.envErr != nil {
		s.envErr = fmt.Errorf("%s=%q: %w", route.EnvNameServerAddr, os.Getenv(route.EnvNameServerAddr), s.envErr)
	}
	return s
}

// clientConfig reads the TLS files, which only count at start. The
// address server, when the domain is what names the name servers, is
// asked by the client's Start, and again periodically while it runs.
// setter and domainSetter name the setters in the error text.
func (s clientSettings) clientConfig(setter, domainSetter string) (client.Config, error) {
	cfg := client.Config{NameServerAddrs: s.addrs, InstanceName: s.instance, Logger: log.Logger(),
		RouteSnapshotDir: client.RouteSnapshotDirFromEnv()}
	switch {
	case len(s.addrs) > 0:
	case s.envErr != nil:
		return client.Config{}, s.envErr
	case s.domain != "":
		cfg.NameServerDomain = s.domain
	default:
		return client.Config{}, fmt.Errorf("no name server address: set one with %s, "+
			"the NAMESRV_ADDR environment variable or %s", setter, domainSetter)
	}
	if s.ssl {
		tc, err := tlsconfig.Load(s.sslFile)
		if err != nil {
			return client.Config{}, fmt.Errorf("SSL is on, but: %w", err)
		}
		cfg.Remoting.TLS = tc
	}
	if s.creds.Valid() {
		cfg.Remoting.BeforeRequest = acl.Hook(s.creds)
	}
	return cfg, nil
}

// consumerGroup is a consumer's group, and the copy of it that
// GetXConsumerGroupID hands to C: made on first request, valid until the
// group changes or the consumer is destroyed. Guarded by the consumer's mu.
type consumerGroup struct {
	group  string
	groupC *C.char
}

func (g *consumerGroup) setGroup(v string) {
	if v != g.group {
		g.group = v
		g.freeGroupC()
	}
}

// groupID is Get*ConsumerGroupID's answer: the group as a C string that the
// consumer owns, or NULL once it is destroyed.
func groupID[S any, P interface {
	*S
	groupCString() *C.cchar_t
}](c call, o *object[S]) *C.cchar_t {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state == stateDestroyed {
		c.errorf("consumer %p is not valid: already destroyed", o.handle)
		return nil
	}
	return P(&o.set).groupCString()
}

func (g *consumerGroup) groupCString() *C.cchar_t {
	if g.groupC == nil {
		g.groupC = newCString(g.group)
	}
	return (*C.cchar_t)(g.groupC)
}

func (g *consumerGroup) freeGroupC() {
	C.free(unsafe.Pointer(g.groupC))
	g.groupC = nil
}

// The setters producers and consumers share; each returns a status for the caller's
// guard, after the caller has checked the object and its state.

func setNameServerAddress(c call, s *clientSettings, namesrv *C.cchar_t, fail status) status {
	v, ok := cStringArg(c, "namesrv", namesrv)
	if !ok {
		return C.NULL_POINTER
	}
	v = strings.TrimPrefix(strings.TrimSpace(v), "http://")
	if v == "" {
		// As upstream's empty address: the domain, if any, decides.
		s.addrs, s.envErr = nil, nil
		return C.OK
	}
	addrs, err := route.ParseAddrs(v)
	if err != nil {
		return c.fail(fail, err)
	}
	s.addrs, s.envErr = addrs, nil
	return C.OK
}

func setNameServerDomain(c call, s *clientSettings, domain *C.cchar_t, fail status) status {
	v, ok := cStringArg(c, "domain", domain)
	if !ok {
		return C.NULL_POINTER
	}
	v = strings.TrimSpace(v)
	if v != "" {
		if _, err := route.NameServerURL(v); err != nil {
			return c.fail(fail, err)
		}
	}
	s.domain = v
	return C.OK
}

// channelName is the header's name of the channel parameter, for the error text.
func setCredentials(c call, s *clientSettings, accessKey, secretKey *C.cchar_t, channelName string, channel *C.cchar_t) status {
	ak, ok := cStringArg(c, "accessKey", accessKey)
	if !ok {
		return C.NULL_POINTER
	}
	sk, ok := cStringArg(c, "secretKey", secretKey)
	if !ok {
		return C.NULL_POINTER
	}
	ch, ok := cStringArg(c, channelName, channel)
	if !ok {
		return C.NULL_POINTER
	}
	// Empty keys turn signing off again.
	s.creds = acl.Credentials{AccessKey: ak, SecretKey: sk, Channel: ch}
	return C.OK
}

func setInstanceName(c call, s *clientSettings, name *C.cchar_t) status {
	v, ok := cStringArg(c, "instanceName", name)
	if !ok {
		return C.NULL_POINTER
	}
	s.instance = v
	return C.OK
}

func setSslPropertyFile(c call, s *clientSettings, file *C.cchar_t) status {
	v, ok := cStringArg(c, "sslPropertyFile", file)
	if !ok {
		return C.NULL_POINTER
	}
	s.sslFile = v
	return C.OK
}

// The log settings apply to the whole process, whatever the object's state.

func setLogPath(c call, logPath *C.cchar_t) status {
	v, ok := cStringArg(c, "logPath", logPath)
	if !ok {
		return C.NULL_POINTER
	}
	log.SetPath(v)
	return C.OK
}

func setLogFileNumAndSize(fileNum C.int, fileSize C.long) status {
	size := int64(fileSize)
	if size > math.MaxInt32 {
		size = math.MaxInt32 // MB: more than any disk; int on 32-bit systems
	}
	log.SetFileNumAndSize(int(fileNum), int(size))
	return C.OK
}

func setLogLevel(level C.CLogLevel) status {
	// Values outside CLogLevel mean INFO, as upstream's switch does.
	log.SetLevel(log.Level(level))
	return C.OK
}

// consumerVersion is ShowPush/PullConsumerVersion's text: upstream keeps it
// in a process-wide buffer, so it outlives every consumer. Never freed.
var consumerVersion = sync.OnceValue(func() *C.cchar_t {
	text := versionText()
	return (*C.cchar_t)(newCString(text[:min(len(text), C.MAX_SDK_VERSION_LENGTH-1)]))
})
