/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CPullResult.h - what Pull() (CPullConsumer.h) returns.
 */

#ifndef __C_PULL_RESULT_H__
#define __C_PULL_RESULT_H__

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The outcome of a pull. */
typedef enum E_CPullStatus {
  E_FOUND = 0,          /**< messages were returned */
  E_NO_NEW_MSG = 1,     /**< nothing at or after the offset yet */
  E_NO_MATCHED_MSG = 2, /**< messages exist, but none matched the expression */
  E_OFFSET_ILLEGAL = 3, /**< the offset is outside the queue */
  E_BROKER_TIMEOUT = 4  /**< the request failed: timeout, no answer or error */
} CPullStatus;

/**
 * @brief The result of one Pull(), returned by value.
 *
 * Pass every result to ReleasePullResult() when done with it (harmless for
 * results without messages). Layout on x86-64: 56 bytes, pullStatus at 0,
 * nextBeginOffset at 8, minOffset at 16, maxOffset at 24, msgFoundList at
 * 32, size at 40, pData at 48.
 */
typedef struct _CPullResult_ {
  /** The outcome. */
  CPullStatus pullStatus;
  /** The offset to pull from next (not filled for E_BROKER_TIMEOUT). */
  ROCKETMQCLIENT_EXTENSION long long nextBeginOffset;
  /** The smallest offset the queue still holds. */
  ROCKETMQCLIENT_EXTENSION long long minOffset;
  /** The offset after the last message of the queue. */
  ROCKETMQCLIENT_EXTENSION long long maxOffset;
  /**
   * For E_FOUND, an array of @p size messages in queue order; otherwise
   * NULL. The array and the messages belong to the library and stay valid
   * until ReleasePullResult().
   */
  CMessageExt** msgFoundList;
  /** The number of entries in msgFoundList. */
  int size;
  /** Library data behind msgFoundList; do not touch. */
  void* pData;
} CPullResult;

#ifdef __cplusplus
}
#endif

#endif /* __C_PULL_RESULT_H__ */
