/*
 * consumer_api.c - every function of CPushConsumer.h and CPullConsumer.h
 * given bad input: NULL for each pointer argument, out-of-range numbers,
 * over-long (1 MiB) strings, calls in the wrong state (settings after
 * start, pull before start and after shutdown, destroy twice, use after
 * destroy), other kinds of handle,
 * and ReleasePullResult of results without messages, zeroed and released
 * twice. Each call must return the code the headers document, with a last
 * error that names the function, and nothing may crash.
 *
 * It needs no broker: consumers whose name server is 127.0.0.1:1 (where
 * nothing listens) start, and their requests then fail for want of a
 * route. Run under valgrind too, like producer_api.c.
 */

#include "CErrorMessage.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "CPushConsumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../checks.h"

static int never_called(CPushConsumer* consumer, CMessageExt* msg) {
  (void)consumer;
  (void)msg;
  CHECK(0, "no message should arrive");
  return 0;
}

static void push_null_arguments(void) {
  const char* text = "NULL";
  CPushConsumer* c;
  CHECK(CreatePushConsumer(NULL) == NULL, "CreatePushConsumer(NULL)");
  EXPECT(DestroyPushConsumer(NULL), NULL_POINTER, "DestroyPushConsumer", text);
  EXPECT(StartPushConsumer(NULL), NULL_POINTER, "StartPushConsumer", text);
  EXPECT(ShutdownPushConsumer(NULL), NULL_POINTER, "ShutdownPushConsumer", text);
  CHECK(ShowPushConsumerVersion(NULL) == NULL, "ShowPushConsumerVersion(NULL)");
  EXPECT(SetPushConsumerGroupID(NULL, "g"), NULL_POINTER, "SetPushConsumerGroupID", text);
  CHECK(GetPushConsumerGroupID(NULL) == NULL, "GetPushConsumerGroupID(NULL)");
  EXPECT(SetPushConsumerNameServerAddress(NULL, "127.0.0.1:1"), NULL_POINTER, "SetPushConsumerNameServerAddress", text);
  EXPECT(SetPushConsumerNameServerDomain(NULL, "http://x"), NULL_POINTER, "SetPushConsumerNameServerDomain", text);
  EXPECT(Subscribe(NULL, "T", "*"), NULL_POINTER, "Subscribe", text);
  EXPECT(RegisterMessageCallbackOrderly(NULL, never_called), NULL_POINTER, "RegisterMessageCallbackOrderly", text);
  EXPECT(RegisterMessageCallback(NULL, never_called), NULL_POINTER, "RegisterMessageCallback", text);
  EXPECT(UnregisterMessageCallbackOrderly(NULL), NULL_POINTER, "UnregisterMessageCallbackOrderly", text);
  EXPECT(UnregisterMessageCallback(NULL), NULL_POINTER, "UnregisterMessageCallback", text);
  EXPECT(SetPushConsumerThreadCount(NULL, 2), NULL_POINTER, "SetPushConsumerThreadCount", text);
  EXPECT(SetPushConsumerMessageBatchMaxSize(NULL, 2), NULL_POINTER, "SetPushConsumerMessageBatchMaxSize", text);
  EXPECT(SetPushConsumerInstanceName(NULL, "i"), NULL_POINTER, "SetPushConsumerInstanceName", text);
  EXPECT(SetPushConsumerSessionCredentials(NULL, "a", "s", "c"), NULL_POINTER, "SetPushConsumerSessionCredentials", text);
  EXPECT(SetPushConsumerLogPath(NULL, "/tmp"), NULL_POINTER, "SetPushConsumerLogPath", text);
  EXPECT(SetPushConsumerLogFileNumAndSize(NULL, 3, 10), NULL_POINTER, "SetPushConsumerLogFileNumAndSize", text);
  EXPECT(SetPushConsumerLogLevel(NULL, E_LOG_LEVEL_INFO), NULL_POINTER, "SetPushConsumerLogLevel", text);
  EXPECT(SetPushConsumerMessageModel(NULL, CLUSTERING), NULL_POINTER, "SetPushConsumerMessageModel", text);
  EXPECT(SetPushConsumerMaxCacheMessageSize(NULL, 10), NULL_POINTER, "SetPushConsumerMaxCacheMessageSize", text);
  EXPECT(SetPushConsumerMaxCacheMessageSizeInMb(NULL, 10), NULL_POINTER, "SetPushConsumerMaxCacheMessageSizeInMb", text);
  EXPECT(SetPushConsumerMessageTrace(NULL, OPEN), NULL_POINTER, "SetPushConsumerMessageTrace", text);
  EXPECT(SetPushConsumerSsl(NULL, 1), NULL_POINTER, "SetPushConsumerSsl", text);
  EXPECT(SetPushConsumerSslPropertyFile(NULL, "/x"), NULL_POINTER, "SetPushConsumerSslPropertyFile", text);

  c = CreatePushConsumer("GID_consumer_api_push");
  CHECK(c != NULL, "CreatePushConsumer");
  EXPECT(SetPushConsumerGroupID(c, NULL), NULL_POINTER, "SetPushConsumerGroupID", text);
  EXPECT(SetPushConsumerNameServerAddress(c, NULL), NULL_POINTER, "SetPushConsumerNameServerAddress", text);
  EXPECT(SetPushConsumerNameServerDomain(c, NULL), NULL_POINTER, "SetPushConsumerNameServerDomain", text);
  EXPECT(Subscribe(c, NULL, "*"), NULL_POINTER, "Subscribe", text);
  EXPECT(Subscribe(c, "T", NULL), NULL_POINTER, "Subscribe", text);
  EXPECT(RegisterMessageCallbackOrderly(c, NULL), NULL_POINTER, "RegisterMessageCallbackOrderly", text);
  EXPECT(RegisterMessageCallback(c, NULL), NULL_POINTER, "RegisterMessageCallback", text);
  EXPECT(SetPushConsumerInstanceName(c, NULL), NULL_POINTER, "SetPushConsumerInstanceName", text);
  EXPECT(SetPushConsumerSessionCredentials(c, NULL, "s", "c"), NULL_POINTER, "SetPushConsumerSessionCredentials", text);
  EXPECT(SetPushConsumerSessionCredentials(c, "a", NULL, "c"), NULL_POINTER, "SetPushConsumerSessionCredentials", text);
  EXPECT(SetPushConsumerSessionCredentials(c, "a", "s", NULL), NULL_POINTER, "SetPushConsumerSessionCredentials", text);
  EXPECT(SetPushConsumerLogPath(c, NULL), NULL_POINTER, "SetPushConsumerLogPath", text);
  EXPECT(SetPushConsumerSslPropertyFile(c, NULL), NULL_POINTER, "SetPushConsumerSslPropertyFile", text);
  EXPECT(DestroyPushConsumer(c), OK, "", "");
}

static void push_values_and_states(void) {
  CPushConsumer* c = CreatePushConsumer("GID_consumer_api_push");
  const char* group;
  CHECK(ShowPushConsumerVersion(c) != NULL, "version");
  group = GetPushConsumerGroupID(c);
  CHECK(group != NULL && strcmp(group, "GID_consumer_api_push") == 0, "group %s", group ? group : "NULL");
  EXPECT(SetPushConsumerThreadCount(c, 0), NULL_POINTER, "SetPushConsumerThreadCount", "0");
  EXPECT(SetPushConsumerThreadCount(c, -1), OK, "", "");
  EXPECT(SetPushConsumerThreadCount(c, 2), OK, "", "");
  EXPECT(SetPushConsumerMessageBatchMaxSize(c, 0), NULL_POINTER, "SetPushConsumerMessageBatchMaxSize", "0");
  EXPECT(SetPushConsumerMessageBatchMaxSize(c, -1), OK, "", "");
  EXPECT(SetPushConsumerMaxCacheMessageSize(c, 0), NULL_POINTER, "SetPushConsumerMaxCacheMessageSize", "positive");
  EXPECT(SetPushConsumerMaxCacheMessageSize(c, 70000), OK, "", "");
  EXPECT(SetPushConsumerMaxCacheMessageSizeInMb(c, -5), NULL_POINTER, "SetPushConsumerMaxCacheMessageSizeInMb", "positive");
  EXPECT(SetPushConsumerMaxCacheMessageSizeInMb(c, 5), Not_Support, "SetPushConsumerMaxCacheMessageSizeInMb", "not supported");
  EXPECT(SetPushConsumerMessageModel(c, (CMessageModel)7), PUSHCONSUMER_START_FAILED, "SetPushConsumerMessageModel", "CLUSTERING");
  EXPECT(SetPushConsumerMessageModel(c, BROADCASTING), OK, "", "");
  EXPECT(SetPushConsumerMessageModel(c, CLUSTERING), OK, "", "");
  EXPECT(SetPushConsumerMessageTrace(c, CLOSE), OK, "", "");
  EXPECT(SetPushConsumerLogLevel(c, (CLogLevel)99), OK, "", "");
  EXPECT(SetPushConsumerNameServerAddress(c, "not an address"), PUSHCONSUMER_START_FAILED, "SetPushConsumerNameServerAddress", "");
  EXPECT(UnregisterMessageCallback(c), OK, "", ""); /* none registered */

  /* Start refuses what cannot consume. */
  EXPECT(StartPushConsumer(c), PUSHCONSUMER_START_FAILED, "StartPushConsumer", "messageListener is null");
  EXPECT(RegisterMessageCallback(c, never_called), OK, "", "");
  EXPECT(UnregisterMessageCallback(c), OK, "", "");
  EXPECT(StartPushConsumer(c), PUSHCONSUMER_START_FAILED, "StartPushConsumer", "messageListener is null");
  EXPECT(RegisterMessageCallbackOrderly(c, never_called), OK, "", "");
  EXPECT(StartPushConsumer(c), PUSHCONSUMER_START_FAILED, "StartPushConsumer", "no name server");
  EXPECT(SetPushConsumerGroupID(c, "DEFAULT_CONSUMER"), OK, "", "");
  EXPECT(SetPushConsumerNameServerAddress(c, "http://127.0.0.1:1"), OK, "", "");
  EXPECT(StartPushConsumer(c), PUSHCONSUMER_START_FAILED, "StartPushConsumer", "DEFAULT_CONSUMER");
  EXPECT(SetPushConsumerGroupID(c, "GID_consumer_api_push"), OK, "", "");
  group = GetPushConsumerGroupID(c);
  CHECK(strcmp(group, "GID_consumer_api_push") == 0, "group %s", group);
  EXPECT(Subscribe(c, "ConsumerApiTopic", "TagA || TagB"), OK, "", "");
  EXPECT(ShutdownPushConsumer(c), OK, "", ""); /* not started: nothing to stop */
  EXPECT(StartPushConsumer(c), OK, "", "");
  EXPECT(StartPushConsumer(c), OK, "", ""); /* a no-op */

  /* Settings after start are refused, not silently dropped. */
  EXPECT(Subscribe(c, "Other", "*"), PUSHCONSUMER_START_FAILED, "Subscribe", "before it");
  EXPECT(SetPushConsumerThreadCount(c, 3), PUSHCONSUMER_START_FAILED, "SetPushConsumerThreadCount", "running");
  EXPECT(SetPushConsumerGroupID(c, "x"), PUSHCONSUMER_START_FAILED, "SetPushConsumerGroupID", "running");
  EXPECT(RegisterMessageCallback(c, never_called), PUSHCONSUMER_START_FAILED, "RegisterMessageCallback", "running");
  EXPECT(UnregisterMessageCallbackOrderly(c), OK, "", "");
  EXPECT(SetPushConsumerLogLevel(c, E_LOG_LEVEL_WARN), OK, "", ""); /* process-wide: any time */

  /* A second consumer of the same group and instance in this process. */
  {
    CPushConsumer* twin = CreatePushConsumer("GID_consumer_api_push");
    SetPushConsumerNameServerAddress(twin, "127.0.0.1:1");
    RegisterMessageCallback(twin, never_called);
    EXPECT(StartPushConsumer(twin), PUSHCONSUMER_START_FAILED, "StartPushConsumer", "already running");
    EXPECT(SetPushConsumerInstanceName(twin, "twin"), OK, "", "");
    EXPECT(StartPushConsumer(twin), OK, "", "");
    EXPECT(DestroyPushConsumer(twin), OK, "", "");
  }

  EXPECT(ShutdownPushConsumer(c), OK, "", "");
  EXPECT(ShutdownPushConsumer(c), OK, "", "");
  EXPECT(StartPushConsumer(c), PUSHCONSUMER_START_FAILED, "StartPushConsumer", "create a new one");
  EXPECT(DestroyPushConsumer(c), OK, "", "");

  /* Use after destroy: refused, never a crash. */
  EXPECT(DestroyPushConsumer(c), NULL_POINTER, "DestroyPushConsumer", "destroyed");
  EXPECT(StartPushConsumer(c), NULL_POINTER, "StartPushConsumer", "destroyed");
  EXPECT(ShutdownPushConsumer(c), NULL_POINTER, "ShutdownPushConsumer", "destroyed");
  EXPECT(Subscribe(c, "T", "*"), NULL_POINTER, "Subscribe", "destroyed");
  EXPECT(SetPushConsumerSsl(c, 1), NULL_POINTER, "SetPushConsumerSsl", "destroyed");
  CHECK(GetPushConsumerGroupID(c) == NULL, "group after destroy");
  CHECK(ShowPushConsumerVersion(c) == NULL, "version after destroy");
}

static void pull_null_arguments(void) {
  const char* text = "NULL";
  CPullConsumer* c;
  CMessageQueue* mqs = (CMessageQueue*)1;
  int size = 42;
  CMessageQueue mq;
  CPullResult r;

  CHECK(CreatePullConsumer(NULL) == NULL, "CreatePullConsumer(NULL)");
  EXPECT(DestroyPullConsumer(NULL), NULL_POINTER, "DestroyPullConsumer", text);
  EXPECT(StartPullConsumer(NULL), NULL_POINTER, "StartPullConsumer", text);
  EXPECT(ShutdownPullConsumer(NULL), NULL_POINTER, "ShutdownPullConsumer", text);
  CHECK(ShowPullConsumerVersion(NULL) == NULL, "ShowPullConsumerVersion(NULL)");
  EXPECT(SetPullConsumerGroupID(NULL, "g"), NULL_POINTER, "SetPullConsumerGroupID", text);
  CHECK(GetPullConsumerGroupID(NULL) == NULL, "GetPullConsumerGroupID(NULL)");
  EXPECT(SetPullConsumerNameServerAddress(NULL, "127.0.0.1:1"), NULL_POINTER, "SetPullConsumerNameServerAddress", text);
  EXPECT(SetPullConsumerNameServerDomain(NULL, "http://x"), NULL_POINTER, "SetPullConsumerNameServerDomain", text);
  EXPECT(SetPullConsumerSessionCredentials(NULL, "a", "s", "c"), NULL_POINTER, "SetPullConsumerSessionCredentials", text);
  EXPECT(SetPullConsumerLogPath(NULL, "/tmp"), NULL_POINTER, "SetPullConsumerLogPath", text);
  EXPECT(SetPullConsumerLogFileNumAndSize(NULL, 3, 10), NULL_POINTER, "SetPullConsumerLogFileNumAndSize", text);
  EXPECT(SetPullConsumerLogLevel(NULL, E_LOG_LEVEL_INFO), NULL_POINTER, "SetPullConsumerLogLevel", text);
  EXPECT(SetPullConsumerSsl(NULL, 1), NULL_POINTER, "SetPullConsumerSsl", text);
  EXPECT(SetPullConsumerSslPropertyFile(NULL, "/x"), NULL_POINTER, "SetPullConsumerSslPropertyFile", text);
  EXPECT(FetchSubscriptionMessageQueues(NULL, "T", &mqs, &size), NULL_POINTER, "FetchSubscriptionMessageQueues", text);
  CHECK(mqs == NULL && size == 0, "out-parameters after a failed fetch: %p, %d", (void*)mqs, size);
  EXPECT(ReleaseSubscriptionMessageQueue(NULL), NULL_POINTER, "ReleaseSubscriptionMessageQueue", text);

  memset(&mq, 0, sizeof mq);
  strcpy(mq.topic, "T");
  strcpy(mq.brokerName, "broker-a");
  r = Pull(NULL, &mq, "*", 0, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT && r.msgFoundList == NULL && r.size == 0, "Pull(NULL): status %d",
        (int)r.pullStatus);
  CHECK(strstr(GetLatestErrorMessage(), "Pull") != NULL, "last error %s", GetLatestErrorMessage());

  c = CreatePullConsumer("GID_consumer_api_pull");
  EXPECT(SetPullConsumerGroupID(c, NULL), NULL_POINTER, "SetPullConsumerGroupID", text);
  EXPECT(SetPullConsumerNameServerAddress(c, NULL), NULL_POINTER, "SetPullConsumerNameServerAddress", text);
  EXPECT(SetPullConsumerNameServerDomain(c, NULL), NULL_POINTER, "SetPullConsumerNameServerDomain", text);
  EXPECT(SetPullConsumerSessionCredentials(c, "a", NULL, "c"), NULL_POINTER, "SetPullConsumerSessionCredentials", text);
  EXPECT(SetPullConsumerLogPath(c, NULL), NULL_POINTER, "SetPullConsumerLogPath", text);
  EXPECT(SetPullConsumerSslPropertyFile(c, NULL), NULL_POINTER, "SetPullConsumerSslPropertyFile", text);
  EXPECT(FetchSubscriptionMessageQueues(c, NULL, &mqs, &size), NULL_POINTER, "FetchSubscriptionMessageQueues", text);
  EXPECT(FetchSubscriptionMessageQueues(c, "T", NULL, &size), NULL_POINTER, "FetchSubscriptionMessageQueues", text);
  EXPECT(FetchSubscriptionMessageQueues(c, "T", &mqs, NULL), NULL_POINTER, "FetchSubscriptionMessageQueues", text);
  r = Pull(c, NULL, "*", 0, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT, "Pull(mq NULL): status %d", (int)r.pullStatus);
  r = Pull(c, &mq, NULL, 0, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT, "Pull(expression NULL): status %d", (int)r.pullStatus);
  EXPECT(DestroyPullConsumer(c), OK, "", "");
}

static void pull_states(void) {
  CPullConsumer* c = CreatePullConsumer("GID_consumer_api_pull");
  CMessageQueue* mqs = NULL;
  CMessageQueue mq;
  CPullResult r, zero;
  int size = 0;
  const char* group = GetPullConsumerGroupID(c);

  CHECK(group != NULL && strcmp(group, "GID_consumer_api_pull") == 0, "group %s", group ? group : "NULL");
  CHECK(ShowPullConsumerVersion(c) != NULL, "version");
  memset(&mq, 'x', sizeof mq); /* names without a terminator are cut, not overrun */
  mq.queueId = 0;
  EXPECT(FetchSubscriptionMessageQueues(c, "T", &mqs, &size), PULLCONSUMER_FETCH_MQ_FAILED,
         "FetchSubscriptionMessageQueues", "not started");
  r = Pull(c, &mq, "*", 0, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT && strstr(GetLatestErrorMessage(), "not started") != NULL,
        "pull before start: %d %s", (int)r.pullStatus, GetLatestErrorMessage());
  EXPECT(ReleasePullResult(r), NULL_POINTER, "ReleasePullResult", "no messages");

  EXPECT(StartPullConsumer(c), PULLCONSUMER_START_FAILED, "StartPullConsumer", "no name server");
  EXPECT(SetPullConsumerNameServerAddress(c, "127.0.0.1:1"), OK, "", "");
  EXPECT(SetPullConsumerLogLevel(c, E_LOG_LEVEL_WARN), OK, "", "");
  EXPECT(StartPullConsumer(c), OK, "", "");
  EXPECT(StartPullConsumer(c), OK, "", "");
  EXPECT(SetPullConsumerGroupID(c, "x"), PULLCONSUMER_START_FAILED, "SetPullConsumerGroupID", "running");
  EXPECT(SetPullConsumerSsl(c, 1), PULLCONSUMER_START_FAILED, "SetPullConsumerSsl", "running");

  /* Requests fail for want of a route; arguments are checked first. */
  r = Pull(c, &mq, "*", -1, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT && strstr(GetLatestErrorMessage(), "offset") != NULL,
        "negative offset: %d %s", (int)r.pullStatus, GetLatestErrorMessage());
  r = Pull(c, &mq, "*", 0, 0);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT && strstr(GetLatestErrorMessage(), "maxNums") != NULL,
        "maxNums 0: %d %s", (int)r.pullStatus, GetLatestErrorMessage());
  EXPECT(FetchSubscriptionMessageQueues(c, "T", &mqs, &size), PULLCONSUMER_FETCH_MQ_FAILED,
         "FetchSubscriptionMessageQueues", "");
  CHECK(mqs == NULL && size == 0, "out-parameters after a failed fetch");

  /* Results without messages, zeroed or forged, are refused harmlessly. */
  memset(&zero, 0, sizeof zero);
  EXPECT(ReleasePullResult(zero), NULL_POINTER, "ReleasePullResult", "no messages");
  zero.size = 3;
  zero.msgFoundList = (CMessageExt**)&mqs;
  zero.pData = (void*)&size;
  EXPECT(ReleasePullResult(zero), NULL_POINTER, "ReleasePullResult", "already released");

  /* A handle of another kind is not a pull consumer. */
  {
    CPushConsumer* push = CreatePushConsumer("GID_other");
    EXPECT(StartPullConsumer((CPullConsumer*)push), NULL_POINTER, "StartPullConsumer", "not a consumer");
    EXPECT(DestroyPushConsumer(push), OK, "", "");
  }

  EXPECT(ShutdownPullConsumer(c), OK, "", "");
  EXPECT(ShutdownPullConsumer(c), OK, "", "");
  r = Pull(c, &mq, "*", 0, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT && strstr(GetLatestErrorMessage(), "shut down") != NULL,
        "pull after shutdown: %d %s", (int)r.pullStatus, GetLatestErrorMessage());
  EXPECT(StartPullConsumer(c), PULLCONSUMER_START_FAILED, "StartPullConsumer", "create a new one");
  EXPECT(DestroyPullConsumer(c), OK, "", "");
  EXPECT(DestroyPullConsumer(c), NULL_POINTER, "DestroyPullConsumer", "destroyed");
  EXPECT(StartPullConsumer(c), NULL_POINTER, "StartPullConsumer", "destroyed");
  EXPECT(SetPullConsumerLogPath(c, "/tmp"), NULL_POINTER, "SetPullConsumerLogPath", "destroyed");
  CHECK(GetPullConsumerGroupID(c) == NULL, "group after destroy");
  r = Pull(c, &mq, "*", 0, 32);
  CHECK(r.pullStatus == E_BROKER_TIMEOUT, "pull after destroy: %d", (int)r.pullStatus);
}

/* Where the library's log file goes when no test changes it. */
static const char* log_dir(void) {
  const char* d = getenv("ROCKETMQ_CLIENT_LOG_DIR");
  return d != NULL && *d != '\0' ? d : "/tmp";
}

/* Over-long strings (1 MiB) for every string argument of both consumers. */
static void overlong_values(void) {
  size_t n = 1 << 20;
  char* s = malloc(n + 1);
  CPushConsumer* push;
  CPullConsumer* pull;
  CMessageQueue* mqs = NULL;
  int size = 0;
  memset(s, 'x', n);
  s[n] = '\0';
  push = CreatePushConsumer(s);
  CHECK(push != NULL, "CreatePushConsumer(1 MiB): %s", GetLatestErrorMessage());
  EXPECT(SetPushConsumerGroupID(push, s), OK, "", "");
  CHECK(GetPushConsumerGroupID(push) != NULL && strlen(GetPushConsumerGroupID(push)) == n, "group of 1 MiB");
  EXPECT(SetPushConsumerNameServerAddress(push, s), PUSHCONSUMER_START_FAILED, "SetPushConsumerNameServerAddress",
         "bad name server address");
  EXPECT(SetPushConsumerNameServerDomain(push, s), OK, "", "");
  EXPECT(Subscribe(push, s, s), OK, "", "");
  EXPECT(SetPushConsumerInstanceName(push, s), OK, "", "");
  EXPECT(SetPushConsumerSessionCredentials(push, s, s, s), OK, "", "");
  EXPECT(SetPushConsumerLogPath(push, s), OK, "", "");
  /* The log path is the process's: back to one that can be written. */
  EXPECT(SetPushConsumerLogPath(push, log_dir()), OK, "", "");
  EXPECT(SetPushConsumerLogFileNumAndSize(push, -1, -1), OK, "", "");
  EXPECT(SetPushConsumerSslPropertyFile(push, s), OK, "", "");
  EXPECT(SetPushConsumerThreadCount(push, 100000), OK, "", "");
  EXPECT(SetPushConsumerMessageBatchMaxSize(push, 100000), OK, "", "");
  EXPECT(Subscribe(push, "", "*"), PUSHCONSUMER_START_FAILED, "Subscribe", "empty");
  EXPECT(DestroyPushConsumer(push), OK, "", "");

  pull = CreatePullConsumer(s);
  CHECK(pull != NULL, "CreatePullConsumer(1 MiB): %s", GetLatestErrorMessage());
  EXPECT(SetPullConsumerGroupID(pull, s), OK, "", "");
  EXPECT(SetPullConsumerNameServerAddress(pull, s), PULLCONSUMER_START_FAILED, "SetPullConsumerNameServerAddress",
         "bad name server address");
  EXPECT(SetPullConsumerNameServerDomain(pull, s), OK, "", "");
  EXPECT(SetPullConsumerSessionCredentials(pull, s, s, s), OK, "", "");
  EXPECT(SetPullConsumerLogPath(pull, s), OK, "", "");
  /* The log path is the process's: back to one that can be written. */
  EXPECT(SetPullConsumerLogPath(pull, log_dir()), OK, "", "");
  EXPECT(SetPullConsumerLogFileNumAndSize(pull, -1, -1), OK, "", "");
  EXPECT(SetPullConsumerSslPropertyFile(pull, s), OK, "", "");
  EXPECT(SetPullConsumerNameServerAddress(pull, "127.0.0.1:1"), OK, "", "");
  EXPECT(StartPullConsumer(pull), OK, "", "");
  EXPECT(FetchSubscriptionMessageQueues(pull, s, &mqs, &size), PULLCONSUMER_FETCH_MQ_FAILED,
         "FetchSubscriptionMessageQueues", "");
  CHECK(mqs == NULL && size == 0, "out-parameters after a failed fetch");
  EXPECT(DestroyPullConsumer(pull), OK, "", "");
  free(s);
}

int main(void) {
  /* Nothing here should read a name server from the environment. */
#ifdef _WIN32
  _putenv("NAMESRV_ADDR=");
#else
  unsetenv("NAMESRV_ADDR");
#endif
  push_null_arguments();
  push_values_and_states();
  pull_null_arguments();
  pull_states();
  overlong_values();
  if (failures > 0) {
    fprintf(stderr, "consumer_api: %d check(s) failed\n", failures);
    return 1;
  }
  printf("consumer_api: all checks passed\n");
  return 0;
}
