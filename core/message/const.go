package message

// Property keys with a meaning to clients or brokers (Java MessageConst).
// The values are wire data and must stay byte-identical to upstream.
const (
	PropertyKeys                           = "KEYS"
	PropertyTags                           = "TAGS"
	PropertyWaitStoreMsgOK                 = "WAIT"
	PropertyDelayTimeLevel                 = "DELAY"
	PropertyRetryTopic                     = "RETRY_TOPIC"
	PropertyRealTopic                      = "REAL_TOPIC"
	PropertyRealQueueID                    = "REAL_QID"
	PropertyTransactionPrepared            = "TRAN_MSG"
	PropertyProducerGroup                  = "PGROUP"
	PropertyMinOffset                      = "MIN_OFFSET"
	PropertyMaxOffset                      = "MAX_OFFSET"
	PropertyBuyerID                        = "BUYER_ID"
	PropertyOriginMessageID                = "ORIGIN_MESSAGE_ID"
	PropertyTransferFlag                   = "TRANSFER_FLAG"
	PropertyCorrectionFlag                 = "CORRECTION_FLAG"
	PropertyMQ2Flag                        = "MQ2_FLAG"
	PropertyReconsumeTime                  = "RECONSUME_TIME"
	PropertyMsgRegion                      = "MSG_REGION"
	PropertyTraceSwitch                    = "TRACE_ON"
	PropertyUniqClientMessageIDKeyIndex    = "UNIQ_KEY"
	PropertyExtendUniqInfo                 = "EXTEND_UNIQ_INFO"
	PropertyMaxReconsumeTimes              = "MAX_RECONSUME_TIMES"
	PropertyConsumeStartTime               = "CONSUME_START_TIME"
	PropertyTransactionPreparedQueueOffset = "TRAN_PREPARED_QUEUE_OFFSET"
	PropertyTransactionCheckTimes          = "TRANSACTION_CHECK_TIMES"
	PropertyCheckImmunityTimeInSeconds     = "CHECK_IMMUNITY_TIME_IN_SECONDS"
	PropertyInstanceID                     = "INSTANCE_ID"
	PropertyCorrelationID                  = "CORRELATION_ID"
	PropertyMessageReplyToClient           = "REPLY_TO_CLIENT"
	PropertyMessageTTL                     = "TTL"
	PropertyReplyMessageArriveTime         = "ARRIVE_TIME"
	PropertyPushReplyTime                  = "PUSH_REPLY_TIME"
	PropertyCluster                        = "CLUSTER"
	PropertyMessageType                    = "MSG_TYPE"
	PropertyInnerMultiDispatch             = "INNER_MULTI_DISPATCH"
	PropertyInnerMultiQueueOffset          = "INNER_MULTI_QUEUE_OFFSET"
	// PropertyShardingKey is rocketmq-client-go's ordered-send hint; 4.x
	// brokers store it as an ordinary property.
	PropertyShardingKey = "SHARDING_KEY"
	// PropertyTransactionID is a user-level property, not a MessageConst
	// entry, but Java and Go clients both use this spelling.
	PropertyTransactionID = "__transactionId__"
	// 5.x timer delivery; a 4.x broker ignores these, so setting them does
	// not delay anything there.
	PropertyTimerDeliverMS = "TIMER_DELIVER_MS"
	PropertyTimerDelaySec  = "TIMER_DELAY_SEC"
)

// MessageTypeReply is the PropertyMessageType value of request/reply answers.
const MessageTypeReply = "reply"

// Separators of the properties string and of the KEYS property.
const (
	KeySeparator       = " "
	NameValueSeparator = '\x01'
	PropertySeparator  = '\x02'
)

// System topics, topic prefixes and groups.
const (
	DefaultTopic                 = "TBW102"
	ScheduleTopic                = "SCHEDULE_TOPIC_XXXX"
	TransactionHalfTopic         = "RMQ_SYS_TRANS_HALF_TOPIC"
	TransactionOpHalfTopic       = "RMQ_SYS_TRANS_OP_HALF_TOPIC"
	TransactionCheckMaxTimeTopic = "TRANS_CHECK_MAX_TIME_TOPIC"
	TraceTopic                   = "RMQ_SYS_TRACE_TOPIC"
	OffsetMovedEventTopic        = "OFFSET_MOVED_EVENT"
	SelfTestTopic                = "SELF_TEST_TOPIC"
	BenchmarkTopic               = "BenchmarkTest"

	SystemTopicPrefix     = "rmq_sys_"
	RetryGroupTopicPrefix = "%RETRY%"
	DLQGroupTopicPrefix   = "%DLQ%"
	LMQPrefix             = "%LMQ%"

	DefaultProducerGroup      = "DEFAULT_PRODUCER"
	DefaultConsumerGroup      = "DEFAULT_CONSUMER"
	ClientInnerProducerGroup  = "CLIENT_INNER_PRODUCER"
	ToolsConsumerGroup        = "TOOLS_CONSUMER"
	SystemConsumerGroupPrefix = "CID_RMQ_SYS_"
)

// Message sysFlag bits (Java MessageSysFlag).
const (
	SysFlagCompressed          int32 = 0x1
	SysFlagMultiTags           int32 = 0x2
	SysFlagTransactionNotType  int32 = 0
	SysFlagTransactionPrepared int32 = 0x4
	SysFlagTransactionCommit   int32 = 0x8
	SysFlagTransactionRollback int32 = 0xC
	SysFlagBornHostV6          int32 = 0x10
	SysFlagStoreHostV6         int32 = 0x20
	SysFlagNeedUnwrap          int32 = 0x40
	SysFlagInnerBatch          int32 = 0x80
	SysFlagCompressionLZ4      int32 = 0x100
	SysFlagCompressionZSTD     int32 = 0x200
	SysFlagCompressionZlib     int32 = 0x300
	SysFlagCompressionMask     int32 = 0x700

	// sysFlagTransactionMask is ROLLBACK because the transaction type is the
	// two-bit field whose all-ones value happens to be ROLLBACK.
	sysFlagTransactionMask = SysFlagTransactionRollback
)

// TransactionValue extracts the transaction type (one of the
// SysFlagTransaction* values) from a sysFlag.
func TransactionValue(sysFlag int32) int32 {
	return sysFlag & sysFlagTransactionMask
}

// ResetTransactionValue replaces the transaction type in sysFlag. Unlike
// Java, typ is masked so a stray bit cannot corrupt unrelated flags.
func ResetTransactionValue(sysFlag, typ int32) int32 {
	return sysFlag&^sysFlagTransactionMask | typ&sysFlagTransactionMask
}
