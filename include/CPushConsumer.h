/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CPushConsumer.h - receiving messages through a callback.
 *
 * A push consumer subscribes to topics for its group, is given a share of
 * their queues (or all of them, for BROADCASTING), pulls from those queues
 * in the background and calls a MessageCallBack for each message. Progress
 * (the consumed offset of each queue) is stored on the broker for
 * CLUSTERING, or in a local file for BROADCASTING.
 *
 * Life of a consumer: CreatePushConsumer(), the Set*() functions,
 * Subscribe(), RegisterMessageCallback() or RegisterMessageCallbackOrderly(),
 * StartPushConsumer(), ..., ShutdownPushConsumer(), DestroyPushConsumer().
 * Settings and subscriptions are read by StartPushConsumer(); set them
 * before it. Later calls return PUSHCONSUMER_START_FAILED and change
 * nothing (upstream's library accepted them and ignored them), except the
 * log settings, which are the process's and apply at once.
 *
 * Unless a function says otherwise:
 *  - functions returning int return OK (0) on success, NULL_POINTER (1) when
 *    the consumer or another required pointer is NULL, destroyed or of the
 *    wrong kind, or the failure code named in their description. After any
 *    code other than OK, GetLatestErrorMessage() on the same thread says why;
 *  - every function may be called from any thread.
 */

#ifndef __C_PUSH_CONSUMER_H__
#define __C_PUSH_CONSUMER_H__

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A push consumer (opaque).
 *
 * Only pointers to it are used. The pointer is a handle: never dereference
 * it or free() it.
 */
typedef struct CPushConsumer CPushConsumer;

/** @brief What a MessageCallBack returns. */
typedef enum E_CConsumeStatus {
  E_CONSUME_SUCCESS = 0, /**< the message is consumed */
  E_RECONSUME_LATER = 1  /**< deliver the message again later */
} CConsumeStatus;

/**
 * @brief Consumes one message.
 *
 * Runs on a library thread, never on a thread of the program. With
 * RegisterMessageCallback() several calls may run at once (up to the
 * consumer's thread count), for messages of any queue; with
 * RegisterMessageCallbackOrderly() the messages of one queue arrive one at a
 * time, in queue order.
 *
 * The message is valid only until the callback returns; copy what must be
 * kept. The callback may call the library (for example send with a
 * producer), but must not shut down or destroy the consumer it was called
 * for.
 *
 * @returns a CConsumeStatus value. 0 (E_CONSUME_SUCCESS) marks the message
 *          consumed; any other value asks for it again later: with
 *          CLUSTERING it goes back to the broker and returns after a delay
 *          that grows with each attempt; with BROADCASTING it is dropped;
 *          an orderly consumer retries it locally, holding up its queue.
 */
typedef int (*MessageCallBack)(CPushConsumer*, CMessageExt*);

/**
 * @name Life cycle
 * @{
 */

/**
 * @brief Creates a push consumer of group @p groupId (copied).
 *
 * Consumers of one group share the messages of their subscriptions. A
 * group that has never consumed a queue starts at its end (the broker may
 * choose its start instead, while the queue still holds its first message).
 *
 * @returns a new consumer, or NULL if @p groupId is NULL.
 * @remark Ownership: free it with DestroyPushConsumer().
 */
ROCKETMQCLIENT_API CPushConsumer* CreatePushConsumer(const char* groupId);

/**
 * @brief Shuts @p consumer down if needed, then frees it.
 *
 * Fails, without freeing, when called from a callback of this consumer.
 */
ROCKETMQCLIENT_API int DestroyPushConsumer(CPushConsumer* consumer);

/**
 * @brief Starts consuming.
 *
 * @returns OK (also if already started), or PUSHCONSUMER_START_FAILED: for
 *          example if no callback is registered, the group is empty or
 *          "DEFAULT_CONSUMER", or another consumer of this process with the
 *          same group and instance name is running.
 */
ROCKETMQCLIENT_API int StartPushConsumer(CPushConsumer* consumer);

/**
 * @brief Stops consuming: waits for running callbacks to return, stores the
 *        consumed offsets, and closes connections. No callback runs after
 *        it returns.
 * @returns OK (also if not started) or NULL_POINTER.
 */
ROCKETMQCLIENT_API int ShutdownPushConsumer(CPushConsumer* consumer);

/**
 * @brief A text naming the library and its version.
 * @returns the text, or NULL if @p consumer is NULL.
 * @remark Ownership: the text belongs to the library and stays valid.
 */
ROCKETMQCLIENT_API const char* ShowPushConsumerVersion(CPushConsumer* consumer);

/** @} */

/**
 * @name Settings
 *
 * Each returns OK, or NULL_POINTER if @p consumer (or a string argument) is
 * NULL, unless noted. Call them before StartPushConsumer().
 * @{
 */

/** @brief Replaces the group given at creation. */
ROCKETMQCLIENT_API int SetPushConsumerGroupID(CPushConsumer* consumer, const char* groupId);

/**
 * @brief The consumer's group.
 * @returns the group, or NULL if @p consumer is NULL or invalid.
 * @remark Ownership: the text belongs to @p consumer; it stays valid until
 *         the group is changed or the consumer destroyed.
 */
ROCKETMQCLIENT_API const char* GetPushConsumerGroupID(CPushConsumer* consumer);

/**
 * @brief The name servers, as "host:port", several separated by ';'.
 *        A leading "http://" is ignored.
 */
ROCKETMQCLIENT_API int SetPushConsumerNameServerAddress(CPushConsumer* consumer, const char* namesrv);

/**
 * @brief A URL from which to read the name server addresses, used only when
 *        no address is set.
 */
ROCKETMQCLIENT_API int SetPushConsumerNameServerDomain(CPushConsumer* consumer, const char* domain);

/**
 * @brief Subscribes to @p topic, receiving the messages whose tag matches
 *        @p expression.
 *
 * @param expression "*" for every message, or tags separated by "||", such
 *                   as "TagA || TagB". A later call for the same topic
 *                   replaces the expression.
 */
ROCKETMQCLIENT_API int Subscribe(CPushConsumer* consumer, const char* topic, const char* expression);

/**
 * @brief Sets the callback and consumes each queue in order, one message at
 *        a time.
 *
 * With CLUSTERING, each queue is locked on the broker while this consumer
 * owns it. The last Register*() call before StartPushConsumer() decides the
 * mode.
 *
 * @returns OK, or NULL_POINTER if @p pCallback is NULL.
 */
ROCKETMQCLIENT_API int RegisterMessageCallbackOrderly(CPushConsumer* consumer, MessageCallBack pCallback);

/**
 * @brief Sets the callback and consumes messages concurrently, in no
 *        particular order.
 * @returns OK, or NULL_POINTER if @p pCallback is NULL.
 */
ROCKETMQCLIENT_API int RegisterMessageCallback(CPushConsumer* consumer, MessageCallBack pCallback);

/** @brief Forgets the callback. OK even when none is registered. */
ROCKETMQCLIENT_API int UnregisterMessageCallbackOrderly(CPushConsumer* consumer);

/** @brief Forgets the callback. OK even when none is registered. */
ROCKETMQCLIENT_API int UnregisterMessageCallback(CPushConsumer* consumer);

/**
 * @brief How many callbacks may run at once. Default: the number of CPUs.
 * @returns OK (a negative count is ignored), or NULL_POINTER if
 *          @p threadCount is 0.
 */
ROCKETMQCLIENT_API int SetPushConsumerThreadCount(CPushConsumer* consumer, int threadCount);

/**
 * @brief Accepted for compatibility: the callback always receives one
 *        message per call.
 * @returns OK (a negative size is ignored), or NULL_POINTER if
 *          @p batchSize is 0.
 */
ROCKETMQCLIENT_API int SetPushConsumerMessageBatchMaxSize(CPushConsumer* consumer, int batchSize);

/**
 * @brief The instance name, part of the client id the broker knows this
 *        process by. Default "DEFAULT".
 */
ROCKETMQCLIENT_API int SetPushConsumerInstanceName(CPushConsumer* consumer, const char* instanceName);

/**
 * @brief Credentials for brokers that check access (ACL): every request is
 *        signed with @p secretKey. @p channel is sent as is.
 */
ROCKETMQCLIENT_API int SetPushConsumerSessionCredentials(CPushConsumer* consumer,
                                                         const char* accessKey,
                                                         const char* secretKey,
                                                         const char* channel);

/**
 * @brief The directory for the library's log files. The log is shared by
 *        every object of the process, so the first setting to take effect
 *        wins.
 */
ROCKETMQCLIENT_API int SetPushConsumerLogPath(CPushConsumer* consumer, const char* logPath);

/**
 * @brief How many log files to keep, and the size of each in MB. Applies to
 *        the whole process.
 */
ROCKETMQCLIENT_API int SetPushConsumerLogFileNumAndSize(CPushConsumer* consumer, int fileNum, long fileSize);

/** @brief The most verbose level logged. Applies to the whole process. */
ROCKETMQCLIENT_API int SetPushConsumerLogLevel(CPushConsumer* consumer, CLogLevel level);

/** @brief CLUSTERING (the default) or BROADCASTING. */
ROCKETMQCLIENT_API int SetPushConsumerMessageModel(CPushConsumer* consumer, CMessageModel messageModel);

/**
 * @brief How many messages to hold per queue before pausing its pulls.
 *        Default 1000.
 * @returns OK (values of 65535 or more are ignored), or NULL_POINTER if
 *          @p maxCacheSize is 0 or negative.
 */
ROCKETMQCLIENT_API int SetPushConsumerMaxCacheMessageSize(CPushConsumer* consumer, int maxCacheSize);

/**
 * @brief Not supported, as in the C++ library.
 * @returns Not_Support (500), or NULL_POINTER if @p maxCacheSizeInMb is 0 or
 *          negative.
 */
ROCKETMQCLIENT_API int SetPushConsumerMaxCacheMessageSizeInMb(CPushConsumer* consumer, int maxCacheSizeInMb);

/**
 * @brief Message tracing: OPEN (0) turns it on, any other value off.
 *        Default off.
 * @remark When OPEN, each listener call is recorded in the trace topic
 *         RMQ_SYS_TRACE_TOPIC (SubBefore and SubAfter records) by an internal
 *         producer, as upstream does. Tracing never delays or fails
 *         consumption: records that cannot be sent are dropped.
 */
ROCKETMQCLIENT_API int SetPushConsumerMessageTrace(CPushConsumer* consumer, CTraceModel openTrace);

/** @brief Non-zero connects to name servers and brokers over TLS. */
ROCKETMQCLIENT_API int SetPushConsumerSsl(CPushConsumer* consumer, int enableSsl);

/**
 * @brief The TLS settings file (see SetProducerSslPropertyFile()). Default
 *        /etc/rocketmq/tls.properties.
 */
ROCKETMQCLIENT_API int SetPushConsumerSslPropertyFile(CPushConsumer* consumer, const char* sslPropertyFile);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* __C_PUSH_CONSUMER_H__ */
