/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CMessageQueue.h - one queue of a topic.
 */

#ifndef __C_MESSAGE_QUEUE_H__
#define __C_MESSAGE_QUEUE_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Identifies one queue of a topic: the topic, the broker that holds
 *        it, and its number on that broker.
 *
 * Filled by FetchSubscriptionMessageQueues() and read by Pull()
 * (CPullConsumer.h). Strings are NUL-terminated. Layout: 772 bytes, topic at
 * 0, brokerName at 512, queueId at 768.
 */
typedef struct _CMessageQueue_ {
  char topic[MAX_TOPIC_LENGTH];               /**< topic name */
  char brokerName[MAX_BROKER_NAME_ID_LENGTH]; /**< broker name (not address) */
  int queueId;                                /**< queue number on the broker */
} CMessageQueue;

#ifdef __cplusplus
}
#endif

#endif /* __C_MESSAGE_QUEUE_H__ */
