/*
 * broadcasting_consumer.c - BROADCASTING: every consumer of a group
 * receives every message (with CLUSTERING they would share them).
 *
 *   broadcasting_consumer NAMESRV_HOST:PORT
 *
 * Two push consumers of one group, with distinct instance names, subscribe
 * to a fresh topic in BROADCASTING mode; then COUNT messages are sent, and
 * each consumer must receive every one of them exactly once within WAIT_MS.
 *
 * A broadcasting consumer keeps its progress in a local file,
 * $HOME/.rocketmq_offsets/<client ip>@<instance name>/<group>/offsets.json,
 * which ShutdownPushConsumer writes; the example checks that both files
 * exist. (The test sets HOME to a directory of the build tree, so that it
 * never writes into a real home.)
 *
 * A new broadcasting consumer starts at the end of each queue, so the
 * messages are sent after both consumers have started. The topic must
 * exist by then for StartPushConsumer to take its queues at once, so one
 * warm-up message creates it first; that message is not expected (a
 * consumer that sees it anyway ignores it).
 */

#include <glob.h>

#include "example_common.h"
#include "CPushConsumer.h"

#define COUNT 20
#define CONSUMERS 2
#define WAIT_MS 30000

static const char* const instance_names[CONSUMERS] = {"broadcast_a", "broadcast_b"};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static CPushConsumer* consumers[CONSUMERS];
static int seen[CONSUMERS][COUNT];
static int received[CONSUMERS];
static int distinct; /* (consumer, message) pairs seen at least once */
static const char* expected_topic;

static int on_message(CPushConsumer* consumer, CMessageExt* msg) {
  const char* body = GetMessageBody(msg);
  int c, i = -1;
  CHECK(strcmp(GetMessageTopic(msg), expected_topic) == 0, "topic %s", GetMessageTopic(msg));
  CHECK(is_msg_id(GetMessageId(msg)), "message id \"%s\"", GetMessageId(msg));
  for (c = 0; c < CONSUMERS && consumers[c] != consumer; c++) {
  }
  if (c == CONSUMERS) {
    CHECK(0, "callback for an unknown consumer %p", (void*)consumer);
    return E_CONSUME_SUCCESS;
  }
  if (strcmp(body, "warm-up") == 0) return E_CONSUME_SUCCESS;
  if (sscanf(body, "broadcast message %d", &i) != 1 || i < 0 || i >= COUNT) {
    CHECK(0, "unexpected body \"%s\"", body);
    return E_CONSUME_SUCCESS;
  }
  pthread_mutex_lock(&mu);
  if (seen[c][i]++ == 0) distinct++;
  received[c]++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
  return E_CONSUME_SUCCESS;
}

static CPushConsumer* start_consumer(const char* group, const char* namesrv, const char* topic, int c) {
  CPushConsumer* consumer = CreatePushConsumer(group);
  int rc;
  if (consumer == NULL) {
    fprintf(stderr, "CreatePushConsumer: %s\n", GetLatestErrorMessage());
    exit(1);
  }
  consumers[c] = consumer; /* before Start: the callback looks it up */
  CHECK_OK(SetPushConsumerNameServerAddress(consumer, namesrv));
  CHECK_OK(SetPushConsumerInstanceName(consumer, instance_names[c]));
  CHECK_OK(SetPushConsumerThreadCount(consumer, 4));
  CHECK_OK(SetPushConsumerMessageModel(consumer, BROADCASTING));
  CHECK_OK(Subscribe(consumer, topic, "*"));
  CHECK_OK(RegisterMessageCallback(consumer, on_message));
  rc = StartPushConsumer(consumer);
  if (rc != OK) {
    fprintf(stderr, "StartPushConsumer (%s) returned %d: %s\n", instance_names[c], rc, GetLatestErrorMessage());
    exit(1);
  }
  return consumer;
}

/* Whether the offsets file of instance's consumer of group exists. */
static int offsets_file_exists(const char* instance, const char* group) {
  const char* home = getenv("HOME");
  char pattern[1024];
  glob_t g;
  int found;
  if (home == NULL || home[0] == '\0') return 1; /* the library used another directory */
  snprintf(pattern, sizeof pattern, "%s/.rocketmq_offsets/*@%s/%s/offsets.json", home, instance, group);
  found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc == 1;
  if (found) printf("offsets: %s\n", g.gl_pathv[0]);
  globfree(&g);
  return found;
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char group[64];
  char body[64];
  CProducer* producer;
  CMessage* msg;
  CSendResult result;
  int c, i, complete;

  example_topic(topic, sizeof topic, "BroadcastTopic");
  example_topic(group, sizeof group, "GID_example_broadcast");
  expected_topic = topic;

  producer = start_producer("GID_example_broadcast_producer", namesrv);
  msg = CreateMessage(topic);
  SetMessageTags(msg, "TagA");
  SetMessageBody(msg, "warm-up");
  CHECK_OK(SendMessageSync(producer, msg, &result)); /* creates the topic */

  for (c = 0; c < CONSUMERS; c++) start_consumer(group, namesrv, topic, c);

  for (i = 0; i < COUNT; i++) {
    snprintf(body, sizeof body, "broadcast message %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageSync(producer, msg, &result));
  }
  DestroyMessage(msg);
  stop_producer(producer);

  complete = wait_count(&mu, &cond, &distinct, CONSUMERS * COUNT, WAIT_MS);
  sleep_ms(500); /* a duplicate would show up now */

  for (c = 0; c < CONSUMERS; c++) CHECK_OK(ShutdownPushConsumer(consumers[c]));
  pthread_mutex_lock(&mu);
  for (c = 0; c < CONSUMERS; c++) {
    CHECK(received[c] == COUNT, "consumer %s received %d messages, want each of the %d exactly once", instance_names[c],
          received[c], COUNT);
    for (i = 0; i < COUNT; i++) {
      CHECK(seen[c][i] == 1, "consumer %s: message %d arrived %d times", instance_names[c], i, seen[c][i]);
    }
    printf("%s received %d messages\n", instance_names[c], received[c]);
  }
  CHECK(complete, "within %d ms, the consumers received %d of the %d (consumer, message) pairs", WAIT_MS, distinct,
        CONSUMERS * COUNT);
  pthread_mutex_unlock(&mu);
  for (c = 0; c < CONSUMERS; c++) {
    CHECK(offsets_file_exists(instance_names[c], group), "no offsets file for %s under $HOME/.rocketmq_offsets",
          instance_names[c]);
    CHECK_OK(UnregisterMessageCallback(consumers[c]));
    CHECK_OK(DestroyPushConsumer(consumers[c]));
  }

  expect_stored(topic, COUNT + 1, 0);
  return rmq_finish("broadcasting_consumer");
}
