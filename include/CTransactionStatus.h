/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CTransactionStatus.h - the state of a local transaction.
 */

#ifndef __C_TRANSACTION_STATUS_H__
#define __C_TRANSACTION_STATUS_H__

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief What a transaction producer's callbacks (CProducer.h) tell the
 *        broker about a prepared (half) message.
 *
 * A callback returning any other value is treated as E_UNKNOWN_TRANSACTION.
 */
typedef enum E_CTransactionStatus {
  E_COMMIT_TRANSACTION = 0,   /**< deliver the message to consumers */
  E_ROLLBACK_TRANSACTION = 1, /**< discard the message */
  E_UNKNOWN_TRANSACTION = 2   /**< undecided: the broker asks again later */
} CTransactionStatus;

#ifdef __cplusplus
}
#endif

#endif /* __C_TRANSACTION_STATUS_H__ */
