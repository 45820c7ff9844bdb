/*
 * producer_api.c - every function of CProducer.h given bad input: NULL for
 * each pointer argument, calls in the wrong state (send before start, start
 * and shutdown twice, destroy twice, use after destroy), shutdown and
 * destroy from the producer's own callbacks, illegal topics and bodies,
 * over-long strings and out-of-range values, and the void* arguments C
 * programs fill with small integers. Each call must
 * return the code CProducer.h documents and leave a last error that names
 * the function, and nothing may crash.
 *
 * It needs no broker: a producer whose name server is 127.0.0.1:1 (where
 * nothing listens) starts, since starting connects to nothing, and every
 * send then fails, after checking its arguments, for want of a route. Run
 * under valgrind too, like message_api.c.
 */

#include "CErrorMessage.h"
#include "CProducer.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../checks.h"

/* Exported by upstream's library and by ours, but declared in no header. */
int SetProducerCompressMsgBodyOverHowmuch(CProducer* producer, int howmuch);

/* ---- callbacks: they count, and must never run for a refused send ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int successes, exceptions;
static CMessage* exception_msg;
static void* exception_data;
static CMQException last_exception;
static CProducer* refuse_target; /* what the exception callback tries to stop */
static int destroy_rc = -100, shutdown_rc = -100;
static char destroy_error[512], shutdown_error[512];

static void on_ok(CSendResult r) {
  (void)r;
  pthread_mutex_lock(&mu);
  successes++;
  pthread_mutex_unlock(&mu);
}

static void on_fail(CMQException e) {
  pthread_mutex_lock(&mu);
  last_exception = e;
  if (refuse_target != NULL) {
    destroy_rc = DestroyProducer(refuse_target);
    strncpy(destroy_error, GetLatestErrorMessage(), sizeof destroy_error - 1);
    shutdown_rc = ShutdownProducer(refuse_target);
    strncpy(shutdown_error, GetLatestErrorMessage(), sizeof shutdown_error - 1);
  }
  exceptions++;
  pthread_mutex_unlock(&mu);
}

static void on_ok_data(CSendResult r, CMessage* msg, void* data) {
  (void)msg;
  (void)data;
  on_ok(r);
}

static void on_fail_data(CMQException e, CMessage* msg, void* data) {
  pthread_mutex_lock(&mu);
  exception_msg = msg;
  exception_data = data;
  pthread_mutex_unlock(&mu);
  on_fail(e);
}

static int selector(int size, CMessage* msg, void* arg) {
  (void)size;
  (void)msg;
  return (int)(intptr_t)arg;
}

static CTransactionStatus executor(CProducer* p, CMessage* msg, void* data) {
  (void)p;
  (void)msg;
  (void)data;
  return E_COMMIT_TRANSACTION;
}

static CTransactionStatus checker(CProducer* p, CMessageExt* msg, void* data) {
  (void)p;
  (void)msg;
  (void)data;
  return E_UNKNOWN_TRANSACTION;
}

static int callbacks_seen(void) {
  int n;
  pthread_mutex_lock(&mu);
  n = successes + exceptions;
  pthread_mutex_unlock(&mu);
  return n;
}

/* Waits up to 30 s for the callback count to reach n. */
static int wait_callbacks(int n) {
  int i;
  for (i = 0; i < 3000 && callbacks_seen() < n; i++) usleep(10000);
  return callbacks_seen() >= n;
}

/* ---- the tests ---- */

static void test_null_producer(void) {
  CMessage* msg = CreateMessage("T");
  CBatchMessage* batch = CreateBatchMessage();
  CSendResult r;
  const char* text = "producer is NULL";

  CHECK(CreateProducer(NULL) == NULL, "CreateProducer(NULL)");
  CHECK(CreateOrderlyProducer(NULL) == NULL, "CreateOrderlyProducer(NULL)");
  CHECK(CreateTransactionProducer(NULL, checker, NULL) == NULL, "CreateTransactionProducer(NULL, ...)");
  CHECK(strcmp(ShowProducerVersion(NULL), DEFAULT_SDK_VERSION) == 0, "ShowProducerVersion(NULL) is \"%s\"",
        ShowProducerVersion(NULL));

  EXPECT(StartProducer(NULL), NULL_POINTER, "StartProducer", text);
  EXPECT(ShutdownProducer(NULL), NULL_POINTER, "ShutdownProducer", text);
  EXPECT(DestroyProducer(NULL), NULL_POINTER, "DestroyProducer", text);
  EXPECT(SetProducerNameServerAddress(NULL, "127.0.0.1:9876"), NULL_POINTER, "SetProducerNameServerAddress", text);
  EXPECT(SetProducerNameServerDomain(NULL, "http://x/ns"), NULL_POINTER, "SetProducerNameServerDomain", text);
  EXPECT(SetProducerGroupName(NULL, "g"), NULL_POINTER, "SetProducerGroupName", text);
  EXPECT(SetProducerInstanceName(NULL, "i"), NULL_POINTER, "SetProducerInstanceName", text);
  EXPECT(SetProducerSessionCredentials(NULL, "a", "s", "c"), NULL_POINTER, "SetProducerSessionCredentials", text);
  EXPECT(SetProducerLogPath(NULL, "/tmp"), NULL_POINTER, "SetProducerLogPath", text);
  EXPECT(SetProducerLogFileNumAndSize(NULL, 3, 100), NULL_POINTER, "SetProducerLogFileNumAndSize", text);
  EXPECT(SetProducerLogLevel(NULL, E_LOG_LEVEL_INFO), NULL_POINTER, "SetProducerLogLevel", text);
  EXPECT(SetProducerSendMsgTimeout(NULL, 3000), NULL_POINTER, "SetProducerSendMsgTimeout", text);
  EXPECT(SetProducerCompressLevel(NULL, 5), NULL_POINTER, "SetProducerCompressLevel", text);
  EXPECT(SetProducerCompressMsgBodyOverHowmuch(NULL, 4096), NULL_POINTER, "SetProducerCompressMsgBodyOverHowmuch",
         text);
  EXPECT(SetProducerMaxMessageSize(NULL, 1024), NULL_POINTER, "SetProducerMaxMessageSize", text);
  EXPECT(SetProducerMessageTrace(NULL, OPEN), NULL_POINTER, "SetProducerMessageTrace", text);
  EXPECT(SetProducerSsl(NULL, 1), NULL_POINTER, "SetProducerSsl", text);
  EXPECT(SetProducerSslPropertyFile(NULL, "/tmp/x"), NULL_POINTER, "SetProducerSslPropertyFile", text);
  EXPECT(SendMessageSync(NULL, msg, &r), NULL_POINTER, "SendMessageSync", text);
  EXPECT(SendBatchMessage(NULL, batch, &r), NULL_POINTER, "SendBatchMessage", text);
  EXPECT(SendMessageAsync(NULL, msg, on_ok, on_fail), NULL_POINTER, "SendMessageAsync", text);
  EXPECT(SendAsync(NULL, msg, on_ok_data, on_fail_data, NULL), NULL_POINTER, "SendAsync", text);
  EXPECT(SendMessageOneway(NULL, msg), NULL_POINTER, "SendMessageOneway", text);
  EXPECT(SendMessageOnewayOrderly(NULL, msg, selector, NULL), NULL_POINTER, "SendMessageOnewayOrderly", text);
  EXPECT(SendMessageOrderly(NULL, msg, selector, &r, 1, &r), NULL_POINTER, "SendMessageOrderly", text);
  EXPECT(SendMessageOrderlyAsync(NULL, msg, selector, NULL, on_ok, on_fail), NULL_POINTER, "SendMessageOrderlyAsync",
         text);
  EXPECT(SendMessageOrderlyByShardingKey(NULL, msg, "k", &r), NULL_POINTER, "SendMessageOrderlyByShardingKey", text);
  EXPECT(SendMessageTransaction(NULL, msg, executor, NULL, &r), NULL_POINTER, "SendMessageTransaction", text);

  /* Other handles are not producers. */
  EXPECT(StartProducer((CProducer*)msg), NULL_POINTER, "StartProducer", "not a producer");
  EXPECT(SendMessageSync((CProducer*)batch, msg, &r), NULL_POINTER, "SendMessageSync", "not a producer");
  DestroyBatchMessage(batch);
  DestroyMessage(msg);
}

static void test_null_arguments(void) {
  CProducer* p = CreateProducer("GID_producer_api_null");
  CProducer* tx = CreateTransactionProducer("GID_producer_api_null_tx", NULL, NULL);
  CMessage* msg = CreateMessage("T");
  CBatchMessage* batch = CreateBatchMessage();
  CSendResult r;
  int arg = 0;

  CHECK(p != NULL && tx != NULL, "Create*: %s", GetLatestErrorMessage());
  EXPECT(SetProducerNameServerAddress(p, NULL), NULL_POINTER, "SetProducerNameServerAddress", "namesrv is NULL");
  EXPECT(SetProducerNameServerDomain(p, NULL), NULL_POINTER, "SetProducerNameServerDomain", "domain is NULL");
  EXPECT(SetProducerGroupName(p, NULL), NULL_POINTER, "SetProducerGroupName", "groupName is NULL");
  EXPECT(SetProducerInstanceName(p, NULL), NULL_POINTER, "SetProducerInstanceName", "instanceName is NULL");
  EXPECT(SetProducerSessionCredentials(p, NULL, "s", "c"), NULL_POINTER, "SetProducerSessionCredentials",
         "accessKey is NULL");
  EXPECT(SetProducerSessionCredentials(p, "a", NULL, "c"), NULL_POINTER, "SetProducerSessionCredentials",
         "secretKey is NULL");
  EXPECT(SetProducerSessionCredentials(p, "a", "s", NULL), NULL_POINTER, "SetProducerSessionCredentials",
         "onsChannel is NULL");
  EXPECT(SetProducerLogPath(p, NULL), NULL_POINTER, "SetProducerLogPath", "logPath is NULL");
  EXPECT(SetProducerSslPropertyFile(p, NULL), NULL_POINTER, "SetProducerSslPropertyFile", "sslPropertyFile is NULL");

  EXPECT(SendMessageSync(p, NULL, &r), NULL_POINTER, "SendMessageSync", "msg is NULL");
  EXPECT(SendMessageSync(p, msg, NULL), NULL_POINTER, "SendMessageSync", "result is NULL");
  EXPECT(SendBatchMessage(p, NULL, &r), NULL_POINTER, "SendBatchMessage", "batchMsg is NULL");
  EXPECT(SendBatchMessage(p, batch, NULL), NULL_POINTER, "SendBatchMessage", "result is NULL");
  EXPECT(SendMessageAsync(p, NULL, on_ok, on_fail), NULL_POINTER, "SendMessageAsync", "msg is NULL");
  EXPECT(SendMessageAsync(p, msg, NULL, on_fail), NULL_POINTER, "SendMessageAsync", "success callback is NULL");
  EXPECT(SendMessageAsync(p, msg, on_ok, NULL), NULL_POINTER, "SendMessageAsync", "exception callback is NULL");
  EXPECT(SendAsync(p, NULL, on_ok_data, on_fail_data, NULL), NULL_POINTER, "SendAsync", "msg is NULL");
  EXPECT(SendAsync(p, msg, NULL, on_fail_data, NULL), NULL_POINTER, "SendAsync", "success callback is NULL");
  EXPECT(SendAsync(p, msg, on_ok_data, NULL, NULL), NULL_POINTER, "SendAsync", "exception callback is NULL");
  EXPECT(SendMessageOneway(p, NULL), NULL_POINTER, "SendMessageOneway", "msg is NULL");
  EXPECT(SendMessageOnewayOrderly(p, NULL, selector, NULL), NULL_POINTER, "SendMessageOnewayOrderly", "msg is NULL");
  EXPECT(SendMessageOnewayOrderly(p, msg, NULL, NULL), NULL_POINTER, "SendMessageOnewayOrderly", "selector is NULL");
  EXPECT(SendMessageOrderly(p, NULL, selector, &arg, 1, &r), NULL_POINTER, "SendMessageOrderly", "msg is NULL");
  EXPECT(SendMessageOrderly(p, msg, NULL, &arg, 1, &r), NULL_POINTER, "SendMessageOrderly", "callback is NULL");
  /* Upstream refuses a NULL arg here (only here). */
  EXPECT(SendMessageOrderly(p, msg, selector, NULL, 1, &r), NULL_POINTER, "SendMessageOrderly", "arg is NULL");
  EXPECT(SendMessageOrderly(p, msg, selector, &arg, 1, NULL), NULL_POINTER, "SendMessageOrderly", "result is NULL");
  EXPECT(SendMessageOrderlyAsync(p, NULL, selector, NULL, on_ok, on_fail), NULL_POINTER, "SendMessageOrderlyAsync",
         "msg is NULL");
  EXPECT(SendMessageOrderlyAsync(p, msg, NULL, NULL, on_ok, on_fail), NULL_POINTER, "SendMessageOrderlyAsync",
         "callback is NULL");
  EXPECT(SendMessageOrderlyAsync(p, msg, selector, NULL, NULL, on_fail), NULL_POINTER, "SendMessageOrderlyAsync",
         "success callback is NULL");
  EXPECT(SendMessageOrderlyAsync(p, msg, selector, NULL, on_ok, NULL), NULL_POINTER, "SendMessageOrderlyAsync",
         "exception callback is NULL");
  EXPECT(SendMessageOrderlyByShardingKey(p, NULL, "k", &r), NULL_POINTER, "SendMessageOrderlyByShardingKey",
         "msg is NULL");
  EXPECT(SendMessageOrderlyByShardingKey(p, msg, NULL, &r), NULL_POINTER, "SendMessageOrderlyByShardingKey",
         "shardingKey is NULL");
  EXPECT(SendMessageOrderlyByShardingKey(p, msg, "k", NULL), NULL_POINTER, "SendMessageOrderlyByShardingKey",
         "result is NULL");
  EXPECT(SendMessageTransaction(tx, NULL, executor, NULL, &r), NULL_POINTER, "SendMessageTransaction", "msg is NULL");
  EXPECT(SendMessageTransaction(tx, msg, NULL, NULL, &r), NULL_POINTER, "SendMessageTransaction", "callback is NULL");
  EXPECT(SendMessageTransaction(tx, msg, executor, NULL, NULL), NULL_POINTER, "SendMessageTransaction",
         "result is NULL");

  /* A received message cannot be sent as it is, nor a message be a batch. */
  EXPECT(SendBatchMessage(p, (CBatchMessage*)msg, &r), NULL_POINTER, "SendBatchMessage", "not a batchMsg");
  EXPECT(SendMessageOneway(p, (CMessage*)batch), NULL_POINTER, "SendMessageOneway", "not a msg");

  CHECK(DestroyProducer(p) == OK && DestroyProducer(tx) == OK, "DestroyProducer");
  DestroyBatchMessage(batch);
  DestroyMessage(msg);
}

/* Every send function but SendMessageTransaction, given msg, fails at once
   with its own failure code and a last error saying text. */
static void expect_every_send(CProducer* p, CMessage* msg, const char* text) {
  CSendResult r;
  CBatchMessage* batch = CreateBatchMessage();
  int arg = 0;
  int before = callbacks_seen();
  AddMessage(batch, msg);
  EXPECT(SendMessageSync(p, msg, &r), PRODUCER_SEND_SYNC_FAILED, "SendMessageSync", text);
  EXPECT(SendBatchMessage(p, batch, &r), PRODUCER_SEND_SYNC_FAILED, "SendBatchMessage", text);
  EXPECT(SendMessageAsync(p, msg, on_ok, on_fail), PRODUCER_SEND_ASYNC_FAILED, "SendMessageAsync", text);
  EXPECT(SendAsync(p, msg, on_ok_data, on_fail_data, NULL), PRODUCER_SEND_ASYNC_FAILED, "SendAsync", text);
  EXPECT(SendMessageOneway(p, msg), PRODUCER_SEND_ONEWAY_FAILED, "SendMessageOneway", text);
  EXPECT(SendMessageOnewayOrderly(p, msg, selector, NULL), PRODUCER_SEND_ONEWAY_FAILED, "SendMessageOnewayOrderly",
         text);
  EXPECT(SendMessageOrderly(p, msg, selector, &arg, 1, &r), PRODUCER_SEND_ORDERLY_FAILED, "SendMessageOrderly", text);
  EXPECT(SendMessageOrderlyAsync(p, msg, selector, NULL, on_ok, on_fail), PRODUCER_SEND_ORDERLYASYNC_FAILED,
         "SendMessageOrderlyAsync", text);
  EXPECT(SendMessageOrderlyByShardingKey(p, msg, "k", &r), PRODUCER_SEND_ORDERLY_FAILED,
         "SendMessageOrderlyByShardingKey", text);
  DestroyBatchMessage(batch);
  /* A send refused at once gets no callback. */
  usleep(100000);
  CHECK(callbacks_seen() == before, "%d callbacks for refused sends", callbacks_seen() - before);
}

static void test_wrong_states_and_illegal_messages(void) {
  CProducer* p = CreateProducer("GID_producer_api_states");
  CMessage* msg = CreateMessage("T_producer_api");
  CMessage* bad = CreateMessage("");
  char big[2048];
  char long_topic[200];
  CSendResult r;

  SetMessageBody(msg, "body");
  SetMessageBody(bad, "body");
  expect_every_send(p, msg, "not started");
  EXPECT(StartProducer(p), PRODUCER_START_FAILED, "StartProducer", "no name server");
  EXPECT(SetProducerNameServerAddress(p, "no port here"), PRODUCER_START_FAILED, "SetProducerNameServerAddress",
         "host:port");
  EXPECT(SetProducerNameServerDomain(p, "ftp://example.com/ns"), PRODUCER_START_FAILED,
         "SetProducerNameServerDomain", "");
  EXPECT(SetProducerSendMsgTimeout(p, 0), PRODUCER_START_FAILED, "SetProducerSendMsgTimeout", "positive");
  EXPECT(SetProducerCompressLevel(p, 10), PRODUCER_START_FAILED, "SetProducerCompressLevel", "zlib level");
  EXPECT(SetProducerMaxMessageSize(p, 0), PRODUCER_START_FAILED, "SetProducerMaxMessageSize", "positive");
  EXPECT(ShutdownProducer(p), OK, "", ""); /* not started: nothing to do */

  EXPECT(SetProducerNameServerAddress(p, "http://127.0.0.1:1"), OK, "", "");
  EXPECT(SetProducerMaxMessageSize(p, 1024), OK, "", "");
  EXPECT(SetProducerSendMsgTimeout(p, 2000), OK, "", "");
  EXPECT(SetProducerCompressLevel(p, 0), OK, "", "");
  EXPECT(SetProducerCompressMsgBodyOverHowmuch(p, 100), OK, "", "");
  EXPECT(SetProducerMessageTrace(p, CLOSE), OK, "", "");
  EXPECT(SetProducerSsl(p, 0), OK, "", "");
  EXPECT(SetProducerLogLevel(p, E_LOG_LEVEL_WARN), OK, "", "");
  EXPECT(SetProducerLogFileNumAndSize(p, 3, 50), OK, "", "");
  EXPECT(StartProducer(p), OK, "", "");
  EXPECT(StartProducer(p), OK, "", ""); /* as upstream: a no-op */
  EXPECT(SetProducerGroupName(p, "other"), PRODUCER_START_FAILED, "SetProducerGroupName", "before it");
  EXPECT(SetProducerLogLevel(p, E_LOG_LEVEL_WARN), OK, "", ""); /* process-wide: always */
  CHECK(strncmp(ShowProducerVersion(p), "GO CORE VERSION: ", 17) == 0, "version \"%s\"", ShowProducerVersion(p));

  /* Illegal messages fail before anything is sent. */
  expect_every_send(p, bad, "blank");
  SetMessageTopic(bad, "bad topic!");
  expect_every_send(p, bad, "illegal characters");
  memset(long_topic, 'x', sizeof long_topic - 1);
  long_topic[sizeof long_topic - 1] = '\0';
  SetMessageTopic(bad, long_topic);
  expect_every_send(p, bad, "longer than");
  SetMessageTopic(bad, "TBW102");
  expect_every_send(p, bad, "default topic");
  SetMessageTopic(bad, "T_producer_api");
  SetByteMessageBody(bad, NULL, 0);
  expect_every_send(p, bad, "body is empty");
  memset(big, 'b', sizeof big);
  SetByteMessageBody(bad, big, (int)sizeof big);
  expect_every_send(p, bad, "over the max");

  EXPECT(ShutdownProducer(p), OK, "", "");
  EXPECT(ShutdownProducer(p), PRODUCER_START_FAILED, "ShutdownProducer", "already shut down");
  expect_every_send(p, msg, "shut down");
  EXPECT(StartProducer(p), PRODUCER_START_FAILED, "StartProducer", "create a new one");
  EXPECT(SetProducerSsl(p, 1), PRODUCER_START_FAILED, "SetProducerSsl", "shut down");
  EXPECT(DestroyProducer(p), OK, "", "");

  /* Use after destroy: every function refuses, none crashes. */
  EXPECT(DestroyProducer(p), NULL_POINTER, "DestroyProducer", "destroyed");
  EXPECT(StartProducer(p), NULL_POINTER, "StartProducer", "destroyed");
  EXPECT(ShutdownProducer(p), NULL_POINTER, "ShutdownProducer", "destroyed");
  EXPECT(SetProducerGroupName(p, "g"), NULL_POINTER, "SetProducerGroupName", "destroyed");
  EXPECT(SetProducerLogLevel(p, E_LOG_LEVEL_INFO), NULL_POINTER, "SetProducerLogLevel", "destroyed");
  EXPECT(SendMessageSync(p, msg, &r), NULL_POINTER, "SendMessageSync", "destroyed");
  EXPECT(SendMessageAsync(p, msg, on_ok, on_fail), NULL_POINTER, "SendMessageAsync", "destroyed");
  CHECK(strcmp(ShowProducerVersion(p), DEFAULT_SDK_VERSION) == 0, "version after destroy \"%s\"",
        ShowProducerVersion(p));
  DestroyMessage(bad);
  DestroyMessage(msg);
}

static void test_producer_kinds(void) {
  CProducer* tx = CreateTransactionProducer("GID_producer_api_tx", checker, (void*)(intptr_t)5);
  CProducer* orderly = CreateOrderlyProducer("GID_producer_api_orderly");
  CMessage* msg = CreateMessage("T_producer_api");
  CSendResult r;
  SetMessageBody(msg, "body");
  SetProducerNameServerAddress(tx, "127.0.0.1:1");
  SetProducerNameServerAddress(orderly, "127.0.0.1:1");
  EXPECT(StartProducer(tx), OK, "", "");
  EXPECT(StartProducer(orderly), OK, "", "");
  expect_every_send(tx, msg, "SendMessageTransaction");
  EXPECT(SendMessageTransaction(orderly, msg, executor, NULL, &r), PRODUCER_SEND_TRANSACTION_FAILED,
         "SendMessageTransaction", "CreateTransactionProducer");
  /* No name server answers: the prepared message cannot be sent. */
  EXPECT(SendMessageTransaction(tx, msg, executor, (void*)(intptr_t)1, &r), PRODUCER_SEND_TRANSACTION_FAILED,
         "SendMessageTransaction", "route");
  CHECK(DestroyProducer(tx) == OK && DestroyProducer(orderly) == OK, "DestroyProducer");
  DestroyMessage(msg);
}

/* C programs pass small integers as void*: they must travel untouched. */
static void test_small_integer_arguments(void) {
  CProducer* p = CreateProducer("GID_producer_api_ints");
  CMessage* msg = CreateMessage("T_producer_api");
  CSendResult r;
  int before = callbacks_seen();
  SetMessageBody(msg, "body");
  SetProducerNameServerAddress(p, "127.0.0.1:1");
  SetProducerSendMsgTimeout(p, 2000);
  EXPECT(StartProducer(p), OK, "", "");
  EXPECT(SendMessageOrderly(p, msg, selector, (void*)(intptr_t)1, 0, &r), PRODUCER_SEND_ORDERLY_FAILED,
         "SendMessageOrderly", "route");
  EXPECT(SendMessageOnewayOrderly(p, msg, selector, (void*)(intptr_t)2), PRODUCER_SEND_ONEWAY_FAILED,
         "SendMessageOnewayOrderly", "route");
  /* Accepted, then failed for want of a route: the exception callback says
     so, with the message and data given. */
  EXPECT(SendAsync(p, msg, on_ok_data, on_fail_data, (void*)(intptr_t)3), OK, "", "");
  CHECK(wait_callbacks(before + 1), "no callback for SendAsync");
  pthread_mutex_lock(&mu);
  CHECK(exception_msg == msg && exception_data == (void*)(intptr_t)3, "callback got msg %p data %p",
        (void*)exception_msg, exception_data);
  CHECK(last_exception.error == -1 && strncmp(last_exception.msg, "msg: SendAsync: ", 16) == 0 &&
            last_exception.type[0] != '\0',
        "exception: error %d msg \"%s\" type \"%s\"", last_exception.error, last_exception.msg, last_exception.type);
  pthread_mutex_unlock(&mu);
  EXPECT(SendMessageOrderlyAsync(p, msg, selector, (void*)(intptr_t)4, on_ok, on_fail), OK, "", "");
  CHECK(wait_callbacks(before + 2), "no callback for SendMessageOrderlyAsync");
  CHECK(DestroyProducer(p) == OK, "DestroyProducer");
  DestroyMessage(msg);
}

/* Shutdown and destroy from the producer's own callback would wait for
   that callback: both refuse, and the producer keeps working. */
static void test_stop_from_own_callback(void) {
  CProducer* p = CreateProducer("GID_producer_api_reentry");
  CMessage* msg = CreateMessage("T_producer_api");
  int before = callbacks_seen();
  SetMessageBody(msg, "body");
  SetProducerNameServerAddress(p, "127.0.0.1:1");
  EXPECT(StartProducer(p), OK, "", "");
  pthread_mutex_lock(&mu);
  refuse_target = p;
  pthread_mutex_unlock(&mu);
  EXPECT(SendMessageAsync(p, msg, on_ok, on_fail), OK, "", "");
  CHECK(wait_callbacks(before + 1), "no callback");
  pthread_mutex_lock(&mu);
  refuse_target = NULL;
  CHECK(destroy_rc == NULL_POINTER && strstr(destroy_error, "DestroyProducer") != NULL &&
            strstr(destroy_error, "callback") != NULL,
        "DestroyProducer from its callback: %d \"%s\"", destroy_rc, destroy_error);
  CHECK(shutdown_rc == PRODUCER_START_FAILED && strstr(shutdown_error, "ShutdownProducer") != NULL &&
            strstr(shutdown_error, "callback") != NULL,
        "ShutdownProducer from its callback: %d \"%s\"", shutdown_rc, shutdown_error);
  pthread_mutex_unlock(&mu);
  EXPECT(SendMessageAsync(p, msg, on_ok, on_fail), OK, "", ""); /* still running */
  CHECK(wait_callbacks(before + 2), "no callback");
  EXPECT(ShutdownProducer(p), OK, "", "");
  EXPECT(DestroyProducer(p), OK, "", "");
  DestroyMessage(msg);
}

/* Where the library's log file goes when no test changes it. */
static const char* log_dir(void) {
  const char* d = getenv("ROCKETMQ_CLIENT_LOG_DIR");
  return d != NULL && *d != '\0' ? d : "/tmp";
}

/* Over-long strings (1 MiB) for every string argument, and enum values out
   of range: each call answers with a code, and the errors name the call. */
static void test_overlong_and_invalid_values(void) {
  size_t n = 1 << 20;
  char* s = malloc(n + 1);
  CProducer* p;
  CMessage* msg = CreateMessage("T_producer_api");
  CSendResult r;
  memset(s, 'x', n);
  s[n] = '\0';
  p = CreateProducer(s);
  CHECK(p != NULL, "CreateProducer(1 MiB): %s", GetLatestErrorMessage());
  EXPECT(SetProducerNameServerAddress(p, s), PRODUCER_START_FAILED, "SetProducerNameServerAddress",
         "bad name server address");
  EXPECT(SetProducerNameServerDomain(p, s), OK, "", "");
  EXPECT(SetProducerGroupName(p, s), OK, "", "");
  EXPECT(SetProducerInstanceName(p, s), OK, "", "");
  EXPECT(SetProducerSessionCredentials(p, s, s, s), OK, "", "");
  EXPECT(SetProducerLogPath(p, s), OK, "", "");
  /* The log path is the process's: back to one that can be written. */
  EXPECT(SetProducerLogPath(p, log_dir()), OK, "", "");
  EXPECT(SetProducerSslPropertyFile(p, s), OK, "", "");
  /* As upstream, levels and trace models outside the enums are taken as they come. */
  EXPECT(SetProducerLogLevel(p, (CLogLevel)-5), OK, "", "");
  EXPECT(SetProducerMessageTrace(p, (CTraceModel)9), OK, "", "");
  EXPECT(SetProducerLogFileNumAndSize(p, -1, -1), OK, "", "");
  EXPECT(SetProducerSendMsgTimeout(p, -1), PRODUCER_START_FAILED, "SetProducerSendMsgTimeout", "positive");
  EXPECT(SetProducerCompressLevel(p, -2), PRODUCER_START_FAILED, "SetProducerCompressLevel", "zlib level");
  EXPECT(SetProducerMaxMessageSize(p, -1), PRODUCER_START_FAILED, "SetProducerMaxMessageSize", "positive");
  EXPECT(SetProducerSslPropertyFile(p, ""), OK, "", "");
  EXPECT(SetProducerNameServerAddress(p, "127.0.0.1:1"), OK, "", "");
  EXPECT(StartProducer(p), OK, "", "");
  SetMessageBody(msg, "body");
  EXPECT(SendMessageOrderlyByShardingKey(p, msg, s, &r), PRODUCER_SEND_ORDERLY_FAILED,
         "SendMessageOrderlyByShardingKey", "");
  SetMessageKeys(msg, s);
  expect_every_send(p, msg, "properties");
  SetMessageKeys(msg, "k");
  SetMessageProperty(msg, s, "v");
  expect_every_send(p, msg, "properties");
  EXPECT(DestroyProducer(p), OK, "", "");
  DestroyMessage(msg);
  free(s);
}

int main(void) {
  /* The name server must come from the tests alone. */
#ifdef _WIN32
  _putenv("NAMESRV_ADDR=");
#else
  setenv("NAMESRV_ADDR", "", 1);
#endif
  test_null_producer();
  test_null_arguments();
  test_wrong_states_and_illegal_messages();
  test_producer_kinds();
  test_small_integer_arguments();
  test_stop_from_own_callback();
  test_overlong_and_invalid_values();
  CHECK(successes == 0, "%d sends succeeded without a broker", successes);
  if (failures != 0) {
    fprintf(stderr, "producer_api: %d checks failed\n", failures);
    return 1;
  }
  printf("producer_api: all checks passed\n");
  return 0;
}
