/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CPullConsumer.h - reading queues at offsets the program chooses.
 *
 * A pull consumer does nothing in the background: the program lists a
 * topic's queues with FetchSubscriptionMessageQueues() and reads each with
 * Pull(), keeping track of offsets itself.
 *
 * Life of a consumer: CreatePullConsumer(), the Set*() functions,
 * StartPullConsumer(), any number of fetches and pulls,
 * ShutdownPullConsumer(), DestroyPullConsumer().
 *
 * Unless a function says otherwise:
 *  - functions returning int return OK (0) on success, NULL_POINTER (1) when
 *    the consumer or another required pointer is NULL, destroyed or of the
 *    wrong kind, or the failure code named in their description. After any
 *    code other than OK, GetLatestErrorMessage() on the same thread says why;
 *  - every function may be called from any thread, and Pull() from several
 *    threads at once on one consumer.
 */

#ifndef __C_PULL_CONSUMER_H__
#define __C_PULL_CONSUMER_H__

#include "CCommon.h"
#include "CMessageExt.h"
#include "CMessageQueue.h"
#include "CPullResult.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A pull consumer (opaque).
 *
 * Only pointers to it are used. The pointer is a handle: never dereference
 * it or free() it.
 */
typedef struct CPullConsumer CPullConsumer;

/**
 * @name Life cycle
 * @{
 */

/**
 * @brief Creates a pull consumer of group @p groupId (copied).
 * @returns a new consumer, or NULL if @p groupId is NULL.
 * @remark Ownership: free it with DestroyPullConsumer().
 */
ROCKETMQCLIENT_API CPullConsumer* CreatePullConsumer(const char* groupId);

/** @brief Shuts @p consumer down if needed, then frees it. */
ROCKETMQCLIENT_API int DestroyPullConsumer(CPullConsumer* consumer);

/**
 * @brief Starts @p consumer. Needed before fetching queues or pulling.
 * @returns OK (also if already started), or PULLCONSUMER_START_FAILED.
 */
ROCKETMQCLIENT_API int StartPullConsumer(CPullConsumer* consumer);

/**
 * @brief Stops @p consumer and closes its connections.
 * @returns OK (also if not started) or NULL_POINTER.
 */
ROCKETMQCLIENT_API int ShutdownPullConsumer(CPullConsumer* consumer);

/**
 * @brief A text naming the library and its version.
 * @returns the text, or NULL if @p consumer is NULL.
 * @remark Ownership: the text belongs to the library and stays valid.
 */
ROCKETMQCLIENT_API const char* ShowPullConsumerVersion(CPullConsumer* consumer);

/** @} */

/**
 * @name Settings
 *
 * Each returns OK, or NULL_POINTER if @p consumer (or a string argument) is
 * NULL. Call them before StartPullConsumer(): afterwards they return
 * PULLCONSUMER_START_FAILED and change nothing, except the log settings,
 * which are the process's and apply at once.
 * @{
 */

/** @brief Replaces the group given at creation. */
ROCKETMQCLIENT_API int SetPullConsumerGroupID(CPullConsumer* consumer, const char* groupId);

/**
 * @brief The consumer's group.
 * @returns the group, or NULL if @p consumer is NULL or invalid.
 * @remark Ownership: the text belongs to @p consumer; it stays valid until
 *         the group is changed or the consumer destroyed.
 */
ROCKETMQCLIENT_API const char* GetPullConsumerGroupID(CPullConsumer* consumer);

/**
 * @brief The name servers, as "host:port", several separated by ';'.
 *        A leading "http://" is ignored.
 */
ROCKETMQCLIENT_API int SetPullConsumerNameServerAddress(CPullConsumer* consumer, const char* namesrv);

/**
 * @brief A URL from which to read the name server addresses, used only when
 *        no address is set.
 */
ROCKETMQCLIENT_API int SetPullConsumerNameServerDomain(CPullConsumer* consumer, const char* domain);

/**
 * @brief Credentials for brokers that check access (ACL): every request is
 *        signed with @p secretKey. @p channel is sent as is.
 */
ROCKETMQCLIENT_API int SetPullConsumerSessionCredentials(CPullConsumer* consumer,
                                                         const char* accessKey,
                                                         const char* secretKey,
                                                         const char* channel);

/**
 * @brief The directory for the library's log files. The log is shared by
 *        every object of the process, so the first setting to take effect
 *        wins.
 */
ROCKETMQCLIENT_API int SetPullConsumerLogPath(CPullConsumer* consumer, const char* logPath);

/**
 * @brief How many log files to keep, and the size of each in MB. Applies to
 *        the whole process.
 */
ROCKETMQCLIENT_API int SetPullConsumerLogFileNumAndSize(CPullConsumer* consumer, int fileNum, long fileSize);

/** @brief The most verbose level logged. Applies to the whole process. */
ROCKETMQCLIENT_API int SetPullConsumerLogLevel(CPullConsumer* consumer, CLogLevel level);

/** @brief Non-zero connects to name servers and brokers over TLS. */
ROCKETMQCLIENT_API int SetPullConsumerSsl(CPullConsumer* consumer, int enableSsl);

/**
 * @brief The TLS settings file (see SetProducerSslPropertyFile()). Default
 *        /etc/rocketmq/tls.properties.
 */
ROCKETMQCLIENT_API int SetPullConsumerSslPropertyFile(CPullConsumer* consumer, const char* sslPropertyFile);

/** @} */

/**
 * @name Reading
 * @{
 */

/**
 * @brief Lists the readable queues of @p topic, as the name server reports
 *        them.
 *
 * @param mqs  receives an array of @p *size queues, allocated with malloc().
 * @param size receives the number of queues.
 * @returns OK; NULL_POINTER; MALLOC_FAILED; or PULLCONSUMER_FETCH_MQ_FAILED,
 *          with @p *mqs set to NULL and @p *size to 0.
 * @remark Ownership: the caller frees the array with
 *         ReleaseSubscriptionMessageQueue() (or free()).
 */
ROCKETMQCLIENT_API int FetchSubscriptionMessageQueues(CPullConsumer* consumer,
                                                      const char* topic,
                                                      CMessageQueue** mqs,
                                                      int* size);

/**
 * @brief Frees an array from FetchSubscriptionMessageQueues().
 * @returns OK, or NULL_POINTER if @p mqs is NULL.
 */
ROCKETMQCLIENT_API int ReleaseSubscriptionMessageQueue(CMessageQueue* mqs);

/**
 * @brief Reads up to @p maxNums messages of queue @p mq, starting at
 *        @p offset, whose tag matches @p subExpression.
 *
 * Returns at once with what the broker has (it does not wait for new
 * messages). Tags are matched as by Subscribe() (CPushConsumer.h).
 *
 * @param offset  the queue offset to start at (0 or more); continue with the
 *                result's nextBeginOffset.
 * @param maxNums the most messages to return (1 or more; 32 is typical).
 * @returns the result, by value. Its status is E_BROKER_TIMEOUT, with the
 *          reason in GetLatestErrorMessage(), if the consumer,
 *          @p subExpression or @p mq is NULL or invalid, an argument is out
 *          of range, or the request failed.
 * @remark Ownership: pass the result to ReleasePullResult() when done with
 *         its messages.
 */
ROCKETMQCLIENT_EXTENSION ROCKETMQCLIENT_API CPullResult
Pull(CPullConsumer* consumer, const CMessageQueue* mq, const char* subExpression, long long offset, int maxNums);

/**
 * @brief Frees the messages of a Pull() result.
 *
 * Afterwards the result's msgFoundList and messages must not be used.
 *
 * @returns OK; or NULL_POINTER, doing nothing, for a result that holds no
 *          messages (any status other than E_FOUND), which is harmless.
 */
ROCKETMQCLIENT_API int ReleasePullResult(CPullResult pullResult);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* __C_PULL_CONSUMER_H__ */
