/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CMessage.h - building a message to send.
 *
 * A CMessage is an outgoing message: a topic, a body, and string properties
 * (tags, keys, delay level and any user property). Create one with
 * CreateMessage(), fill it, hand it to a send function of CProducer.h or add
 * it to a batch (CBatchMessage.h), and free it with DestroyMessage().
 *
 * Unless a function says otherwise:
 *  - functions returning int return OK (0) on success, or NULL_POINTER (1)
 *    when the message is NULL, already destroyed or not a CMessage, or when a
 *    required pointer argument is NULL; GetLatestErrorMessage() then names the
 *    function and the argument;
 *  - a message may be used from any thread, but not from two threads at once
 *    while one of them changes it (the library does not corrupt itself if that
 *    happens, but what each thread reads is then unspecified).
 */

#ifndef __C_MESSAGE_H__
#define __C_MESSAGE_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief An outgoing message (opaque).
 *
 * Only pointers to it are used. The pointer is a handle, not an address of
 * memory the program may read: never dereference it or free() it.
 */
typedef struct CMessage CMessage;

/**
 * @brief Creates a message for @p topic.
 *
 * @param topic the topic, copied; NULL gives the empty topic, to be set later
 *              with SetMessageTopic().
 * @returns a new message, or NULL if the library is unusable (see
 *          GetLatestErrorMessage()).
 *
 * The new message has no body and one property: WAIT = "true" (the broker
 * answers a send once the message is stored), as in the C++ library.
 *
 * @remark Ownership: the caller owns the message and frees it with
 *         DestroyMessage(). Send functions copy what they need, so the
 *         message may be changed, reused or destroyed once a send call has
 *         returned (but see SendAsync() in CProducer.h).
 */
ROCKETMQCLIENT_API CMessage* CreateMessage(const char* topic);

/**
 * @brief Frees @p msg and every string its getters returned.
 *
 * @returns OK, or NULL_POINTER if @p msg is NULL, already destroyed or not a
 *          CMessage (a CMessageExt belongs to the library and cannot be
 *          destroyed). Destroying twice is an error, not a crash.
 */
ROCKETMQCLIENT_API int DestroyMessage(CMessage* msg);

/**
 * @brief Sets the topic (copied).
 * @returns OK, or NULL_POINTER if @p msg or @p topic is NULL.
 */
ROCKETMQCLIENT_API int SetMessageTopic(CMessage* msg, const char* topic);

/**
 * @brief Sets the tag, stored as property TAGS (copied).
 *
 * Consumers can subscribe to a subset of tags ("TagA || TagB"), filtered by
 * the broker. "" removes the tag.
 *
 * @returns OK, or NULL_POINTER if @p msg or @p tags is NULL.
 */
ROCKETMQCLIENT_API int SetMessageTags(CMessage* msg, const char* tags);

/**
 * @brief Sets the keys, stored as property KEYS (copied).
 *
 * The broker indexes each space-separated word for lookups by key. ""
 * removes the keys.
 *
 * @returns OK, or NULL_POINTER if @p msg or @p keys is NULL.
 */
ROCKETMQCLIENT_API int SetMessageKeys(CMessage* msg, const char* keys);

/**
 * @brief Sets the body to the NUL-terminated string @p body (copied,
 *        without the NUL).
 *
 * A body containing NUL bytes is cut at the first one: use
 * SetByteMessageBody() for binary data.
 *
 * @returns OK, or NULL_POINTER if @p msg or @p body is NULL.
 */
ROCKETMQCLIENT_API int SetMessageBody(CMessage* msg, const char* body);

/**
 * @brief Sets the body to the @p len bytes at @p body (copied), which may
 *        include NUL bytes.
 *
 * @param len number of bytes; 0 gives an empty body, and @p body may then be
 *            NULL.
 * @returns OK, or NULL_POINTER if @p msg is NULL, @p len is negative, or
 *          @p body is NULL while @p len is positive.
 */
ROCKETMQCLIENT_API int SetByteMessageBody(CMessage* msg, const char* body, int len);

/**
 * @brief Sets property @p key to @p value (both copied), replacing any
 *        earlier value.
 *
 * Properties travel with the message and come back from
 * GetMessageProperty() on the consumer side. Some keys mean something to the
 * client or broker (TAGS, KEYS, DELAY, UNIQ_KEY, ...). Setting TRAN_MSG to
 * "true" also marks the message as a prepared transaction message; any other
 * value clears that mark.
 *
 * @returns OK, or NULL_POINTER if any argument is NULL.
 */
ROCKETMQCLIENT_API int SetMessageProperty(CMessage* msg, const char* key, const char* value);

/**
 * @brief Asks the broker to deliver the message after a delay.
 *
 * Stored as property DELAY, the decimal text of @p level. The broker maps
 * levels 1 to 18 to its configured delays (by default 1s 5s 10s 30s 1m 2m
 * 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h); 0 means no delay.
 *
 * @returns OK, or NULL_POINTER if @p msg is NULL.
 */
ROCKETMQCLIENT_API int SetDelayTimeLevel(CMessage* msg, int level);

/**
 * @name Getters
 *
 * Read back what was set. They also accept a CMessageExt* cast to
 * CMessage*.
 *
 * @remark Ownership: a returned string belongs to @p msg. Do not free or
 *         modify it. It stays valid until the same field of @p msg changes
 *         or @p msg is destroyed; copy it to keep it longer.
 * @{
 */

/**
 * @brief The topic.
 * @returns the topic ("" if none was set), or NULL if @p msg is NULL or
 *          invalid.
 */
ROCKETMQCLIENT_API const char* GetOriginMessageTopic(CMessage* msg);

/**
 * @brief The tag (property TAGS).
 * @returns the tag, "" if none was set, or NULL if @p msg is NULL or invalid.
 */
ROCKETMQCLIENT_API const char* GetOriginMessageTags(CMessage* msg);

/**
 * @brief The keys (property KEYS).
 * @returns the keys, "" if none were set, or NULL if @p msg is NULL or
 *          invalid.
 */
ROCKETMQCLIENT_API const char* GetOriginMessageKeys(CMessage* msg);

/**
 * @brief The body, followed by a terminating NUL that is not part of it.
 *
 * A binary body may contain NUL bytes; use GetOriginMessageBodyLength() for
 * its length.
 *
 * @returns the body ("" if empty), or NULL if @p msg is NULL or invalid.
 */
ROCKETMQCLIENT_API const char* GetOriginMessageBody(CMessage* msg);

/**
 * @brief The length of the body in bytes.
 * @returns the length, or 0 if @p msg is NULL or invalid.
 */
ROCKETMQCLIENT_API int GetOriginMessageBodyLength(CMessage* msg);

/**
 * @brief The value of property @p key.
 * @returns the value, "" if the property is not set, or NULL if @p msg or
 *          @p key is NULL or @p msg is invalid.
 */
ROCKETMQCLIENT_API const char* GetOriginMessageProperty(CMessage* msg, const char* key);

/**
 * @brief The delay level (property DELAY, read as a decimal integer).
 * @returns the level, 0 if none was set, or -1 if @p msg is NULL or invalid.
 */
ROCKETMQCLIENT_API int GetOriginDelayTimeLevel(CMessage* msg);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* __C_MESSAGE_H__ */
