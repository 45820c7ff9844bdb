/*
 * abi_layout.c - the structs, enums and callback types of the public headers
 * have the layouts, values and shapes of the C API they reimplement.
 *
 * Programs compiled against the C++ library's headers pass CSendResult,
 * CMQException and CPullResult by value and by pointer across the library
 * boundary, so a size or offset that differs by one byte breaks them at run
 * time, not at build time. The numbers below are those of librocketmq 2.x
 * on x86-64 (the sizes and offsets that depend on long long and pointer
 * alignment are checked on x86-64 only).
 *
 * Everything is checked at compile time; the program only reports. Built as
 * strict C89 and, through abi_layout.cpp, as C++11. It calls no library
 * function, so it needs no library.
 */

#include "CBatchMessage.h"
#include "CCommon.h"
#include "CErrorMessage.h"
#include "CMQException.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CMessageQueue.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "CPullResult.h"
#include "CPushConsumer.h"
#include "CSendResult.h"
#include "CTransactionStatus.h"

#include <stddef.h>
#include <stdio.h>

/* Compile-time check usable in C89: a negative array size fails the build. */
#define RMQ_CHECK(name, cond) typedef char rmq_check_##name[(cond) ? 1 : -1]

/* Alignment without C11's alignof: the offset of T after a char. (C++
 * refuses a type defined inside offsetof, and has alignof.) */
#ifdef __cplusplus
#define RMQ_ALIGNOF(T) alignof(T)
#else
#define RMQ_ALIGNOF(T) offsetof(struct { char c; T t; }, t)
#endif
#define RMQ_MEMBER_SIZE(T, m) sizeof(((T*)0)->m)

/* ---- CMQException.h -------------------------------------------------------- */
RMQ_CHECK(exception_msg_len, MAX_EXEPTION_MSG_LENGTH == 512);
RMQ_CHECK(exception_file_len, MAX_EXEPTION_FILE_LENGTH == 256);
RMQ_CHECK(exception_type_len, MAX_EXEPTION_TYPE_LENGTH == 128);
RMQ_CHECK(exception_size, sizeof(CMQException) == 904);
RMQ_CHECK(exception_error, offsetof(CMQException, error) == 0);
RMQ_CHECK(exception_line, offsetof(CMQException, line) == 4);
RMQ_CHECK(exception_file, offsetof(CMQException, file) == 8);
RMQ_CHECK(exception_msg, offsetof(CMQException, msg) == 264);
RMQ_CHECK(exception_type, offsetof(CMQException, type) == 776);
RMQ_CHECK(exception_file_size, RMQ_MEMBER_SIZE(CMQException, file) == 256);
RMQ_CHECK(exception_msg_size, RMQ_MEMBER_SIZE(CMQException, msg) == 512);
RMQ_CHECK(exception_type_size, RMQ_MEMBER_SIZE(CMQException, type) == 128);
RMQ_CHECK(exception_align, RMQ_ALIGNOF(CMQException) == 4);

/* ---- CSendResult.h --------------------------------------------------------- */
RMQ_CHECK(send_ok, E_SEND_OK == 0);
RMQ_CHECK(send_flush_disk_timeout, E_SEND_FLUSH_DISK_TIMEOUT == 1);
RMQ_CHECK(send_flush_slave_timeout, E_SEND_FLUSH_SLAVE_TIMEOUT == 2);
RMQ_CHECK(send_slave_not_available, E_SEND_SLAVE_NOT_AVAILABLE == 3);
RMQ_CHECK(send_status_size, sizeof(CSendStatus) == sizeof(int));
RMQ_CHECK(send_result_status, offsetof(CSendResult, sendStatus) == 0);
RMQ_CHECK(send_result_msg_id, offsetof(CSendResult, msgId) == 4);
RMQ_CHECK(send_result_msg_id_size, RMQ_MEMBER_SIZE(CSendResult, msgId) == 256);
RMQ_CHECK(send_result_offset_size, RMQ_MEMBER_SIZE(CSendResult, offset) == 8);
#if defined(__x86_64__) || defined(_M_X64)
RMQ_CHECK(send_result_size, sizeof(CSendResult) == 272);
RMQ_CHECK(send_result_offset, offsetof(CSendResult, offset) == 264);
RMQ_CHECK(send_result_align, RMQ_ALIGNOF(CSendResult) == 8);
#endif

/* ---- CMessageQueue.h ------------------------------------------------------- */
RMQ_CHECK(queue_size, sizeof(CMessageQueue) == 772);
RMQ_CHECK(queue_topic, offsetof(CMessageQueue, topic) == 0);
RMQ_CHECK(queue_broker_name, offsetof(CMessageQueue, brokerName) == 512);
RMQ_CHECK(queue_queue_id, offsetof(CMessageQueue, queueId) == 768);
RMQ_CHECK(queue_topic_size, RMQ_MEMBER_SIZE(CMessageQueue, topic) == 512);
RMQ_CHECK(queue_broker_name_size, RMQ_MEMBER_SIZE(CMessageQueue, brokerName) == 256);
RMQ_CHECK(queue_align, RMQ_ALIGNOF(CMessageQueue) == 4);

/* ---- CPullResult.h --------------------------------------------------------- */
RMQ_CHECK(pull_found, E_FOUND == 0);
RMQ_CHECK(pull_no_new_msg, E_NO_NEW_MSG == 1);
RMQ_CHECK(pull_no_matched_msg, E_NO_MATCHED_MSG == 2);
RMQ_CHECK(pull_offset_illegal, E_OFFSET_ILLEGAL == 3);
RMQ_CHECK(pull_broker_timeout, E_BROKER_TIMEOUT == 4);
RMQ_CHECK(pull_status_size, sizeof(CPullStatus) == sizeof(int));
RMQ_CHECK(pull_result_status, offsetof(CPullResult, pullStatus) == 0);
RMQ_CHECK(pull_result_offset_sizes, RMQ_MEMBER_SIZE(CPullResult, nextBeginOffset) == 8 &&
                                        RMQ_MEMBER_SIZE(CPullResult, minOffset) == 8 &&
                                        RMQ_MEMBER_SIZE(CPullResult, maxOffset) == 8);
#if defined(__x86_64__) || defined(_M_X64)
RMQ_CHECK(pull_result_size, sizeof(CPullResult) == 56);
RMQ_CHECK(pull_result_next_begin, offsetof(CPullResult, nextBeginOffset) == 8);
RMQ_CHECK(pull_result_min, offsetof(CPullResult, minOffset) == 16);
RMQ_CHECK(pull_result_max, offsetof(CPullResult, maxOffset) == 24);
RMQ_CHECK(pull_result_list, offsetof(CPullResult, msgFoundList) == 32);
RMQ_CHECK(pull_result_count, offsetof(CPullResult, size) == 40);
RMQ_CHECK(pull_result_data, offsetof(CPullResult, pData) == 48);
RMQ_CHECK(pull_result_align, RMQ_ALIGNOF(CPullResult) == 8);
#endif

/* ---- CTransactionStatus.h, CPushConsumer.h ---------------------------------- */
RMQ_CHECK(tx_commit, E_COMMIT_TRANSACTION == 0);
RMQ_CHECK(tx_rollback, E_ROLLBACK_TRANSACTION == 1);
RMQ_CHECK(tx_unknown, E_UNKNOWN_TRANSACTION == 2);
RMQ_CHECK(tx_size, sizeof(CTransactionStatus) == sizeof(int));
RMQ_CHECK(consume_success, E_CONSUME_SUCCESS == 0);
RMQ_CHECK(consume_later, E_RECONSUME_LATER == 1);
RMQ_CHECK(consume_size, sizeof(CConsumeStatus) == sizeof(int));

/* ---- typedef tags are part of the source interface -------------------------- */
static struct _CMQException_* tag_exception;
static struct _SendResult_* tag_send_result;
static struct _CMessageQueue_* tag_queue;
static struct _CPullResult_* tag_pull_result;
static enum E_CSendStatus_ tag_send_status = E_SEND_OK;
static enum E_CPullStatus tag_pull_status = E_FOUND;
static enum E_CTransactionStatus tag_tx = E_COMMIT_TRANSACTION;
static enum E_CConsumeStatus tag_consume = E_CONSUME_SUCCESS;
static struct CMessage* tag_message;
static struct CMessageExt* tag_message_ext;
static struct CBatchMessage* tag_batch;
static struct CProducer* tag_producer;
static struct CPushConsumer* tag_push;
static struct CPullConsumer* tag_pull;

/* ---- callback shapes: each assignment fails to compile on a mismatch -------- */
static int select_queue(int size, CMessage* msg, void* arg) {
  (void)msg;
  (void)arg;
  return size - 1;
}
static void send_ok(CSendResult result) { (void)result; }
static void send_failed(CMQException e) { (void)e; }
static void on_send_ok(CSendResult result, CMessage* msg, void* userData) {
  (void)result;
  (void)msg;
  (void)userData;
}
static void on_send_failed(CMQException e, CMessage* msg, void* userData) {
  (void)e;
  (void)msg;
  (void)userData;
}
static CTransactionStatus check_tx(CProducer* producer, CMessageExt* msg, void* data) {
  (void)producer;
  (void)msg;
  (void)data;
  return E_UNKNOWN_TRANSACTION;
}
static CTransactionStatus execute_tx(CProducer* producer, CMessage* msg, void* data) {
  (void)producer;
  (void)msg;
  (void)data;
  return E_COMMIT_TRANSACTION;
}
static int consume(CPushConsumer* consumer, CMessageExt* msg) {
  (void)consumer;
  (void)msg;
  return E_CONSUME_SUCCESS;
}

int main(void) {
  QueueSelectorCallback f1 = select_queue;
  CSendSuccessCallback f2 = send_ok;
  CSendExceptionCallback f3 = send_failed;
  COnSendSuccessCallback f4 = on_send_ok;
  COnSendExceptionCallback f5 = on_send_failed;
  CLocalTransactionCheckerCallback f6 = check_tx;
  CLocalTransactionExecutorCallback f7 = execute_tx;
  MessageCallBack f8 = consume;
  CMessage* no_message = tag_message;
  CMessageExt* no_message_ext = tag_message_ext;
  CBatchMessage* no_batch = tag_batch;
  CProducer* no_producer = tag_producer;
  CPushConsumer* no_push = tag_push;
  CPullConsumer* no_pull = tag_pull;

  if (f1(3, no_message, NULL) != 2 || f6(no_producer, no_message_ext, NULL) != E_UNKNOWN_TRANSACTION ||
      f7(no_producer, no_message, NULL) != E_COMMIT_TRANSACTION || f8(no_push, no_message_ext) != 0 ||
      f2 == 0 || f3 == 0 || f4 == 0 || f5 == 0 || no_batch != 0 || no_pull != 0 || tag_exception != 0 ||
      tag_send_result != 0 || tag_queue != 0 || tag_pull_result != 0 || tag_send_status != E_SEND_OK ||
      tag_pull_status != E_FOUND || tag_tx != E_COMMIT_TRANSACTION || tag_consume != E_CONSUME_SUCCESS) {
    printf("abi_layout: callback or tag check failed\n");
    return 1;
  }
  printf("abi_layout: CMQException %u, CSendResult %u, CMessageQueue %u, CPullResult %u bytes; "
         "enums and callback types match\n",
         (unsigned)sizeof(CMQException), (unsigned)sizeof(CSendResult), (unsigned)sizeof(CMessageQueue),
         (unsigned)sizeof(CPullResult));
  return 0;
}
