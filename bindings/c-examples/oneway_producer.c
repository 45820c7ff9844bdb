/*
 * oneway_producer.c - SendMessageOneway and SendMessageOnewayOrderly: send
 * without waiting for any answer (for logs and metrics, where speed matters
 * more than knowing each message arrived).
 *
 *   oneway_producer NAMESRV_HOST:PORT
 *
 * The orderly variant sends every message to the queue its selector picks;
 * the selector gets its queue as a plain integer cast to void*, as C
 * programs often pass small values.
 */

#include <stdint.h>

#include "example_common.h"

#define COUNT 10

static pthread_t main_thread;
static int selector_calls, selector_off_main;

/* Runs on the sending thread, before the send. */
static int pick_queue(int size, CMessage* msg, void* arg) {
  selector_calls++;
  if (!pthread_equal(pthread_self(), main_thread)) selector_off_main++;
  CHECK(size > 0 && GetOriginMessageBody(msg)[0] != '\0', "size %d", size);
  return (int)(intptr_t)arg;
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64], orderly_topic[64];
  char body[128];
  CProducer* producer;
  CMessage* msg;
  int i;

  main_thread = pthread_self();
  example_topic(topic, sizeof topic, "OnewayTopic");
  example_topic(orderly_topic, sizeof orderly_topic, "OnewayOrderlyTopic");
  producer = start_producer("GID_example_oneway", namesrv);

  msg = CreateMessage(topic);
  for (i = 0; i < COUNT; i++) {
    snprintf(body, sizeof body, "oneway message %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageOneway(producer, msg));
  }
  SetMessageTopic(msg, orderly_topic);
  for (i = 0; i < COUNT; i++) {
    snprintf(body, sizeof body, "oneway orderly message %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageOnewayOrderly(producer, msg, pick_queue, (void*)(intptr_t)1));
  }
  DestroyMessage(msg);
  CHECK(selector_calls == COUNT && selector_off_main == 0, "selector: %d calls, %d off the sending thread",
        selector_calls, selector_off_main);

  stop_producer(producer);
  expect_stored(topic, COUNT, 0);
  expect_stored(orderly_topic, COUNT, 0);
  return rmq_finish("oneway_producer");
}
