/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CBatchMessage.h - several messages sent in one request.
 *
 * A batch is sent with SendBatchMessage() (CProducer.h) and stored by the
 * broker as separate messages, in order, in one queue. All messages of a
 * batch must have the same topic, and none may be a delayed or transaction
 * message.
 */

#ifndef __C_BATCHMESSAGE_H__
#define __C_BATCHMESSAGE_H__

#include "CCommon.h"
#include "CMessage.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A list of messages to send together (opaque).
 *
 * Only pointers to it are used. The pointer is a handle: never dereference
 * it or free() it.
 */
typedef struct CBatchMessage CBatchMessage;

/**
 * @brief Creates an empty batch.
 *
 * The declaration has no parameter list, as in the C++ library, so C
 * programs that pass an argument (the example CBatchProducer.c passes a
 * topic) still compile before C23; any argument is ignored. (The warning
 * that -Wstrict-prototypes gives for it is turned off for this line.)
 *
 * @returns a new batch, or NULL if the library is unusable (see
 *          GetLatestErrorMessage()).
 * @remark Ownership: the caller frees the batch with DestroyBatchMessage().
 */
#if defined(__GNUC__) && !defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#endif
ROCKETMQCLIENT_API CBatchMessage* CreateBatchMessage();
#if defined(__GNUC__) && !defined(__cplusplus)
#pragma GCC diagnostic pop
#endif

/**
 * @brief Appends a copy of @p msg to @p batchMsg.
 *
 * Later changes to @p msg do not affect the batch.
 *
 * @returns OK, or NULL_POINTER if either argument is NULL or invalid.
 * @remark Ownership: @p msg still belongs to the caller, who destroys it
 *         with DestroyMessage() as usual.
 * @remark Thread-safety: do not add to one batch from two threads at once.
 */
ROCKETMQCLIENT_API int AddMessage(CBatchMessage* batchMsg, CMessage* msg);

/**
 * @brief Frees @p batchMsg and its copies of the messages.
 * @returns OK, or NULL_POINTER if @p batchMsg is NULL, already destroyed or
 *          not a batch.
 */
ROCKETMQCLIENT_API int DestroyBatchMessage(CBatchMessage* batchMsg);

#ifdef __cplusplus
}
#endif

#endif /* __C_BATCHMESSAGE_H__ */
