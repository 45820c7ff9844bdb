/*
 * sharding_key_producer.c - SendMessageOrderlyByShardingKey: orderly
 * sending without a selector; the library hashes the key to pick the queue
 * (with the C++ library's hash, so both land on the same queue).
 *
 *   sharding_key_producer NAMESRV_HOST:PORT
 */

#include "example_common.h"

#define KEYS 3
#define PER_KEY 5

int main(int argc, char** argv) {
  static const char* keys[KEYS] = {"order-1001", "order-1002", "order-1003"};
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char body[128];
  long long last_offset[KEYS];
  CProducer* producer;
  CMessage* msg;
  CSendResult result;
  int i, k;

  example_topic(topic, sizeof topic, "ShardingKeyTopic");
  producer = start_producer("GID_example_sharding", namesrv);
  msg = CreateMessage(topic);
  for (k = 0; k < KEYS; k++) last_offset[k] = -1;
  for (i = 0; i < PER_KEY; i++) {
    for (k = 0; k < KEYS; k++) {
      int rc;
      snprintf(body, sizeof body, "%s step %d", keys[k], i);
      SetMessageBody(msg, body);
      rc = SendMessageOrderlyByShardingKey(producer, msg, keys[k], &result);
      CHECK(rc == OK, "SendMessageOrderlyByShardingKey returned %d: %s", rc, GetLatestErrorMessage());
      if (rc != OK) continue;
      CHECK(result.sendStatus == E_SEND_OK && is_msg_id(result.msgId), "status %d, msgId %s",
            (int)result.sendStatus, result.msgId);
      /* One queue per key: its offsets only grow. */
      CHECK(result.offset > last_offset[k], "%s: offset %lld after %lld", keys[k], result.offset, last_offset[k]);
      last_offset[k] = result.offset;
    }
  }
  DestroyMessage(msg);
  stop_producer(producer);
  expect_stored(topic, KEYS * PER_KEY, 0);
  return rmq_finish("sharding_key_producer");
}
