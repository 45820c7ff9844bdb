/*
 * librocketmq-go: the C API of the Apache RocketMQ C client (librocketmq),
 * implemented in Go.
 *
 * CCommon.h - status codes, enums, length limits and the export macro shared
 * by every other C header of the library.
 *
 * This header declares types and macros only. The names and values below are
 * part of the binary interface of librocketmq 1.2.x/2.x: programs built against
 * that library's headers run unchanged against this one, and the reverse.
 *
 * The header is valid C89 and C++; every declaration has C linkage.
 *
 * The host process. The library carries a Go runtime, which starts threads
 * when the library is loaded:
 *  - fork(): a child forked after the library was loaded cannot use it: the
 *    runtime's threads do not survive the fork, and a send would wait for
 *    them forever. Every function (but GetLatestErrorMessage) therefore
 *    fails at once in such a child, without entering the runtime, with an
 *    error saying so: Not_Support, NULL, or -1 for the getters of numbers
 *    (E_BROKER_TIMEOUT for Pull). Fork before
 *    loading the library (dlopen in the child), or exec in the child; both
 *    are tested (host_fork.c).
 *  - signals: the runtime leaves SIGINT and SIGTERM to the host. For SIGPIPE
 *    it installs a handler that passes signals it did not cause on to the
 *    handler or disposition the host had set (SIG_IGN, as Python sets it,
 *    included), so a broken connection inside the library does not kill the
 *    process; a handler the host installs after loading replaces it, which
 *    is safe as long as it is not SIG_DFL (host_signals.c).
 */

#ifndef __C_COMMON_H__
#define __C_COMMON_H__

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @name Length limits
 *
 * Sizes, in bytes and including the terminating NUL, of the fixed character
 * arrays inside the structs of this API (CSendResult, CMessageQueue, ...).
 * A longer value is truncated when the library copies it into such an array.
 * @{
 */
#define MAX_MESSAGE_ID_LENGTH 256     /**< message id arrays */
#define MAX_TOPIC_LENGTH 512          /**< topic arrays */
#define MAX_BROKER_NAME_ID_LENGTH 256 /**< broker name arrays */
#define MAX_SDK_VERSION_LENGTH 256    /**< Show*Version() result buffers */
/** The version text reported when no other version is known. */
#define DEFAULT_SDK_VERSION "DefaultVersion"
/** @} */

/**
 * @brief Status returned by every function of this API that returns an int.
 *
 * OK (0) means success. Any other value names the operation that failed;
 * GetLatestErrorMessage() (CErrorMessage.h), called on the same thread right
 * afterwards, describes why.
 *
 * NULL_POINTER is returned when a required pointer argument is NULL, or when
 * an object pointer does not refer to a live object of the expected kind
 * (for example one that was already destroyed).
 *
 * Some names share a value: the *_ERROR_CODE_START entries mark where the
 * codes of one kind of client begin.
 */
typedef enum _CStatus_ {
  OK = 0,                                 /**< success */
  NULL_POINTER = 1,                       /**< NULL or invalid pointer argument */
  MALLOC_FAILED = 2,                      /**< memory allocation failed */

  PRODUCER_ERROR_CODE_START = 10,         /**< first producer code */
  PRODUCER_START_FAILED = 10,             /**< producer start (or setter) failed */
  PRODUCER_SEND_SYNC_FAILED = 11,         /**< synchronous send failed */
  PRODUCER_SEND_ONEWAY_FAILED = 12,       /**< one-way send failed */
  PRODUCER_SEND_ORDERLY_FAILED = 13,      /**< orderly send failed */
  PRODUCER_SEND_ASYNC_FAILED = 14,        /**< asynchronous send not started */
  PRODUCER_SEND_ORDERLYASYNC_FAILED = 15, /**< orderly asynchronous send not started */
  PRODUCER_SEND_TRANSACTION_FAILED = 16,  /**< transactional send failed */

  PUSHCONSUMER_ERROR_CODE_START = 20,     /**< first push consumer code */
  PUSHCONSUMER_START_FAILED = 20,         /**< push consumer start failed */

  PULLCONSUMER_ERROR_CODE_START = 30,     /**< first pull consumer code */
  PULLCONSUMER_START_FAILED = 30,         /**< pull consumer start failed */
  PULLCONSUMER_FETCH_MQ_FAILED = 31,      /**< fetching message queues failed */
  PULLCONSUMER_FETCH_MESSAGE_FAILED = 32, /**< reserved, not returned */

  Not_Support = 500,                      /**< not supported (every call in a forked child) */
  NOT_SUPPORT_NOW = -1                    /**< reserved, not returned */
} CStatus;

/**
 * @brief Log verbosity, from least (FATAL) to most (TRACE) verbose.
 *
 * Used by the Set*LogLevel() functions. E_LOG_LEVEL_LEVEL_NUM is the number of
 * levels plus one, not a level.
 */
typedef enum _CLogLevel_ {
  E_LOG_LEVEL_FATAL = 1,
  E_LOG_LEVEL_ERROR = 2,
  E_LOG_LEVEL_WARN = 3,
  E_LOG_LEVEL_INFO = 4,
  E_LOG_LEVEL_DEBUG = 5,
  E_LOG_LEVEL_TRACE = 6,
  E_LOG_LEVEL_LEVEL_NUM = 7
} CLogLevel;

/**
 * @def ROCKETMQCLIENT_API
 * @brief Marks every function that the library exports.
 *
 * Empty everywhere except on Windows (when WIN32 is defined):
 *  - WIN32 and ROCKETMQCLIENT_EXPORTS and _WINDLL: __declspec(dllexport);
 *  - WIN32 and ROCKETMQCLIENT_EXPORTS without _WINDLL: empty;
 *  - WIN32 and ROCKETMQCLIENT_IMPORT (and no ROCKETMQCLIENT_EXPORTS):
 *    __declspec(dllimport);
 *  - WIN32 and neither: empty.
 * Programs that use the DLL may define ROCKETMQCLIENT_IMPORT before including
 * any header of this library. No calling convention is attached: functions use
 * the platform's default C convention.
 */
#ifdef WIN32
#ifdef ROCKETMQCLIENT_EXPORTS
#ifdef _WINDLL
#define ROCKETMQCLIENT_API __declspec(dllexport)
#else
#define ROCKETMQCLIENT_API
#endif
#else
#ifdef ROCKETMQCLIENT_IMPORT
#define ROCKETMQCLIENT_API __declspec(dllimport)
#else
#define ROCKETMQCLIENT_API
#endif
#endif
#else
#define ROCKETMQCLIENT_API
#endif

/**
 * @def ROCKETMQCLIENT_EXTENSION
 * @brief Precedes each declaration that uses long long.
 *
 * The API passes 64-bit values as long long, which C89 lacks but every
 * supported C compiler provides (C++ has it since C++11). With GCC and
 * Clang this expands to __extension__, so that the headers stay quiet under
 * -std=c89 -pedantic; elsewhere it is empty. It changes no type.
 */
#if defined(__GNUC__)
#define ROCKETMQCLIENT_EXTENSION __extension__
#else
#define ROCKETMQCLIENT_EXTENSION
#endif

/**
 * @brief How a consumer group shares the messages of a topic.
 *
 * BROADCASTING: every consumer of the group receives every message.
 * CLUSTERING: each message goes to one consumer of the group (the default).
 */
typedef enum _CMessageModel_ { BROADCASTING = 0, CLUSTERING = 1 } CMessageModel;

/**
 * @brief Whether message tracing is on.
 *
 * Note that OPEN is 0: only the value OPEN turns tracing on, and every other
 * value turns it off.
 */
typedef enum _CTraceModel_ { OPEN = 0, CLOSE = 1 } CTraceModel;

#ifdef __cplusplus
}
#endif

#endif /* __C_COMMON_H__ */
