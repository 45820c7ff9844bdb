/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CErrorMessage.h - the text of the last error on the calling thread.
 */

#ifndef __CERROR_MESSAGE_H__
#define __CERROR_MESSAGE_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Describes the last failure recorded on the calling thread.
 *
 * When a function of this API returns a CStatus other than OK, it records a
 * human-readable description of the failure for the thread that called it.
 * Call this function on that same thread, before making further calls, to
 * read it. Messages of failed operations start with "msg: ".
 *
 * The message is per thread: a failure on one thread never changes what
 * another thread reads. It is not cleared by successful calls, so only read
 * it after a call that failed.
 *
 * @returns the message as a NUL-terminated UTF-8 string, or "" when no error
 *          has been recorded on this thread. Never NULL.
 *
 * @remark Ownership: the string belongs to the library. Do not free or modify
 *         it. It stays valid until the next failure recorded on the same
 *         thread, or until that thread exits; copy it to keep it longer.
 * @remark Thread-safety: safe to call from any thread; never blocks. It also
 *         works after an internal error has disabled the rest of the library.
 */
ROCKETMQCLIENT_API const char* GetLatestErrorMessage(void);

#ifdef __cplusplus
}
#endif

#endif /* __CERROR_MESSAGE_H__ */
