package main

// Exports of CMessage.h, and the message objects behind CMessage* and
// CMessageExt* handles.

/*
#include <string.h>
#include "capi.h"
*/
import "C"

import (
	"strconv"
	"sync"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// msgCore is what both message objects share: a lock, because C programs
// (and the Python client's threads) may call getters of one message from
// several threads, and an unsynchronised map write would kill the process
// rather than fail one call; and the C strings the getters returned.
type msgCore struct {
	mu sync.Mutex
	// dead is set, under mu, when the object is destroyed or released. A
	// call that looked the handle up just before must then fail instead of
	// caching strings nobody will free.
	dead bool
	strs cstrCache
}

func (m *msgCore) core() *msgCore { return m }

// kill marks the object dead and frees its C strings; lock held. Its handle
// must already be deleted, so that no new call can find it.
func (m *msgCore) kill() {
	m.dead = true
	m.strs.free()
}

// anyMessage is either kind of message object. The C++ library's received
// message derives from its outgoing one, so programs pass either handle to
// either family of getters (rocketmq-client-python reads the CMessage of its
// local-transaction executor with the CMessageExt getters); both families
// resolve handles to this interface.
type anyMessage interface {
	core() *msgCore
	// fields returns the message's fields. Call it with the lock held.
	fields() *message.Message
	// stored returns the broker's record fields, or nil for a CMessage.
	// Call it with the lock held.
	stored() *message.MessageExt
}

// cMessage is the object behind a CMessage* handle: an outgoing message that
// the C program owns.
type cMessage struct {
	msgCore
	msg message.Message
	// sysFlag carries SysFlagTransactionPrepared while property TRAN_MSG is
	// "true", as the C++ MQMessage keeps it beside its properties.
	sysFlag int32
}

func (m *cMessage) fields() *message.Message    { return &m.msg }
func (m *cMessage) stored() *message.MessageExt { return nil }

// setTopic and setBody change a field and drop the C copy of its old
// value; lock held.
func (m *cMessage) setTopic(topic string) {
	m.msg.Topic = topic
	m.strs.dropSlot(slotTopic)
}

func (m *cMessage) setBody(body []byte) {
	m.msg.Body = body
	m.strs.dropSlot(slotBody)
}

// setProperty sets or, for "", removes property key; lock held. It is the
// one place properties change, so that the C copy of the old value is
// dropped and the transaction mark follows TRAN_MSG.
func (m *cMessage) setProperty(key, value string) {
	if value == "" {
		m.msg.RemoveProperty(key)
	} else {
		m.msg.SetProperty(key, value)
	}
	m.strs.dropProp(key)
	switch key {
	case message.PropertyTransactionPrepared:
		// Exactly "true", as in the C++ library; anything else clears it.
		if value == "true" {
			m.sysFlag |= message.SysFlagTransactionPrepared
		} else {
			m.sysFlag &^= message.SysFlagTransactionPrepared
		}
	case message.PropertyUniqClientMessageIDKeyIndex:
		// GetMessageId on a CMessage answers with UNIQ_KEY.
		m.strs.dropSlot(slotID)
	}
}

// SetProperty sets property key of the message behind a handle, for the
// producer exports (a send writes the generated UNIQ_KEY back to the
// caller's message, as the C++ library does). It takes the lock.
func (m *cMessage) SetProperty(key, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setProperty(key, value)
}

// Clone returns a deep copy of the message and its sysFlag, for sends and
// batches, which must not see the caller's later changes. It takes the lock.
func (m *cMessage) Clone() (*message.Message, int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cloneMessage(&m.msg), m.sysFlag
}

// cloneMessageArg is what a send export does with its CMessage* argument:
// resolve it and copy the message, recording why on failure (NULL,
// destroyed, or a CMessageExt). The copy is the caller's to change (to add
// UNIQ_KEY, compress the body, ...).
func cloneMessageArg(c call, p *C.CMessage) (*message.Message, int32, bool) {
	m := messageArg(c, p)
	if m == nil {
		return nil, 0, false
	}
	defer m.mu.Unlock()
	return cloneMessage(&m.msg), m.sysFlag, true
}

func cloneMessage(src *message.Message) *message.Message {
	dst := &message.Message{
		Topic:         src.Topic,
		Flag:          src.Flag,
		Body:          append([]byte(nil), src.Body...),
		TransactionID: src.TransactionID,
	}
	if len(src.Properties) > 0 {
		dst.Properties = make(map[string]string, len(src.Properties))
		for k, v := range src.Properties {
			dst.Properties[k] = v
		}
	}
	return dst
}

// messageArg resolves a CMessage* argument that the export will read or
// change (not a CMessageExt, which belongs to the library) and locks it.
// On failure it records why and returns nil. The caller unlocks m.mu.
func messageArg(c call, p *C.CMessage) *cMessage {
	m, ok := lookup[*cMessage](unsafe.Pointer(p))
	if !ok {
		if _, isExt := lookup[*cMessageExt](unsafe.Pointer(p)); isExt {
			c.errorf("msg %p is a received message (CMessageExt), which belongs to the library and cannot be changed", p)
			return nil
		}
		arg[*cMessage](c, "msg", unsafe.Pointer(p)) // records the error
		return nil
	}
	m.mu.Lock()
	if m.dead {
		m.mu.Unlock()
		c.errorf("msg %p is not valid: already destroyed", p)
		return nil
	}
	return m
}

// lockAnyMessage resolves a handle of either message kind and locks it. On
// failure it records why and returns nil. The caller unlocks o.core().mu.
func lockAnyMessage(c call, p unsafe.Pointer) anyMessage {
	o, ok := arg[anyMessage](c, "msg", p)
	if !ok {
		return nil
	}
	core := o.core()
	core.mu.Lock()
	if core.dead {
		core.mu.Unlock()
		c.errorf("msg %p is not valid: already destroyed or released", p)
		return nil
	}
	return o
}

// withMessage runs set on the CMessage behind p, locked, and returns OK, or
// NULL_POINTER if p is not a live CMessage.
func withMessage(fn string, p *C.CMessage, set func(c call, m *cMessage) status) status {
	return guard(fn, C.NULL_POINTER, func(c call) status {
		m := messageArg(c, p)
		if m == nil {
			return C.NULL_POINTER
		}
		defer m.mu.Unlock()
		return set(c, m)
	})
}

// readMessage runs get on the message of either kind behind p, locked, and
// returns its result, or fail if p is not a live message.
func readMessage[T any](fn string, p unsafe.Pointer, fail T, get func(c call, o anyMessage) T) T {
	return guardValue(fn, fail, func(c call) T {
		o := lockAnyMessage(c, p)
		if o == nil {
			return fail
		}
		defer o.core().mu.Unlock()
		return get(c, o)
	})
}

// cStringArg checks a required string argument: NULL records an error
// naming it. The result is a copy, safe to keep.
func cStringArg(c call, what string, p *C.cchar_t) (string, bool) {
	if p == nil {
		c.errorf("%s is NULL", what)
		return "", false
	}
	return C.GoString((*C.char)(p)), true
}

// atoi reads a property the way the C++ library's getters do (C atoi):
// leading white space, a sign, then digits up to the first non-digit; 0 if
// there are none. Values beyond int's range are clamped, where atoi's
// behaviour is undefined.
func atoi(s string) int32 {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
		if n > 1<<31 {
			n = 1 << 31
		}
	}
	if neg {
		n = -n
	}
	if n > 1<<31-1 {
		n = 1<<31 - 1
	}
	return int32(n)
}

// ---- exports ---------------------------------------------------------------

func CreateMessage(topic *C.cchar_t) *C.CMessage {
	return guardValue("CreateMessage", nil, func(c call) *C.CMessage {
		m := &cMessage{}
		if topic != nil {
			m.msg.Topic = C.GoString((*C.char)(topic))
		}
		// As the C++ MQMessage constructor does: the broker answers once
		// the message is stored.
		m.msg.SetProperty(message.PropertyWaitStoreMsgOK, "true")
		return (*C.CMessage)(newHandle(m))
	})
}

func DestroyMessage(msg *C.CMessage) C.int {
	return guard("DestroyMessage", C.NULL_POINTER, func(c call) status {
		m, ok := deleteHandle[*cMessage](unsafe.Pointer(msg))
		if !ok {
			if _, isExt := lookup[*cMessageExt](unsafe.Pointer(msg)); isExt {
				c.errorf("msg %p is a received message (CMessageExt), which belongs to the library and cannot be destroyed", msg)
				return C.NULL_POINTER
			}
			arg[*cMessage](c, "msg", unsafe.Pointer(msg))
			return C.NULL_POINTER
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		m.kill()
		return C.OK
	})
}

func SetMessageTopic(msg *C.CMessage, topic *C.cchar_t) C.int {
	return withMessage("SetMessageTopic", msg, func(c call, m *cMessage) status {
		s, ok := cStringArg(c, "topic", topic)
		if !ok {
			return C.NULL_POINTER
		}
		m.setTopic(s)
		return C.OK
	})
}

func SetMessageTags(msg *C.CMessage, tags *C.cchar_t) C.int {
	return withMessage("SetMessageTags", msg, func(c call, m *cMessage) status {
		s, ok := cStringArg(c, "tags", tags)
		if !ok {
			return C.NULL_POINTER
		}
		m.setProperty(message.PropertyTags, s)
		return C.OK
	})
}

func SetMessageKeys(msg *C.CMessage, keys *C.cchar_t) C.int {
	return withMessage("SetMessageKeys", msg, func(c call, m *cMessage) status {
		s, ok := cStringArg(c, "keys", keys)
		if !ok {
			return C.NULL_POINTER
		}
		m.setProperty(message.PropertyKeys, s)
		return C.OK
	})
}

func SetMessageBody(msg *C.CMessage, body *C.cchar_t) C.int {
	return withMessage("SetMessageBody", msg, func(c call, m *cMessage) status {
		if body == nil {
			c.errorf("body is NULL")
			return C.NULL_POINTER
		}
		m.setBody(goBytesN(body, int(C.strlen((*C.char)(body)))))
		return C.OK
	})
}

func SetByteMessageBody(msg *C.CMessage, body *C.cchar_t, length C.int) C.int {
	return withMessage("SetByteMessageBody", msg, func(c call, m *cMessage) status {
		switch {
		case length < 0:
			c.errorf("len is negative (%d)", length)
			return C.NULL_POINTER
		case body == nil && length > 0:
			c.errorf("body is NULL but len is %d", length)
			return C.NULL_POINTER
		}
		m.setBody(goBytesN(body, int(length)))
		return C.OK
	})
}

func SetMessageProperty(msg *C.CMessage, key, value *C.cchar_t) C.int {
	return withMessage("SetMessageProperty", msg, func(c call, m *cMessage) status {
		k, ok := cStringArg(c, "key", key)
		if !ok {
			return C.NULL_POINTER
		}
		v, ok := cStringArg(c, "value", value)
		if !ok {
			return C.NULL_POINTER
		}
		m.setProperty(k, v)
		return C.OK
	})
}

func SetDelayTimeLevel(msg *C.CMessage, level C.int) C.int {
	return withMessage("SetDelayTimeLevel", msg, func(c call, m *cMessage) status {
		// Any level is stored, 0 and negative ones included, as the C++
		// library does; the broker delays only for 1 and up.
		m.setProperty(message.PropertyDelayTimeLevel, strconv.Itoa(int(level)))
		return C.OK
	})
}

// The GetOrigin* getters accept a CMessageExt too, as a cast pointer does in
// C++; they share their implementation with the CMessageExt.h getters.

func GetOriginMessageTopic(msg *C.CMessage) *C.cchar_t {
	return readMessage("GetOriginMessageTopic", unsafe.Pointer(msg), nil, topicOf)
}

func GetOriginMessageTags(msg *C.CMessage) *C.cchar_t {
	return readMessage("GetOriginMessageTags", unsafe.Pointer(msg), nil, tagsOf)
}

func GetOriginMessageKeys(msg *C.CMessage) *C.cchar_t {
	return readMessage("GetOriginMessageKeys", unsafe.Pointer(msg), nil, keysOf)
}

func GetOriginMessageBody(msg *C.CMessage) *C.cchar_t {
	return readMessage("GetOriginMessageBody", unsafe.Pointer(msg), nil, bodyOf)
}

func GetOriginMessageBodyLength(msg *C.CMessage) C.int {
	return readMessage("GetOriginMessageBodyLength", unsafe.Pointer(msg), 0, bodyLengthOf)
}

func GetOriginMessageProperty(msg *C.CMessage, key *C.cchar_t) *C.cchar_t {
	return readMessage("GetOriginMessageProperty", unsafe.Pointer(msg), nil, func(c call, o anyMessage) *C.cchar_t {
		return propertyOf(c, o, key)
	})
}

func GetOriginDelayTimeLevel(msg *C.CMessage) C.int {
	return readMessage("GetOriginDelayTimeLevel", unsafe.Pointer(msg), -1, delayLevelOf)
}

// ---- getters shared by CMessage.h and CMessageExt.h; lock held --------------

func topicOf(_ call, o anyMessage) *C.cchar_t {
	return o.core().strs.slot(slotTopic, o.fields().Topic)
}

func tagsOf(_ call, o anyMessage) *C.cchar_t {
	return o.core().strs.prop(message.PropertyTags, o.fields().Properties)
}

func keysOf(_ call, o anyMessage) *C.cchar_t {
	return o.core().strs.prop(message.PropertyKeys, o.fields().Properties)
}

func bodyOf(_ call, o anyMessage) *C.cchar_t {
	return o.core().strs.bytesSlot(slotBody, o.fields().Body)
}

func bodyLengthOf(_ call, o anyMessage) C.int {
	return C.int(len(o.fields().Body))
}

func propertyOf(c call, o anyMessage, key *C.cchar_t) *C.cchar_t {
	if key == nil {
		c.errorf("key is NULL")
		return nil
	}
	// The key is read in place: it is copied only if the value is cached.
	return o.core().strs.prop(cStringView(key), o.fields().Properties)
}

func delayLevelOf(_ call, o anyMessage) C.int {
	return C.int(atoi(o.fields().Property(message.PropertyDelayTimeLevel)))
}
