/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CProducer.h - sending messages.
 *
 * Life of a producer: CreateProducer() (or CreateOrderlyProducer(),
 * CreateTransactionProducer()), the Set*() functions, StartProducer(), any
 * number of sends, ShutdownProducer(), DestroyProducer(). Settings are read
 * by StartProducer(); set them before it.
 *
 * Unless a function says otherwise:
 *  - functions returning int return OK (0) on success; NULL_POINTER (1) when
 *    the producer, message or another required pointer is NULL, destroyed or
 *    of the wrong kind; or the failure code named in their description. After
 *    any code other than OK, GetLatestErrorMessage() on the same thread says
 *    why;
 *  - every function may be called from any thread, and the send functions
 *    from several threads at once on one producer;
 *  - send functions copy the message before returning, so it may be changed
 *    or destroyed as soon as they return (SendAsync() is the exception).
 *
 * Callbacks run on threads of the library, except where noted: they must not
 * block for long, since they hold up other callbacks. A callback may call the
 * library, including sending with the same producer, but must not destroy or
 * shut down the producer it was called for.
 */

#ifndef __C_PRODUCER_H__
#define __C_PRODUCER_H__

#include "CBatchMessage.h"
#include "CMQException.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CSendResult.h"
#include "CTransactionStatus.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A producer (opaque).
 *
 * Only pointers to it are used. The pointer is a handle: never dereference
 * it or free() it.
 */
typedef struct CProducer CProducer;

/**
 * @brief Chooses the queue for an orderly send.
 *
 * Called once per send, synchronously on the thread that called the send
 * function, before anything is sent.
 *
 * @param size the number of writable queues of the message's topic (> 0).
 * @param msg  the message being sent (the caller's CMessage; the CMessage.h
 *             getters work on it).
 * @param arg  the @p arg given to the send function.
 * @returns the queue, from 0 to @p size - 1. Other values are reduced
 *          modulo @p size.
 */
typedef int (*QueueSelectorCallback)(int size, CMessage* msg, void* arg);

/** @brief Success callback of SendMessageAsync() and SendMessageOrderlyAsync(). */
typedef void (*CSendSuccessCallback)(CSendResult result);

/** @brief Failure callback of SendMessageAsync() and SendMessageOrderlyAsync(). */
typedef void (*CSendExceptionCallback)(CMQException e);

/**
 * @brief Success callback of SendAsync().
 * @param msg      the message given to SendAsync().
 * @param userData the userData given to SendAsync().
 */
typedef void (*COnSendSuccessCallback)(CSendResult result, CMessage* msg, void* userData);

/**
 * @brief Failure callback of SendAsync().
 * @param msg      the message given to SendAsync().
 * @param userData the userData given to SendAsync().
 */
typedef void (*COnSendExceptionCallback)(CMQException e, CMessage* msg, void* userData);

/**
 * @brief Answers the broker's question about a prepared transaction message
 *        whose outcome it has not learnt (for example because the producer
 *        restarted).
 *
 * Runs on a library thread, one check at a time per producer.
 *
 * @param producer the transaction producer.
 * @param msg      the prepared message, valid only during the call.
 * @param data     the userData given to CreateTransactionProducer().
 * @returns the transaction's state; values other than those of
 *          CTransactionStatus mean E_UNKNOWN_TRANSACTION.
 */
typedef CTransactionStatus (*CLocalTransactionCheckerCallback)(CProducer* producer, CMessageExt* msg, void* data);

/**
 * @brief Runs the local transaction of SendMessageTransaction(), once its
 *        prepared message is stored.
 *
 * Called synchronously, on the thread that called SendMessageTransaction().
 *
 * @param producer the transaction producer.
 * @param msg      the message given to SendMessageTransaction().
 * @param data     the userData given to SendMessageTransaction().
 * @returns the transaction's state; values other than those of
 *          CTransactionStatus mean E_UNKNOWN_TRANSACTION.
 */
typedef CTransactionStatus (*CLocalTransactionExecutorCallback)(CProducer* producer, CMessage* msg, void* data);

/**
 * @name Life cycle
 * @{
 */

/**
 * @brief Creates a producer of group @p groupId (copied).
 *
 * The group names producers of the same role; "" means "DEFAULT_PRODUCER".
 * The name server address is taken from the NAMESRV_ADDR environment
 * variable unless SetProducerNameServerAddress() sets one.
 *
 * @returns a new producer, or NULL if @p groupId is NULL.
 * @remark Ownership: free it with DestroyProducer().
 */
ROCKETMQCLIENT_API CProducer* CreateProducer(const char* groupId);

/**
 * @brief Same as CreateProducer(): orderly sends are available on every
 *        producer. Kept for programs that use it.
 */
ROCKETMQCLIENT_API CProducer* CreateOrderlyProducer(const char* groupId);

/**
 * @brief Creates a producer for SendMessageTransaction().
 *
 * Only SendMessageTransaction() may send through it (other send functions
 * fail), and SendMessageTransaction() works only on such a producer.
 *
 * @param groupId  the group, copied. The broker addresses its transaction
 *                 checks to the group.
 * @param callback answers the broker's checks; see
 *                 CLocalTransactionCheckerCallback.
 * @param userData passed to @p callback unchanged.
 * @returns a new producer, or NULL if @p groupId is NULL.
 */
ROCKETMQCLIENT_API CProducer* CreateTransactionProducer(const char* groupId,
                                                        CLocalTransactionCheckerCallback callback,
                                                        void* userData);

/**
 * @brief Shuts @p producer down if needed, then frees it.
 *
 * Fails, without freeing, when called from a callback of this producer.
 *
 * @returns OK or NULL_POINTER.
 */
ROCKETMQCLIENT_API int DestroyProducer(CProducer* producer);

/**
 * @brief Starts @p producer: connects to the name server and begins
 *        heartbeats. Needed before any send.
 *
 * @returns OK (also if already started), or PRODUCER_START_FAILED.
 */
ROCKETMQCLIENT_API int StartProducer(CProducer* producer);

/**
 * @brief Stops @p producer and closes its connections. No callback of it
 *        runs after this returns.
 *
 * @returns OK (also if not started), or PRODUCER_START_FAILED.
 */
ROCKETMQCLIENT_API int ShutdownProducer(CProducer* producer);

/**
 * @brief A text naming the library and its version.
 *
 * @returns the text, or DEFAULT_SDK_VERSION if @p producer is NULL.
 * @remark Ownership: the text belongs to @p producer and lives as long as it.
 */
ROCKETMQCLIENT_API const char* ShowProducerVersion(CProducer* producer);

/** @} */

/**
 * @name Settings
 *
 * Each returns OK, NULL_POINTER if @p producer (or a string argument) is
 * NULL, or PRODUCER_START_FAILED if the value cannot be used. Call them
 * before StartProducer(): afterwards they return PRODUCER_START_FAILED and
 * change nothing (upstream's library accepted such calls and ignored them),
 * except the log settings, which are the process's and apply at once.
 * @{
 */

/**
 * @brief The name servers, as "host:port", several separated by ';'.
 *        A leading "http://" is ignored.
 */
ROCKETMQCLIENT_API int SetProducerNameServerAddress(CProducer* producer, const char* namesrv);

/**
 * @brief A URL from which to read the name server addresses, used only when
 *        no address is set.
 */
ROCKETMQCLIENT_API int SetProducerNameServerDomain(CProducer* producer, const char* domain);

/** @brief Replaces the group given at creation. */
ROCKETMQCLIENT_API int SetProducerGroupName(CProducer* producer, const char* groupName);

/**
 * @brief The instance name, part of the client id the broker knows this
 *        process by. Default "DEFAULT".
 */
ROCKETMQCLIENT_API int SetProducerInstanceName(CProducer* producer, const char* instanceName);

/**
 * @brief Credentials for brokers that check access (ACL): every request is
 *        signed with @p secretKey. @p onsChannel is sent as is ("ALIYUN" or
 *        "" elsewhere).
 */
ROCKETMQCLIENT_API int SetProducerSessionCredentials(CProducer* producer,
                                                     const char* accessKey,
                                                     const char* secretKey,
                                                     const char* onsChannel);

/**
 * @brief The directory for the library's log files. The log is shared by
 *        every object of the process, so the first setting to take effect
 *        wins.
 */
ROCKETMQCLIENT_API int SetProducerLogPath(CProducer* producer, const char* logPath);

/**
 * @brief How many log files to keep, and the size of each in MB. Applies to
 *        the whole process.
 */
ROCKETMQCLIENT_API int SetProducerLogFileNumAndSize(CProducer* producer, int fileNum, long fileSize);

/** @brief The most verbose level logged. Applies to the whole process. */
ROCKETMQCLIENT_API int SetProducerLogLevel(CProducer* producer, CLogLevel level);

/** @brief The time limit of one send, in ms. Default 3000. */
ROCKETMQCLIENT_API int SetProducerSendMsgTimeout(CProducer* producer, int timeout);

/**
 * @brief The zlib level (0 to 9, or -1 for zlib's default) for bodies of
 *        4 KiB or more, which are sent compressed. Default 5.
 */
ROCKETMQCLIENT_API int SetProducerCompressLevel(CProducer* producer, int level);

/** @brief The largest body accepted for sending, in bytes. Default 131072. */
ROCKETMQCLIENT_API int SetProducerMaxMessageSize(CProducer* producer, int size);

/**
 * @brief Message tracing: OPEN (0) turns it on, any other value off.
 *        Default off.
 * @remark When OPEN, each send that gets a result (and each transaction's
 *         end) is recorded in the trace topic RMQ_SYS_TRACE_TOPIC by an
 *         internal producer, as upstream does. Tracing never delays or fails
 *         a send: records that cannot be sent are dropped.
 */
ROCKETMQCLIENT_API int SetProducerMessageTrace(CProducer* producer, CTraceModel openTrace);

/** @brief Non-zero connects to name servers and brokers over TLS. */
ROCKETMQCLIENT_API int SetProducerSsl(CProducer* producer, int enableSsl);

/**
 * @brief The TLS settings file (Java properties: tls.client.keyPath,
 *        tls.client.keyPassword, tls.client.certPath,
 *        tls.client.trustCertPath). Default /etc/rocketmq/tls.properties.
 */
ROCKETMQCLIENT_API int SetProducerSslPropertyFile(CProducer* producer, const char* sslPropertyFile);

/** @} */

/**
 * @name Sending
 * @{
 */

/**
 * @brief Sends @p msg and waits for the broker's answer.
 *
 * A failed attempt is retried on another queue while attempts remain.
 *
 * @param result filled on success.
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_SYNC_FAILED.
 */
ROCKETMQCLIENT_API int SendMessageSync(CProducer* producer, CMessage* msg, CSendResult* result);

/**
 * @brief Sends the messages of @p msg in one request, to one queue.
 *
 * @param result filled on success; its msgId is "".
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_SYNC_FAILED.
 */
ROCKETMQCLIENT_API int SendBatchMessage(CProducer* producer, CBatchMessage* msg, CSendResult* result);

/**
 * @brief Starts sending @p msg and returns without waiting for the answer.
 *
 * Exactly one of the callbacks runs for each call that returns OK, on a
 * library thread. The message is copied, so it may be destroyed at once.
 *
 * @returns OK, NULL_POINTER (also for a NULL callback), or
 *          PRODUCER_SEND_ASYNC_FAILED if the send could not be started (no
 *          callback runs then).
 */
ROCKETMQCLIENT_API int SendMessageAsync(CProducer* producer,
                                        CMessage* msg,
                                        CSendSuccessCallback cSendSuccessCallback,
                                        CSendExceptionCallback cSendExceptionCallback);

/**
 * @brief SendMessageAsync() whose callbacks also receive @p msg and
 *        @p userData.
 *
 * @remark Ownership: @p msg is passed back to the callback, so keep it alive
 *         until one of the callbacks has run.
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_ASYNC_FAILED.
 */
ROCKETMQCLIENT_API int SendAsync(CProducer* producer,
                                 CMessage* msg,
                                 COnSendSuccessCallback cSendSuccessCallback,
                                 COnSendExceptionCallback cSendExceptionCallback,
                                 void* userData);

/**
 * @brief Sends @p msg without waiting for, or receiving, any answer.
 *
 * @returns OK once the request is written, NULL_POINTER, or
 *          PRODUCER_SEND_ONEWAY_FAILED.
 */
ROCKETMQCLIENT_API int SendMessageOneway(CProducer* producer, CMessage* msg);

/**
 * @brief SendMessageOneway() to the queue that @p selector chooses.
 *
 * @param arg passed to @p selector unchanged; may be NULL.
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_ONEWAY_FAILED.
 */
ROCKETMQCLIENT_API int SendMessageOnewayOrderly(CProducer* producer,
                                                CMessage* msg,
                                                QueueSelectorCallback selector,
                                                void* arg);

/**
 * @brief Sends @p msg to the queue that @p callback chooses, and waits for
 *        the answer.
 *
 * Messages sent to one queue are consumed in the order they were stored.
 *
 * @param arg            passed to @p callback unchanged. As in the C++
 *                       library, NULL is refused with NULL_POINTER.
 * @param autoRetryTimes how many times to retry a failed send; retries go to
 *                       the next queue, which can break the order.
 * @param result         filled on success.
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_ORDERLY_FAILED.
 */
ROCKETMQCLIENT_API int SendMessageOrderly(CProducer* producer,
                                          CMessage* msg,
                                          QueueSelectorCallback callback,
                                          void* arg,
                                          int autoRetryTimes,
                                          CSendResult* result);

/**
 * @brief SendMessageAsync() to the queue that @p callback chooses.
 *
 * @p callback runs before the call returns, on the calling thread; the
 * result callbacks run later, on a library thread.
 *
 * @param arg passed to @p callback unchanged; may be NULL.
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_ORDERLYASYNC_FAILED.
 */
ROCKETMQCLIENT_API int SendMessageOrderlyAsync(CProducer* producer,
                                               CMessage* msg,
                                               QueueSelectorCallback callback,
                                               void* arg,
                                               CSendSuccessCallback cSendSuccessCallback,
                                               CSendExceptionCallback cSendExceptionCallback);

/**
 * @brief Sends @p msg to the queue chosen by hashing @p shardingKey, and
 *        waits for the answer.
 *
 * Messages with the same key go to the same queue while the topic's queues
 * do not change, so they are consumed in order. The key is also stored as
 * property __SHARDINGKEY.
 *
 * @param result filled on success.
 * @returns OK, NULL_POINTER, or PRODUCER_SEND_ORDERLY_FAILED.
 */
ROCKETMQCLIENT_API int SendMessageOrderlyByShardingKey(CProducer* producer,
                                                       CMessage* msg,
                                                       const char* shardingKey,
                                                       CSendResult* result);

/**
 * @brief Sends @p msg as a transaction message.
 *
 * The message is first stored as prepared, invisible to consumers. Then
 * @p callback runs the local transaction on the calling thread, and its
 * result tells the broker to deliver (commit) or discard (rollback) the
 * message; if it is unknown, the broker asks the producer's
 * CLocalTransactionCheckerCallback later.
 *
 * @param userData passed to @p callback unchanged.
 * @param result   filled with the result of storing the prepared message.
 * @returns OK once the prepared message is stored, whatever the local
 *          transaction decided; NULL_POINTER; or
 *          PRODUCER_SEND_TRANSACTION_FAILED (the callback did not run).
 */
ROCKETMQCLIENT_API int SendMessageTransaction(CProducer* producer,
                                              CMessage* msg,
                                              CLocalTransactionExecutorCallback callback,
                                              void* userData,
                                              CSendResult* result);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* __C_PRODUCER_H__ */
