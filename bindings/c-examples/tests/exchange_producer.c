/*
 * exchange_producer.c - the sending half of the exchange test
 * (exchange.sh): sends COUNT messages to TOPIC, each with tag "exchange",
 * key "key-<i>", property "index" = <i> and body "exchange message <i>",
 * and checks every send result.
 *
 *   exchange_producer NAMESRV_HOST:PORT TOPIC COUNT
 *
 * With exchange_consumer it shows that two separate programs, possibly on
 * different platforms (Windows under Wine, Linux), talk through the broker.
 */

#include "example_common.h"

int main(int argc, char** argv) {
  const char* namesrv;
  const char* topic;
  char body[64], key[32], index[16];
  CProducer* producer;
  CMessage* msg;
  CSendResult result;
  int i, count;

  if (argc != 4 || (count = atoi(argv[3])) <= 0) {
    fprintf(stderr, "usage: %s NAMESRV_HOST:PORT TOPIC COUNT\n", argv[0]);
    return 2;
  }
  namesrv = argv[1];
  topic = argv[2];

  producer = start_producer("GID_exchange_producer", namesrv);
  msg = CreateMessage(topic);
  CHECK(msg != NULL, "CreateMessage: %s", GetLatestErrorMessage());
  if (msg == NULL) return rmq_finish("exchange_producer");
  CHECK_OK(SetMessageTags(msg, "exchange"));
  for (i = 0; i < count; i++) {
    snprintf(body, sizeof body, "exchange message %d", i);
    snprintf(key, sizeof key, "key-%d", i);
    snprintf(index, sizeof index, "%d", i);
    CHECK_OK(SetMessageBody(msg, body));
    CHECK_OK(SetMessageKeys(msg, key));
    CHECK_OK(SetMessageProperty(msg, "index", index));
    memset(&result, 0, sizeof result);
    CHECK_OK(SendMessageSync(producer, msg, &result));
    CHECK(result.sendStatus == E_SEND_OK, "message %d: send status %d", i, (int)result.sendStatus);
    CHECK(is_msg_id(result.msgId), "message %d: id \"%s\"", i, result.msgId);
  }
  CHECK_OK(DestroyMessage(msg));
  stop_producer(producer);
  printf("sent %d messages to %s\n", count, topic);
  return rmq_finish("exchange_producer");
}
