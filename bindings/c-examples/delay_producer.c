/*
 * delay_producer.c - SetDelayTimeLevel: the broker holds the message back
 * for the time of its delay level (level 2 is 5 s on a broker with the
 * default messageDelayLevel) before consumers can see it.
 *
 *   delay_producer NAMESRV_HOST:PORT
 *
 * The wrapper checks that the topic holds none of the messages before the
 * delay has passed, and all of them after.
 */

#include "example_common.h"

#define COUNT 3
#define LEVEL 2
#define LEVEL_MS 5000

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  CProducer* producer;
  CMessage* msg;
  CSendResult result;
  long long sent_at;
  int i;

  example_topic(topic, sizeof topic, "DelayTopic");
  producer = start_producer("GID_example_delay", namesrv);
  msg = CreateMessage(topic);
  SetMessageBody(msg, "delayed");
  CHECK_OK(SetDelayTimeLevel(msg, LEVEL));
  CHECK(GetOriginDelayTimeLevel(msg) == LEVEL, "delay level %d", GetOriginDelayTimeLevel(msg));
  sent_at = now_ms();
  for (i = 0; i < COUNT; i++) {
    int rc = SendMessageSync(producer, msg, &result);
    CHECK(rc == OK, "SendMessageSync returned %d: %s", rc, GetLatestErrorMessage());
    CHECK(rc != OK || (result.sendStatus == E_SEND_OK && is_msg_id(result.msgId)), "status %d, msgId %s",
          (int)result.sendStatus, result.msgId);
  }
  DestroyMessage(msg);
  stop_producer(producer);
  /* A second of slack for the broker's timer. */
  expect_stored(topic, COUNT, sent_at + LEVEL_MS - 1000);
  return rmq_finish("delay_producer");
}
