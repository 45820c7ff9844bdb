package remoting

// Request codes, with the numbers of apache/rocketmq 4.9.x (RequestCode.java).
// The direction in each comment is who sends the request.
const (
	SendMessage                   int32 = 10  // client → broker, long header names
	PullMessage                   int32 = 11  // client → broker
	QueryMessage                  int32 = 12  // client → broker, by key or UNIQ_KEY
	QueryConsumerOffset           int32 = 14  // client → broker
	UpdateConsumerOffset          int32 = 15  // client → broker
	UpdateAndCreateTopic          int32 = 17  // admin → broker
	GetAllTopicConfig             int32 = 21  // admin → broker
	SearchOffsetByTimestamp       int32 = 29  // client → broker
	GetMaxOffset                  int32 = 30  // client → broker
	GetMinOffset                  int32 = 31  // client → broker
	GetEarliestMsgStoreTime       int32 = 32  // client → broker
	ViewMessageByID               int32 = 33  // client → broker, by commit-log offset
	HeartBeat                     int32 = 34  // client → broker
	UnregisterClient              int32 = 35  // client → broker
	ConsumerSendMsgBack           int32 = 36  // consumer → broker
	EndTransaction                int32 = 37  // producer → broker, oneway
	GetConsumerListByGroup        int32 = 38  // client → broker
	CheckTransactionState         int32 = 39  // broker → producer, oneway
	NotifyConsumerIDsChanged      int32 = 40  // broker → consumer, oneway
	LockBatchMQ                   int32 = 41  // consumer → broker
	UnlockBatchMQ                 int32 = 42  // consumer → broker
	GetAllConsumerOffset          int32 = 43  // admin → broker
	GetAllDelayOffset             int32 = 45  // admin → broker
	RegisterBroker                int32 = 103 // broker → name server
	UnregisterBroker              int32 = 104 // broker → name server
	GetRouteInfoByTopic           int32 = 105 // client → name server
	GetBrokerClusterInfo          int32 = 106 // client → name server
	GetBrokerRuntimeInfo          int32 = 28  // admin → broker
	GetTopicStatsInfo             int32 = 202 // admin → broker
	GetConsumerConnectionList     int32 = 203 // admin → broker
	GetProducerConnectionList     int32 = 204 // admin → broker
	GetAllTopicListFromNameServer int32 = 206 // admin → name server
	DeleteTopicInBroker           int32 = 215 // admin → broker
	DeleteTopicInNameServer       int32 = 216 // admin → name server
	GetConsumeStats               int32 = 208 // admin → broker
	ResetConsumerClientOffset     int32 = 220 // broker → consumer, oneway
	GetConsumerStatusFromClient   int32 = 221 // broker → consumer
	InvokeBrokerToResetOffset     int32 = 222 // admin → broker
	QueryTopicConsumeByWho        int32 = 300 // admin → broker
	GetConsumerRunningInfo        int32 = 307 // broker → consumer, answered
	ConsumeMessageDirectly        int32 = 309 // broker → consumer, answered
	SendMessageV2                 int32 = 310 // client → broker, short header names
	SendBatchMessage              int32 = 320 // client → broker, short header names
	SendReplyMessage              int32 = 324
	SendReplyMessageV2            int32 = 325
	PushReplyMessageToClient      int32 = 326
)

// Response codes (ResponseCode.java). SUCCESS and the generic failures are shared with
// every request; the rest belong to particular requests.
const (
	Success                    int32 = 0
	SystemError                int32 = 1
	SystemBusy                 int32 = 2
	RequestCodeNotSupported    int32 = 3
	TransactionFailed          int32 = 4
	FlushDiskTimeout           int32 = 10
	SlaveNotAvailable          int32 = 11
	FlushSlaveTimeout          int32 = 12
	MessageIllegal             int32 = 13
	ServiceNotAvailable        int32 = 14
	VersionNotSupported        int32 = 15
	NoPermission               int32 = 16
	TopicNotExist              int32 = 17
	TopicExistAlready          int32 = 18
	PullNotFound               int32 = 19
	PullRetryImmediately       int32 = 20
	PullOffsetMoved            int32 = 21
	QueryNotFound              int32 = 22
	SubscriptionParseFailed    int32 = 23
	SubscriptionNotExist       int32 = 24
	SubscriptionNotLatest      int32 = 25
	SubscriptionGroupNotExist  int32 = 26
	FilterDataNotExist         int32 = 27
	FilterDataNotLatest        int32 = 28
	TransactionShouldCommit    int32 = 200
	TransactionShouldRollback  int32 = 201
	TransactionStateUnknow     int32 = 202
	TransactionStateGroupWrong int32 = 203
	NoBuyerID                  int32 = 204
	NotInCurrentUnit           int32 = 205
	ConsumerNotOnline          int32 = 206
	ConsumeMsgTimeout          int32 = 207
	NoMessage                  int32 = 208
	FlowControl                int32 = 215
)
