/*
 * orderly_producer.c - SendMessageOrderly and SendMessageOrderlyAsync:
 * messages of one order go to one queue, where consumers read them in the
 * order they were stored.
 *
 *   orderly_producer NAMESRV_HOST:PORT
 *
 * The selector gets the topic's queue count and the send's arg (here the
 * order number) and answers a queue index. The library takes the answer
 * modulo the queue count; this example answers out of range on purpose
 * (the order number plus or minus the queue count) and checks, through the
 * queue offsets, that each order's messages still share one queue.
 */

#include "example_common.h"

#define ORDERS 4
#define PER_ORDER 6
#define ASYNC_COUNT 10

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_t main_thread;
static int selector_off_main, last_size;

/* The send's arg points at the order number. */
typedef struct {
  int order;
  int round;
} order_arg;

static int select_by_order(int size, CMessage* msg, void* arg) {
  const order_arg* a = (const order_arg*)arg;
  (void)msg;
  if (!pthread_equal(pthread_self(), main_thread)) selector_off_main++;
  last_size = size;
  /* Rounds 0, 1, 2 answer order - size, order, order + size. */
  return a->order + (a->round % 3 - 1) * size;
}

static int first_queue(int size, CMessage* msg, void* arg) {
  (void)size;
  (void)msg;
  (void)arg;
  if (!pthread_equal(pthread_self(), main_thread)) selector_off_main++;
  return 0;
}

/* The async round: each callback records (msgId, offset). */
static char async_ids[ASYNC_COUNT][MAX_MESSAGE_ID_LENGTH];
static char result_ids[ASYNC_COUNT][MAX_MESSAGE_ID_LENGTH];
static long long result_offsets[ASYNC_COUNT];
static int results, exceptions, callbacks_on_main;

static void on_success(CSendResult result) {
  pthread_mutex_lock(&mu);
  if (pthread_equal(pthread_self(), main_thread)) callbacks_on_main++;
  if (results < ASYNC_COUNT) {
    strcpy(result_ids[results], result.msgId);
    result_offsets[results] = result.offset;
  }
  results++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
}

static void on_exception(CMQException e) {
  pthread_mutex_lock(&mu);
  fprintf(stderr, "orderly async send failed: %s\n", e.msg);
  exceptions++;
  results++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64], async_topic[64];
  char body[128];
  long long next_offset[ORDERS];
  CProducer* producer;
  CMessage* msg;
  CSendResult result;
  order_arg arg;
  int i, j, order;

  main_thread = pthread_self();
  example_topic(topic, sizeof topic, "OrderlyTopic");
  example_topic(async_topic, sizeof async_topic, "OrderlyAsyncTopic");
  producer = start_producer("GID_example_orderly", namesrv);

  /* Orders interleaved, as they come in; each one keeps its own queue, whose
     offsets then run 0, 1, 2, ... (the topic is new). */
  msg = CreateMessage(topic);
  memset(next_offset, 0, sizeof next_offset);
  for (j = 0; j < PER_ORDER; j++) {
    for (order = 0; order < ORDERS; order++) {
      int rc;
      arg.order = order;
      arg.round = j;
      snprintf(body, sizeof body, "order %d, step %d", order, j);
      SetMessageBody(msg, body);
      SetMessageKeys(msg, body);
      rc = SendMessageOrderly(producer, msg, select_by_order, &arg, 3, &result);
      CHECK(rc == OK, "SendMessageOrderly returned %d: %s", rc, GetLatestErrorMessage());
      if (rc != OK) continue;
      CHECK(result.sendStatus == E_SEND_OK && is_msg_id(result.msgId), "status %d, msgId %s",
            (int)result.sendStatus, result.msgId);
      CHECK(result.offset == next_offset[order], "order %d step %d: queue offset %lld, want %lld", order, j,
            result.offset, next_offset[order]);
      next_offset[order] = result.offset + 1;
    }
  }
  CHECK(last_size == ORDERS, "the selector saw %d queues; the dev broker creates %d", last_size, ORDERS);
  DestroyMessage(msg);

  /* Asynchronous, all to queue 0: stored in the order sent. The message
     carries its new id (UNIQ_KEY) as soon as the send returns, which maps
     each result back to its send. */
  msg = CreateMessage(async_topic);
  for (i = 0; i < ASYNC_COUNT; i++) {
    snprintf(body, sizeof body, "async step %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageOrderlyAsync(producer, msg, first_queue, NULL, on_success, on_exception));
    strcpy(async_ids[i], GetOriginMessageProperty(msg, "UNIQ_KEY"));
  }
  DestroyMessage(msg);
  CHECK(wait_count(&mu, &cond, &results, ASYNC_COUNT, 30000), "%d of %d callbacks", results, ASYNC_COUNT);
  pthread_mutex_lock(&mu);
  CHECK(exceptions == 0 && callbacks_on_main == 0, "%d exceptions, %d callbacks on the sending thread", exceptions,
        callbacks_on_main);
  for (i = 0; i < ASYNC_COUNT; i++) {
    int found = 0;
    for (j = 0; j < ASYNC_COUNT && j < results; j++) {
      if (strcmp(result_ids[j], async_ids[i]) == 0) {
        found = 1;
        CHECK(result_offsets[j] == i, "async send %d stored at offset %lld", i, result_offsets[j]);
      }
    }
    CHECK(found, "no result for async send %d (%s)", i, async_ids[i]);
  }
  pthread_mutex_unlock(&mu);
  CHECK(selector_off_main == 0, "%d selector calls off the sending thread", selector_off_main);

  stop_producer(producer);
  expect_stored(topic, ORDERS * PER_ORDER, 0);
  expect_stored(async_topic, ASYNC_COUNT, 0);
  return rmq_finish("orderly_producer");
}
