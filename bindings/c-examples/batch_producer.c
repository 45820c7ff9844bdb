/*
 * batch_producer.c - SendBatchMessage: several messages of one topic in one
 * request, stored one after the other in one queue.
 *
 *   batch_producer NAMESRV_HOST:PORT
 */

#include "example_common.h"

#define BATCHES 2
#define PER_BATCH 10

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char body[128];
  CProducer* producer;
  CSendResult result;
  int b, i;

  example_topic(topic, sizeof topic, "BatchTopic");
  producer = start_producer("GID_example_batch", namesrv);
  for (b = 0; b < BATCHES; b++) {
    CBatchMessage* batch = CreateBatchMessage();
    int rc;
    for (i = 0; i < PER_BATCH; i++) {
      CMessage* msg = CreateMessage(topic);
      snprintf(body, sizeof body, "batch %d, message %d", b, i);
      SetMessageBody(msg, body);
      SetMessageTags(msg, "batched");
      CHECK_OK(AddMessage(batch, msg));
      DestroyMessage(msg); /* the batch holds a copy */
    }
    memset(&result, 0xee, sizeof result);
    rc = SendBatchMessage(producer, batch, &result);
    CHECK(rc == OK, "SendBatchMessage returned %d: %s", rc, GetLatestErrorMessage());
    if (rc == OK) {
      printf("batch %d: status %d, first queue offset %lld\n", b, (int)result.sendStatus, result.offset);
      CHECK(result.sendStatus == E_SEND_OK, "status %d", (int)result.sendStatus);
      /* A batch has no id of its own. */
      CHECK(result.msgId[0] == '\0', "msgId \"%s\"", result.msgId);
      CHECK(result.offset >= 0, "offset %lld", result.offset);
    }
    DestroyBatchMessage(batch);
  }
  stop_producer(producer);
  expect_stored(topic, BATCHES * PER_BATCH, 0);
  return rmq_finish("batch_producer");
}
