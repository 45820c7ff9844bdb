/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CSendResult.h - the outcome of a successful send.
 */

#ifndef __C_SEND_RESULT_H__
#define __C_SEND_RESULT_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief How well a sent message is stored, as the broker reports it.
 *
 * Every value means the broker accepted the message. The values other than
 * E_SEND_OK warn that it is not yet as durable as the broker is configured
 * to make it (flushed to disk, or copied to a slave).
 */
typedef enum E_CSendStatus_ {
  E_SEND_OK = 0,                  /**< stored as configured */
  E_SEND_FLUSH_DISK_TIMEOUT = 1,  /**< synchronous flush to disk timed out */
  E_SEND_FLUSH_SLAVE_TIMEOUT = 2, /**< copy to the slave timed out */
  E_SEND_SLAVE_NOT_AVAILABLE = 3  /**< no slave to copy to */
} CSendStatus;

/**
 * @brief What a send reports on success.
 *
 * Filled through the result pointer of the synchronous send functions, and
 * passed by value to the success callbacks of the asynchronous ones
 * (CProducer.h). Layout on x86-64: 272 bytes, sendStatus at 0, msgId at 4,
 * offset at 264.
 */
typedef struct _SendResult_ {
  /** How the message is stored. */
  CSendStatus sendStatus;
  /**
   * The message id, NUL-terminated: the id the producer gave the message
   * (property UNIQ_KEY, 32 hex characters). "" for a batch.
   */
  char msgId[MAX_MESSAGE_ID_LENGTH];
  /** The position of the message in its queue. */
  ROCKETMQCLIENT_EXTENSION long long offset;
} CSendResult;

#ifdef __cplusplus
}
#endif

#endif /* __C_SEND_RESULT_H__ */
