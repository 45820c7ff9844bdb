/*
 * pull_consumer.c - a pull consumer: lists a topic's queues and reads each
 * from offset 0, as upstream's PullConsumeMessage.c does.
 *
 *   pull_consumer NAMESRV_HOST:PORT
 *
 * It sends COUNT messages first, then pulls every queue until the broker
 * has nothing new, and checks that it read each message once. Every
 * result goes to ReleasePullResult, including those without messages.
 */

#include "example_common.h"
#include "CPullConsumer.h"

#define COUNT 25

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char body[64];
  int seen[COUNT] = {0};
  CProducer* producer;
  CPullConsumer* consumer;
  CMessage* msg;
  CSendResult result;
  CMessageQueue* mqs = NULL;
  int size = 0, i, q, total = 0;

  example_topic(topic, sizeof topic, "PullTopic");
  producer = start_producer("GID_example_pull_producer", namesrv);
  msg = CreateMessage(topic);
  for (i = 0; i < COUNT; i++) {
    snprintf(body, sizeof body, "pull message %d", i);
    SetMessageBody(msg, body);
    SetMessageTags(msg, i % 2 ? "odd" : "even");
    CHECK_OK(SendMessageSync(producer, msg, &result));
  }
  DestroyMessage(msg);
  stop_producer(producer);

  consumer = CreatePullConsumer("GID_example_pull");
  CHECK(consumer != NULL, "CreatePullConsumer: %s", GetLatestErrorMessage());
  if (consumer == NULL) return rmq_finish("pull_consumer");
  printf("%s\n", ShowPullConsumerVersion(consumer));
  CHECK_OK(SetPullConsumerNameServerAddress(consumer, namesrv));
  CHECK_OK(StartPullConsumer(consumer));
  CHECK_OK(FetchSubscriptionMessageQueues(consumer, topic, &mqs, &size));
  CHECK(size > 0 && mqs != NULL, "%d queues", size);

  for (q = 0; q < size; q++) {
    long long offset = 0;
    int done = 0;
    printf("queue %s/%s/%d\n", mqs[q].topic, mqs[q].brokerName, mqs[q].queueId);
    CHECK(strcmp(mqs[q].topic, topic) == 0, "queue topic %s", mqs[q].topic);
    while (!done) {
      CPullResult r = Pull(consumer, &mqs[q], "*", offset, 8);
      switch (r.pullStatus) {
        case E_FOUND:
          CHECK(r.size > 0 && r.msgFoundList != NULL, "FOUND with %d messages", r.size);
          for (i = 0; i < r.size; i++) {
            int n = -1;
            CMessageExt* m = r.msgFoundList[i];
            CHECK(GetMessageQueueOffset(m) == offset + i, "offset %lld, want %lld", GetMessageQueueOffset(m),
                  offset + i);
            if (sscanf(GetMessageBody(m), "pull message %d", &n) == 1 && n >= 0 && n < COUNT) {
              seen[n]++;
              total++;
            } else {
              CHECK(0, "unexpected body \"%s\"", GetMessageBody(m));
            }
          }
          CHECK(r.nextBeginOffset == offset + r.size, "next %lld after %lld + %d", r.nextBeginOffset, offset,
                r.size);
          offset = r.nextBeginOffset;
          CHECK_OK(ReleasePullResult(r));
          CHECK(ReleasePullResult(r) == NULL_POINTER, "a second release must be refused");
          break;
        case E_NO_NEW_MSG:
        case E_NO_MATCHED_MSG:
          CHECK(r.msgFoundList == NULL && r.size == 0, "status %d with %d messages", (int)r.pullStatus, r.size);
          CHECK(r.maxOffset == offset, "max offset %lld at the end, read to %lld", r.maxOffset, offset);
          ReleasePullResult(r); /* harmless without messages */
          done = 1;
          break;
        default:
          CHECK(0, "pull at %lld: status %d: %s", offset, (int)r.pullStatus, GetLatestErrorMessage());
          ReleasePullResult(r);
          done = 1;
      }
    }
  }
  CHECK_OK(ReleaseSubscriptionMessageQueue(mqs));
  CHECK(total == COUNT, "read %d messages, sent %d", total, COUNT);
  for (i = 0; i < COUNT; i++) CHECK(seen[i] == 1, "message %d read %d times", i, seen[i]);
  printf("read %d messages\n", total);

  CHECK_OK(ShutdownPullConsumer(consumer));
  CHECK_OK(DestroyPullConsumer(consumer));
  expect_stored(topic, COUNT, 0);
  return rmq_finish("pull_consumer");
}
