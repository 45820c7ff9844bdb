package main

// Exports of CBatchMessage.h.

/*
#include "capi.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
)

// cBatch is the object behind a CBatchMessage* handle: copies of the
// messages added, in order.
type cBatch struct {
	mu   sync.Mutex
	msgs []*message.Message
	// sysFlags[i] is the sysFlag of msgs[i] (see cMessage.sysFlag).
	sysFlags []int32
}

// Messages returns copies of the batch's messages and their sysFlags, for
// SendBatchMessage, which may change them (UNIQ_KEY) while the program goes
// on using the batch.
func (b *cBatch) Messages() ([]*message.Message, []int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	msgs := make([]*message.Message, len(b.msgs))
	for i, m := range b.msgs {
		msgs[i] = cloneMessage(m)
	}
	return msgs, append([]int32(nil), b.sysFlags...)
}

// CreateBatchMessage takes no parameters, but C programs written for the
// C++ library may pass some (its own example passes a topic): the header
// declares it with an empty list, and the C calling conventions leave
// unused arguments to the caller, so they are simply ignored.
func CreateBatchMessage() *C.CBatchMessage {
	return guardValue("CreateBatchMessage", nil, func(c call) *C.CBatchMessage {
		return (*C.CBatchMessage)(newHandle(&cBatch{}))
	})
}

func AddMessage(batchMsg *C.CBatchMessage, msg *C.CMessage) C.int {
	return guard("AddMessage", C.NULL_POINTER, func(c call) status {
		b, ok := arg[*cBatch](c, "batchMsg", unsafe.Pointer(batchMsg))
		if !ok {
			return C.NULL_POINTER
		}
		// Either kind of message: a received one is copied as the outgoing
		// message it derives from, as in C++.
		o := lockAnyMessage(c, unsafe.Pointer(msg))
		if o == nil {
			return C.NULL_POINTER
		}
		copied := cloneMessage(o.fields())
		var sysFlag int32
		if m, isMsg := o.(*cMessage); isMsg {
			sysFlag = m.sysFlag
		}
		o.core().mu.Unlock()

		b.mu.Lock()
		defer b.mu.Unlock()
		b.msgs = append(b.msgs, copied)
		b.sysFlags = append(b.sysFlags, sysFlag)
		return C.OK
	})
}

func DestroyBatchMessage(batchMsg *C.CBatchMessage) C.int {
	return guard("DestroyBatchMessage", C.NULL_POINTER, func(c call) status {
		if _, ok := deleteHandle[*cBatch](unsafe.Pointer(batchMsg)); !ok {
			arg[*cBatch](c, "batchMsg", unsafe.Pointer(batchMsg))
			return C.NULL_POINTER
		}
		return C.OK
	})
}
