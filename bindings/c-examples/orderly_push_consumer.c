/*
 * orderly_push_consumer.c - RegisterMessageCallbackOrderly: the messages
 * of a queue arrive one at a time, in the order they were stored.
 *
 *   orderly_push_consumer NAMESRV_HOST:PORT
 *
 * It sends COUNT messages to one queue with SendMessageOrderly, then checks
 * that the callback sees them in that order, never two at once, and that a
 * message it asks to see again (any non-zero answer) comes back before the
 * ones after it.
 */

#include "example_common.h"
#include "CPushConsumer.h"

#define COUNT 20
#define RETRY_AT 5
#define WAIT_MS 30000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int next_expected;
static int running, max_running;
static int retried;

static int to_first_queue(int size, CMessage* msg, void* arg) {
  (void)size;
  (void)msg;
  (void)arg;
  return 0;
}

static int on_message(CPushConsumer* consumer, CMessageExt* msg) {
  const char* body = GetMessageBody(msg);
  int i = -1, answer = E_CONSUME_SUCCESS;
  (void)consumer;
  pthread_mutex_lock(&mu);
  running++;
  if (running > max_running) max_running = running;
  pthread_mutex_unlock(&mu);
  sleep_ms(2); /* room for a second call to overlap, if the library allowed one */

  pthread_mutex_lock(&mu);
  if (sscanf(body, "orderly message %d", &i) != 1) {
    CHECK(0, "unexpected body \"%s\"", body);
  } else if (i == RETRY_AT && !retried) {
    retried = 1;
    answer = E_RECONSUME_LATER; /* held in place, retried before the rest */
  } else {
    CHECK(i == next_expected, "got message %d, expected %d", i, next_expected);
    next_expected = i + 1;
    pthread_cond_broadcast(&cond);
  }
  running--;
  pthread_mutex_unlock(&mu);
  return answer;
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

  example_topic(topic, sizeof topic, "OrderlyPushTopic");
  example_topic(group, sizeof group, "GID_example_orderly_push");

  producer = start_producer("GID_example_orderly_push_producer", namesrv);
  msg = CreateMessage(topic);
  for (i = 0; i < COUNT; i++) {
    snprintf(body, sizeof body, "orderly message %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageOrderly(producer, msg, to_first_queue, &i, 1, &result));
  }
  DestroyMessage(msg);
  stop_producer(producer);

  consumer = CreatePushConsumer(group);
  CHECK(consumer != NULL, "CreatePushConsumer: %s", GetLatestErrorMessage());
  if (consumer == NULL) return rmq_finish("orderly_push_consumer");
  CHECK_OK(SetPushConsumerNameServerAddress(consumer, namesrv));
  CHECK_OK(SetPushConsumerThreadCount(consumer, 4));
  CHECK_OK(Subscribe(consumer, topic, "*"));
  CHECK_OK(RegisterMessageCallbackOrderly(consumer, on_message));
  CHECK_OK(StartPushConsumer(consumer));

  CHECK(wait_count(&mu, &cond, &next_expected, COUNT, WAIT_MS), "received %d of %d messages in order",
        next_expected, COUNT);
  CHECK_OK(ShutdownPushConsumer(consumer));
  pthread_mutex_lock(&mu);
  CHECK(max_running == 1, "%d callbacks ran at once", max_running);
  CHECK(retried, "message %d was never asked for again", RETRY_AT);
  printf("received %d messages in order\n", next_expected);
  pthread_mutex_unlock(&mu);
  CHECK_OK(DestroyPushConsumer(consumer));

  expect_stored(topic, COUNT, 0);
  return rmq_finish("orderly_push_consumer");
}
