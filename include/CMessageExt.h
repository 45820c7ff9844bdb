/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CMessageExt.h - reading a received message.
 *
 * A CMessageExt is a message as the broker stored it: the fields of a
 * CMessage plus where and when it was stored. The library hands them out and
 * owns them:
 *  - to a push consumer's MessageCallBack (CPushConsumer.h), valid until the
 *    callback returns;
 *  - to a transaction producer's CLocalTransactionCheckerCallback
 *    (CProducer.h), valid until the callback returns;
 *  - in CPullResult.msgFoundList (CPullResult.h), valid until
 *    ReleasePullResult().
 * A program never creates or destroys one.
 *
 * Every getter also accepts a CMessage* cast to CMessageExt*, as the C++
 * library does in practice (rocketmq-client-python reads the message given
 * to its local-transaction executor this way). For a CMessage, the getters
 * of fields it has (topic, tags, keys, body, body length, properties, delay
 * level) answer as the CMessage.h getters do; GetMessageId() gives the
 * UNIQ_KEY property or "", the host getters give "", and the other numeric
 * getters fail with 1, since a CMessage has not been stored anywhere.
 *
 * Getters:
 *  - return NULL (string getters), 1 (int and long long getters) or 0
 *    (GetMessageBodyLength()) if the message is NULL, no longer valid, or not
 *    a message; GetLatestErrorMessage() then names the getter. Note that 1 is
 *    also a possible value, so check the handle rather than the result;
 *  - return "" rather than NULL for a string field that is absent;
 *  - are safe to call from any thread while the message is valid.
 *
 * @remark Ownership of returned strings: they belong to the message. Do not
 *         free or modify them. They stay valid as long as the message does
 *         (see above); copy them to keep them longer.
 */

#ifndef __C_MESSAGE_EXT_H__
#define __C_MESSAGE_EXT_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A received message (opaque, owned by the library).
 *
 * Only pointers to it are used. The pointer is a handle: never dereference
 * it or free() it.
 */
typedef struct CMessageExt CMessageExt;

/**
 * @brief The topic. For a message redelivered through the group's retry
 *        topic, the topic it was originally sent to.
 */
ROCKETMQCLIENT_API const char* GetMessageTopic(CMessageExt* msgExt);

/** @brief The tag (property TAGS), or "". */
ROCKETMQCLIENT_API const char* GetMessageTags(CMessageExt* msgExt);

/** @brief The keys (property KEYS), or "". */
ROCKETMQCLIENT_API const char* GetMessageKeys(CMessageExt* msgExt);

/**
 * @brief The body (already decompressed), followed by a terminating NUL that
 *        is not part of it.
 *
 * A binary body may contain NUL bytes; use GetMessageBodyLength() for its
 * length.
 */
ROCKETMQCLIENT_API const char* GetMessageBody(CMessageExt* msgExt);

/** @brief The length of the body in bytes; 0 for an invalid message. */
ROCKETMQCLIENT_API int GetMessageBodyLength(CMessageExt* msgExt);

/**
 * @brief The value of property @p key, or "" if it is not set.
 *
 * System properties (KEYS, TAGS, UNIQ_KEY, RECONSUME_TIME, ...) are
 * answered as well as user properties.
 *
 * @returns NULL if @p key is NULL.
 */
ROCKETMQCLIENT_API const char* GetMessageProperty(CMessageExt* msgExt, const char* key);

/**
 * @brief The message id: the id the producer gave the message (property
 *        UNIQ_KEY) if there is one, otherwise the broker's id of the stored
 *        record (32 hex characters for an IPv4 broker).
 */
ROCKETMQCLIENT_API const char* GetMessageId(CMessageExt* msgExt);

/** @brief The delay level the message was sent with (property DELAY), or 0. */
ROCKETMQCLIENT_API int GetMessageDelayTimeLevel(CMessageExt* msgExt);

/** @brief The queue of the topic the message is stored in. */
ROCKETMQCLIENT_API int GetMessageQueueId(CMessageExt* msgExt);

/** @brief How many times the message was delivered before this delivery. */
ROCKETMQCLIENT_API int GetMessageReconsumeTimes(CMessageExt* msgExt);

/** @brief The size in bytes of the broker's stored record. */
ROCKETMQCLIENT_API int GetMessageStoreSize(CMessageExt* msgExt);

/** @brief When the producer created the message (ms since the Unix epoch). */
ROCKETMQCLIENT_EXTENSION ROCKETMQCLIENT_API long long GetMessageBornTimestamp(CMessageExt* msgExt);

/** @brief When the broker stored the message (ms since the Unix epoch). */
ROCKETMQCLIENT_EXTENSION ROCKETMQCLIENT_API long long GetMessageStoreTimestamp(CMessageExt* msgExt);

/** @brief The position of the message in its queue (0, 1, 2, ...). */
ROCKETMQCLIENT_EXTENSION ROCKETMQCLIENT_API long long GetMessageQueueOffset(CMessageExt* msgExt);

/** @brief The byte position of the record in the broker's commit log. */
ROCKETMQCLIENT_EXTENSION ROCKETMQCLIENT_API long long GetMessageCommitLogOffset(CMessageExt* msgExt);

/**
 * @brief For a transaction message: the commit-log offset of its prepared
 *        (half) record; otherwise 0.
 */
ROCKETMQCLIENT_EXTENSION ROCKETMQCLIENT_API long long GetMessagePreparedTransactionOffset(CMessageExt* msgExt);

/**
 * @brief The IP address of the broker that stored the message, without the
 *        port ("192.168.0.10"; IPv6 in its usual text form).
 */
ROCKETMQCLIENT_API const char* GetMessageStoreHost(CMessageExt* msg);

/**
 * @brief The IP address the producer sent the message from, without the
 *        port.
 */
ROCKETMQCLIENT_API const char* GetMessageBornHost(CMessageExt* msg);

#ifdef __cplusplus
}
#endif

#endif /* __C_MESSAGE_EXT_H__ */
