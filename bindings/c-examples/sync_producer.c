/*
 * sync_producer.c - SendMessageSync: send and wait until the broker has
 * stored the message.
 *
 *   sync_producer NAMESRV_HOST:PORT
 *
 * As upstream's Producer.c, it reuses one CMessage for every send, changing
 * only its body: each send copies the message and gives it a new id.
 */

#include "example_common.h"

#define COUNT 10

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char body[128];
  char last_id[MAX_MESSAGE_ID_LENGTH] = "";
  static const char binary[] = {'b', 'i', 'n', '\0', 'a', 'r', 'y'};
  CProducer* producer;
  CMessage* msg;
  CSendResult result;
  int i;

  example_topic(topic, sizeof topic, "SyncTopic");
  producer = start_producer("GID_example_sync", namesrv);
  printf("%s\n", ShowProducerVersion(producer));

  msg = CreateMessage(topic);
  SetMessageTags(msg, "TagA");
  SetMessageKeys(msg, "order-1001 customer-42");
  SetMessageProperty(msg, "origin", "sync_producer.c");
  for (i = 0; i < COUNT; i++) {
    int rc;
    snprintf(body, sizeof body, "sync message %d", i);
    SetMessageBody(msg, body);
    memset(&result, 0xee, sizeof result); /* every field must be written */
    rc = SendMessageSync(producer, msg, &result);
    CHECK(rc == OK, "SendMessageSync returned %d: %s", rc, GetLatestErrorMessage());
    if (rc != OK) continue;
    printf("sent %d: status %d, msgId %s, queue offset %lld\n", i, (int)result.sendStatus, result.msgId,
           result.offset);
    CHECK(result.sendStatus == E_SEND_OK, "status %d", (int)result.sendStatus);
    CHECK(is_msg_id(result.msgId), "msgId \"%s\"", result.msgId);
    CHECK(result.offset >= 0, "offset %lld", result.offset);
    /* The id is the message's UNIQ_KEY, new at every send. */
    CHECK(strcmp(GetOriginMessageProperty(msg, "UNIQ_KEY"), result.msgId) == 0, "UNIQ_KEY %s, msgId %s",
          GetOriginMessageProperty(msg, "UNIQ_KEY"), result.msgId);
    CHECK(strcmp(last_id, result.msgId) != 0, "the reused message kept its id %s", last_id);
    strcpy(last_id, result.msgId);
  }

  /* A body with NUL bytes, sent whole through SetByteMessageBody. */
  SetByteMessageBody(msg, binary, (int)sizeof binary);
  CHECK_OK(SendMessageSync(producer, msg, &result));
  DestroyMessage(msg);

  stop_producer(producer);
  expect_stored(topic, COUNT + 1, 0);
  return rmq_finish("sync_producer");
}
