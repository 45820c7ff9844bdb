// Package trace builds RocketMQ message-trace records and sends them, in batches, to the
// trace topic (RMQ_SYS_TRACE_TOPIC), as upstream's AsyncTraceDispatcher does.
//
// A record is a list of fields separated by ContentSeparator (0x01) and ended by
// FieldSeparator (0x02); a trace message's body is a run of records and its keys are the
// traced message ids plus their KEYS. The layouts follow Java's TraceDataEncoder:
//
//	Pub:            Pub, timestamp, regionId, group, topic, msgId, tags, keys, storeHost,
//	                bodyLength, costTime, msgType, offsetMsgId, success
//	SubBefore:      SubBefore, timestamp, regionId, group, requestId, msgId, retryTimes, keys
//	SubAfter:       SubAfter, requestId, msgId, costTime, success, keys, contextCode,
//	                timestamp, group
//	EndTransaction: EndTransaction, timestamp, regionId, group, topic, msgId, tags, keys,
//	                storeHost, msgType, transactionId, transactionState, fromTransactionCheck
//
// Absent strings are written empty (Java writes "null"). Tracing never holds up or fails
// the traced send or consume: a Dispatcher queues contexts in a bounded queue and drops
// (and counts) what does not fit.
package trace
