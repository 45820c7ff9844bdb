/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CMQException.h - why an asynchronous send failed.
 *
 * The misspelling "EXEPTION" in the macro names is the C++ library's and is
 * kept, so that programs written against it compile unchanged.
 */

#ifndef __C_MQEXCPTION_H__
#define __C_MQEXCPTION_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Sizes of the CMQException text fields, including the NUL. @{ */
#define MAX_EXEPTION_MSG_LENGTH 512
#define MAX_EXEPTION_FILE_LENGTH 256
#define MAX_EXEPTION_TYPE_LENGTH 128
/** @} */

/**
 * @brief A failure, passed by value to the exception callbacks of the
 *        asynchronous send functions (CProducer.h).
 *
 * Every text field is NUL-terminated (truncated if the text is longer) and
 * the unused rest of each array is zero. Layout: 904 bytes, error at 0, line
 * at 4, file at 8, msg at 264, type at 776.
 */
typedef struct _CMQException_ {
  /** A code for the failure, usually -1 (the C++ library's value). */
  int error;
  /** The line in @p file where the failure was detected, or 0. */
  int line;
  /** The library source file where the failure was detected, or "". */
  char file[MAX_EXEPTION_FILE_LENGTH];
  /** A description, starting with "msg: " like GetLatestErrorMessage(). */
  char msg[MAX_EXEPTION_MSG_LENGTH];
  /** The kind of failure (an exception class name of the C++ library), or "". */
  char type[MAX_EXEPTION_TYPE_LENGTH];
} CMQException;

#ifdef __cplusplus
}
#endif

#endif /* __C_MQEXCPTION_H__ */
