/*
 * header_check.c - the public headers compile cleanly and hold the values of
 * the C API they reimplement.
 *
 * Built twice by CMake: as strict C89 (-std=c90 -pedantic-errors -Werror) and
 * as C++11 (through header_check.cpp), each time together with the generated
 * symbols_ref.c, which includes every public header and takes the address of
 * every declared function the library exports (every declared function, with
 * RMQ_REQUIRE_ALL_SYMBOLS). Linking against the library therefore proves that
 * each of them resolves with C linkage; running checks the values below.
 */

#include "CCommon.h"
#include "CErrorMessage.h"

#include <stdio.h>
#include <string.h>

/* Compile-time check usable in C89: a negative array size fails the build. */
#define RMQ_CHECK(name, cond) typedef char rmq_check_##name[(cond) ? 1 : -1]

RMQ_CHECK(max_message_id_length, MAX_MESSAGE_ID_LENGTH == 256);
RMQ_CHECK(max_topic_length, MAX_TOPIC_LENGTH == 512);
RMQ_CHECK(max_broker_name_id_length, MAX_BROKER_NAME_ID_LENGTH == 256);
RMQ_CHECK(max_sdk_version_length, MAX_SDK_VERSION_LENGTH == 256);

RMQ_CHECK(ok, OK == 0);
RMQ_CHECK(null_pointer, NULL_POINTER == 1);
RMQ_CHECK(malloc_failed, MALLOC_FAILED == 2);
RMQ_CHECK(producer_code_start, PRODUCER_ERROR_CODE_START == 10);
RMQ_CHECK(producer_start_failed, PRODUCER_START_FAILED == 10);
RMQ_CHECK(send_sync_failed, PRODUCER_SEND_SYNC_FAILED == 11);
RMQ_CHECK(send_oneway_failed, PRODUCER_SEND_ONEWAY_FAILED == 12);
RMQ_CHECK(send_orderly_failed, PRODUCER_SEND_ORDERLY_FAILED == 13);
RMQ_CHECK(send_async_failed, PRODUCER_SEND_ASYNC_FAILED == 14);
RMQ_CHECK(send_orderlyasync_failed, PRODUCER_SEND_ORDERLYASYNC_FAILED == 15);
RMQ_CHECK(send_transaction_failed, PRODUCER_SEND_TRANSACTION_FAILED == 16);
RMQ_CHECK(push_code_start, PUSHCONSUMER_ERROR_CODE_START == 20);
RMQ_CHECK(push_start_failed, PUSHCONSUMER_START_FAILED == 20);
RMQ_CHECK(pull_code_start, PULLCONSUMER_ERROR_CODE_START == 30);
RMQ_CHECK(pull_start_failed, PULLCONSUMER_START_FAILED == 30);
RMQ_CHECK(fetch_mq_failed, PULLCONSUMER_FETCH_MQ_FAILED == 31);
RMQ_CHECK(fetch_message_failed, PULLCONSUMER_FETCH_MESSAGE_FAILED == 32);
RMQ_CHECK(not_support, Not_Support == 500);
RMQ_CHECK(not_support_now, NOT_SUPPORT_NOW == -1);

RMQ_CHECK(log_fatal, E_LOG_LEVEL_FATAL == 1);
RMQ_CHECK(log_error, E_LOG_LEVEL_ERROR == 2);
RMQ_CHECK(log_warn, E_LOG_LEVEL_WARN == 3);
RMQ_CHECK(log_info, E_LOG_LEVEL_INFO == 4);
RMQ_CHECK(log_debug, E_LOG_LEVEL_DEBUG == 5);
RMQ_CHECK(log_trace, E_LOG_LEVEL_TRACE == 6);
RMQ_CHECK(log_level_num, E_LOG_LEVEL_LEVEL_NUM == 7);

RMQ_CHECK(broadcasting, BROADCASTING == 0);
RMQ_CHECK(clustering, CLUSTERING == 1);
RMQ_CHECK(trace_open, OPEN == 0);
RMQ_CHECK(trace_close, CLOSE == 1);

/* Every enum has the size of an int: they cross the ABI by value. */
RMQ_CHECK(sizeof_status, sizeof(CStatus) == sizeof(int));
RMQ_CHECK(sizeof_log_level, sizeof(CLogLevel) == sizeof(int));
RMQ_CHECK(sizeof_message_model, sizeof(CMessageModel) == sizeof(int));
RMQ_CHECK(sizeof_trace_model, sizeof(CTraceModel) == sizeof(int));

/* The tags of the typedefs are part of the source interface too. */
static enum _CStatus_ status_tag = OK;
static enum _CLogLevel_ log_level_tag = E_LOG_LEVEL_INFO;
static enum _CMessageModel_ model_tag = CLUSTERING;
static enum _CTraceModel_ trace_tag = CLOSE;

int rmq_referenced_symbols(void); /* symbols_ref.c, generated */
int rmq_declared_symbols(void);

int main(void) {
  int n = rmq_referenced_symbols();
  int declared = rmq_declared_symbols();
  if (strcmp(DEFAULT_SDK_VERSION, "DefaultVersion") != 0) {
    printf("DEFAULT_SDK_VERSION is \"%s\"\n", DEFAULT_SDK_VERSION);
    return 1;
  }
  if (n <= 0 || declared < n) {
    printf("symbols_ref.c: function table is inconsistent (%d of %d)\n", n, declared);
    return 1;
  }
  if (status_tag != OK || log_level_tag != E_LOG_LEVEL_INFO || model_tag != CLUSTERING ||
      trace_tag != CLOSE) {
    return 1;
  }
  printf("headers: values match; %d of %d declared functions resolved\n", n, declared);
  return 0;
}
