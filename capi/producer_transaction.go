package main

// SendMessageTransaction. The broker's checks reach the checker given to
// CreateTransactionProducer through cProducer.check (producer_async.go).

/*
#include "capi.h"
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
)

// SendMessageTransaction is nosplit for its userData; see
// CreateTransactionProducer.
//
//go:nosplit
func SendMessageTransaction(producer *C.CProducer, msg *C.CMessage, callback C.CLocalTransactionExecutorCallback, userData unsafe.Pointer, result *C.CSendResult) C.int {
	return sendMessageTransaction(producer, msg, callback, uintptr(userData), result)
}

func sendMessageTransaction(producerArgument *C.CProducer, msg *C.CMessage, callback C.CLocalTransactionExecutorCallback, userData uintptr, result *C.CSendResult) C.int {
	return guard("SendMessageTransaction", C.PRODUCER_SEND_TRANSACTION_FAILED, func(c call) status {
		cp, ok := producerArg(c, producerArgument)
		if !ok || !resultArg(c, result) {
			return C.NULL_POINTER
		}
		if callback == nil {
			c.errorf("callback is NULL")
			return C.NULL_POINTER
		}
		p, m, st := cp.prepare(c, C.PRODUCER_SEND_TRANSACTION_FAILED, msg, true)
		if st != C.OK {
			return st
		}
		// The executor gets the caller's CMessage, as upstream's does (the
		// Python client reads it with the CMessageExt getters), not the core's
		// copy of the half message.
		res, err := p.SendTransaction(context.Background(), m, func(*message.Message) producer.LocalTransactionState {
			return cp.callExecutor(callback, unsafe.Pointer(msg), userData)
		})
		if err != nil {
			return c.fail(C.PRODUCER_SEND_TRANSACTION_FAILED, err)
		}
		fillSendResult(result, res, res.MsgID)
		return C.OK
	})
}
