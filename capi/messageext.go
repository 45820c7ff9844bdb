package main

// Exports of CMessageExt.h, and the handles of received messages.

/*
#include "capi.h"
*/
import "C"

import (
	"net/netip"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// cMessageExt is the object behind a CMessageExt* handle: a received message
// lent to C for a while (a callback, or until ReleasePullResult). The
// message itself stays a Go object; C strings are made only for the fields
// C reads.
type cMessageExt struct {
	msgCore
	ext *message.MessageExt
}

func (m *cMessageExt) fields() *message.Message    { return &m.ext.Message }
func (m *cMessageExt) stored() *message.MessageExt { return m.ext }

// newMessageExtHandle lends ext to C: the result, converted to
// *C.CMessageExt, is what a MessageCallBack, a transaction check callback or
// CPullResult.msgFoundList hands out. ext must not change while lent (the
// getters read it without copying). Every handle must be given back with
// releaseMessageExtHandle once C may no longer use it: when the callback
// returns, or in ReleasePullResult.
//
// It costs one small object and a handle; strings are copied to C only when
// a getter asks for them.
func newMessageExtHandle(ext *message.MessageExt) unsafe.Pointer {
	return newHandle(&cMessageExt{ext: ext})
}

// releaseMessageExtHandle ends the loan of a handle from
// newMessageExtHandle: later calls with it fail with an error, and the C
// strings its getters returned are freed. It reports false, changing
// nothing, if p is not a live CMessageExt handle.
func releaseMessageExtHandle(p unsafe.Pointer) bool {
	m, ok := deleteHandle[*cMessageExt](p)
	if !ok {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kill()
	m.ext = nil // a stale handle must not keep a pulled batch reachable
	return true
}

// newMessageExtHandles lends each of msgs, writing the handles to dst,
// which must be at least as long (for a pull, a view of the C array:
// unsafe.Slice((*unsafe.Pointer)(list), n)).
func newMessageExtHandles(dst []unsafe.Pointer, msgs []*message.MessageExt) {
	for i, m := range msgs {
		dst[i] = newMessageExtHandle(m)
	}
}

// releaseMessageExtHandles releases every handle of hs.
func releaseMessageExtHandles(hs []unsafe.Pointer) {
	for _, h := range hs {
		releaseMessageExtHandle(h)
	}
}

// ---- exports ---------------------------------------------------------------

func GetMessageTopic(msgExt *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageTopic", unsafe.Pointer(msgExt), nil, topicOf)
}

func GetMessageTags(msgExt *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageTags", unsafe.Pointer(msgExt), nil, tagsOf)
}

func GetMessageKeys(msgExt *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageKeys", unsafe.Pointer(msgExt), nil, keysOf)
}

func GetMessageBody(msgExt *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageBody", unsafe.Pointer(msgExt), nil, bodyOf)
}

func GetMessageBodyLength(msgExt *C.CMessageExt) C.int {
	return readMessage("GetMessageBodyLength", unsafe.Pointer(msgExt), 0, bodyLengthOf)
}

func GetMessageProperty(msgExt *C.CMessageExt, key *C.cchar_t) *C.cchar_t {
	return readMessage("GetMessageProperty", unsafe.Pointer(msgExt), nil, func(c call, o anyMessage) *C.cchar_t {
		return propertyOf(c, o, key)
	})
}

func GetMessageId(msgExt *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageId", unsafe.Pointer(msgExt), nil, idOf)
}

func GetMessageDelayTimeLevel(msgExt *C.CMessageExt) C.int {
	// A CMessage has a delay level too, so this one answers for both kinds.
	return readMessage("GetMessageDelayTimeLevel", unsafe.Pointer(msgExt), 1, delayLevelOf)
}

func GetMessageQueueId(msgExt *C.CMessageExt) C.int {
	return readStored("GetMessageQueueId", msgExt, "queue id", func(x *message.MessageExt) C.int {
		return C.int(x.QueueID)
	})
}

func GetMessageReconsumeTimes(msgExt *C.CMessageExt) C.int {
	return readStored("GetMessageReconsumeTimes", msgExt, "reconsume count", func(x *message.MessageExt) C.int {
		return C.int(x.ReconsumeTimes)
	})
}

func GetMessageStoreSize(msgExt *C.CMessageExt) C.int {
	return readStored("GetMessageStoreSize", msgExt, "store size", func(x *message.MessageExt) C.int {
		return C.int(x.StoreSize)
	})
}

func GetMessageBornTimestamp(msgExt *C.CMessageExt) C.longlong {
	return readStored("GetMessageBornTimestamp", msgExt, "born timestamp", func(x *message.MessageExt) C.longlong {
		return C.longlong(x.BornTimestamp)
	})
}

func GetMessageStoreTimestamp(msgExt *C.CMessageExt) C.longlong {
	return readStored("GetMessageStoreTimestamp", msgExt, "store timestamp", func(x *message.MessageExt) C.longlong {
		return C.longlong(x.StoreTimestamp)
	})
}

func GetMessageQueueOffset(msgExt *C.CMessageExt) C.longlong {
	return readStored("GetMessageQueueOffset", msgExt, "queue offset", func(x *message.MessageExt) C.longlong {
		return C.longlong(x.QueueOffset)
	})
}

func GetMessageCommitLogOffset(msgExt *C.CMessageExt) C.longlong {
	return readStored("GetMessageCommitLogOffset", msgExt, "commit log offset", func(x *message.MessageExt) C.longlong {
		return C.longlong(x.CommitLogOffset)
	})
}

func GetMessagePreparedTransactionOffset(msgExt *C.CMessageExt) C.longlong {
	return readStored("GetMessagePreparedTransactionOffset", msgExt, "prepared transaction offset", func(x *message.MessageExt) C.longlong {
		return C.longlong(x.PreparedTransactionOffset)
	})
}

func GetMessageStoreHost(msg *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageStoreHost", unsafe.Pointer(msg), nil, func(_ call, o anyMessage) *C.cchar_t {
		return hostOf(o, slotStoreHost, func(x *message.MessageExt) netip.AddrPort { return x.StoreHost })
	})
}

func GetMessageBornHost(msg *C.CMessageExt) *C.cchar_t {
	return readMessage("GetMessageBornHost", unsafe.Pointer(msg), nil, func(_ call, o anyMessage) *C.cchar_t {
		return hostOf(o, slotBornHost, func(x *message.MessageExt) netip.AddrPort { return x.BornHost })
	})
}

// ---- helpers; lock held -----------------------------------------------------

// readStored reads a field that only received messages have. The C++
// library's numeric getters answer 1 (NULL_POINTER) for a NULL message; a
// destroyed handle or a CMessage (whose C++ object has no such field) gets
// the same answer here, with the reason recorded.
func readStored[T C.int | C.longlong](fn string, p *C.CMessageExt, what string, get func(*message.MessageExt) T) T {
	return readMessage(fn, unsafe.Pointer(p), 1, func(c call, o anyMessage) T {
		x := o.stored()
		if x == nil {
			c.errorf("msg %p is a CMessage, which has no %s (only received messages, CMessageExt, have one)", p, what)
			return 1
		}
		return get(x)
	})
}

// idOf is the C++ library's message id: UNIQ_KEY when the producer set one,
// otherwise the broker's offset id; for a CMessage, UNIQ_KEY or "".
func idOf(_ call, o anyMessage) *C.cchar_t {
	strs := &o.core().strs
	if p := strs.slots[slotID]; p != nil {
		return (*C.cchar_t)(p)
	}
	id := o.fields().UniqKey()
	if x := o.stored(); id == "" && x != nil {
		id = x.MsgID
		if id == "" && x.StoreHost.IsValid() {
			id = message.OffsetMsgID(x.StoreHost, x.CommitLogOffset)
		}
	}
	return strs.slot(slotID, id)
}

// hostOf returns a host address of a received message as the C++ library
// prints it: the IP without the port. "" for a CMessage or an unknown host.
func hostOf(o anyMessage, s strSlot, get func(*message.MessageExt) netip.AddrPort) *C.cchar_t {
	strs := &o.core().strs
	if p := strs.slots[s]; p != nil {
		return (*C.cchar_t)(p)
	}
	x := o.stored()
	if x == nil {
		return emptyCString
	}
	ap := get(x)
	if !ap.IsValid() {
		return emptyCString
	}
	return strs.slot(s, ap.Addr().Unmap().String())
}
