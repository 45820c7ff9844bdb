/*
 * push_consumer.c - a push consumer: sends COUNT messages, then receives
 * them through a MessageCallBack and checks that each arrived exactly once.
 *
 *   push_consumer NAMESRV_HOST:PORT
 *
 * The callback runs on a library thread and may run on several at once (up
 * to the thread count), so what it records is guarded by a mutex. The
 * message it is given is only valid during the call: it copies what it
 * keeps.
 */

#include "example_common.h"
#include "CPushConsumer.h"

#define COUNT 20
#define WAIT_MS 30000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int seen[COUNT];
static int received;
static const char* expected_topic;

static int on_message(CPushConsumer* consumer, CMessageExt* msg) {
  const char* body = GetMessageBody(msg);
  int i = -1;
  (void)consumer;
  CHECK(strcmp(GetMessageTopic(msg), expected_topic) == 0, "topic %s", GetMessageTopic(msg));
  CHECK(is_msg_id(GetMessageId(msg)), "message id \"%s\"", GetMessageId(msg));
  CHECK(GetMessageQueueOffset(msg) >= 0, "queue offset %lld", GetMessageQueueOffset(msg));
  if (sscanf(body, "push message %d", &i) != 1 || i < 0 || i >= COUNT) {
    CHECK(0, "unexpected body \"%s\"", body);
    return E_CONSUME_SUCCESS;
  }
  pthread_mutex_lock(&mu);
  seen[i]++;
  received++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
  return E_CONSUME_SUCCESS;
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char group[64];
  char body[64];
  CProducer* producer;
  CPushConsumer* consumer;
  CMessage* msg;
  CSendResult result;
  int i;

  example_topic(topic, sizeof topic, "PushTopic");
  example_topic(group, sizeof group, "GID_example_push");
  expected_topic = topic;

  /* Sending first creates the topic; a new group starts at the beginning
     of a queue that still holds its first message. */
  producer = start_producer("GID_example_push_producer", namesrv);
  msg = CreateMessage(topic);
  SetMessageTags(msg, "TagA");
  for (i = 0; i < COUNT; i++) {
    snprintf(body, sizeof body, "push message %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageSync(producer, msg, &result));
  }
  DestroyMessage(msg);
  stop_producer(producer);

  consumer = CreatePushConsumer(group);
  CHECK(consumer != NULL, "CreatePushConsumer: %s", GetLatestErrorMessage());
  if (consumer == NULL) return rmq_finish("push_consumer");
  printf("%s\n", ShowPushConsumerVersion(consumer));
  CHECK(strcmp(GetPushConsumerGroupID(consumer), group) == 0, "group %s", GetPushConsumerGroupID(consumer));
  CHECK_OK(SetPushConsumerNameServerAddress(consumer, namesrv));
  CHECK_OK(SetPushConsumerThreadCount(consumer, 4));
  CHECK_OK(SetPushConsumerMessageModel(consumer, CLUSTERING));
  CHECK_OK(Subscribe(consumer, topic, "*"));
  CHECK_OK(RegisterMessageCallback(consumer, on_message));
  CHECK_OK(StartPushConsumer(consumer));

  CHECK(wait_count(&mu, &cond, &received, COUNT, WAIT_MS), "received %d of %d messages", received, COUNT);
  sleep_ms(500); /* a duplicate would show up now */

  CHECK_OK(ShutdownPushConsumer(consumer));
  pthread_mutex_lock(&mu);
  for (i = 0; i < COUNT; i++) CHECK(seen[i] == 1, "message %d arrived %d times", i, seen[i]);
  printf("received %d messages\n", received);
  pthread_mutex_unlock(&mu);
  CHECK_OK(UnregisterMessageCallback(consumer));
  CHECK_OK(DestroyPushConsumer(consumer));

  expect_stored(topic, COUNT, 0);
  return rmq_finish("push_consumer");
}
