/*
 * two_clients.c - two independent users of the library in one process (two
 * plugins, or two libraries built on it), each with its own producer and
 * push consumer, groups and instance names, sharing the one Go runtime.
 *
 *   two_clients NAMESRV_HOST:PORT
 *
 * A sends to topic TA, B to TB, both to TS. A's consumer subscribes TB and
 * TS, B's subscribes TA and TS (each in its own group, so each receives all
 * of TS). Every message must arrive exactly once at each consumer meant to
 * get it. Then A shuts down completely while B goes on: B's next messages
 * on TS must still reach B's consumer.
 */

#include "CErrorMessage.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CProducer.h"
#include "CPushConsumer.h"
#include "rmq_test.h"

#include <pthread.h>
#include <unistd.h>

#define COUNT 200 /* messages per producer and topic */

struct side {
  const char* name;
  CProducer* producer;
  CPushConsumer* consumer;
  char own_topic[96];
  /* seen[from][topic][i]: message i that side `from` sent to its own topic
     (0) or to TS (1), as received by this side. */
  int seen[2][2][COUNT];
  int received;
};

static struct side sides[2] = {{.name = "A"}, {.name = "B"}};
static char shared_topic[96];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int on_message(CPushConsumer* c, CMessageExt* m) {
  struct side* s = c == sides[0].consumer ? &sides[0] : &sides[1];
  int from = -1, i = -1, shared = strcmp(GetMessageTopic(m), shared_topic) == 0;
  char who = 0;
  if (sscanf(GetMessageBody(m), "%c %d", &who, &i) != 2 || (who != 'A' && who != 'B') || i < 0 || i >= COUNT) {
    CHECK(0, "%s: unexpected body \"%s\"", s->name, GetMessageBody(m));
    return E_CONSUME_SUCCESS;
  }
  from = who - 'A';
  CHECK(shared || from != s - sides, "%s received its own message from %s", s->name, GetMessageTopic(m));
  pthread_mutex_lock(&mu);
  s->seen[from][shared][i]++;
  s->received++;
  pthread_mutex_unlock(&mu);
  return E_CONSUME_SUCCESS;
}

static int received(int side) {
  int n;
  pthread_mutex_lock(&mu);
  n = sides[side].received;
  pthread_mutex_unlock(&mu);
  return n;
}

static void start(int k, const char* namesrv) {
  struct side* s = &sides[k];
  char group[64], instance[64];
  snprintf(s->own_topic, sizeof s->own_topic, "T_two_clients_%s_%ld", s->name, (long)getpid());
  snprintf(group, sizeof group, "GID_two_clients_%s", s->name);
  snprintf(instance, sizeof instance, "library_%s", s->name);
  s->producer = CreateProducer(group);
  s->consumer = CreatePushConsumer(group);
  MUST(SetProducerNameServerAddress(s->producer, namesrv));
  MUST(SetProducerInstanceName(s->producer, instance));
  MUST(StartProducer(s->producer));
  MUST(SetPushConsumerNameServerAddress(s->consumer, namesrv));
  MUST(SetPushConsumerInstanceName(s->consumer, instance));
  MUST(SetPushConsumerThreadCount(s->consumer, 2));
  MUST(RegisterMessageCallback(s->consumer, on_message));
}

static void send_range(int k, const char* topic, int from, int to) {
  CMessage* msg = CreateMessage(topic);
  CSendResult r;
  char body[32];
  int i;
  for (i = from; i < to; i++) {
    snprintf(body, sizeof body, "%c %d", 'A' + k, i);
    MUST(SetMessageBody(msg, body));
    MUST(SendMessageSync(sides[k].producer, msg, &r));
  }
  DestroyMessage(msg);
}

/* Side k got message i of `from` on the topic exactly once, for i < n. */
static void check_once(int k, int from, int shared, int n) {
  int i, bad = 0;
  pthread_mutex_lock(&mu);
  for (i = 0; i < n; i++) bad += sides[k].seen[from][shared][i] != 1;
  pthread_mutex_unlock(&mu);
  CHECK(bad == 0, "%s: %d of %d messages from %s on %s not received exactly once", sides[k].name, bad, n,
        sides[from].name, shared ? "TS" : "its topic");
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  int ok, k;
  long long t0;

  snprintf(shared_topic, sizeof shared_topic, "T_two_clients_S_%ld", (long)getpid());
  start(0, namesrv);
  start(1, namesrv);
  /* The topics exist before the consumers look for their queues. */
  send_range(0, sides[0].own_topic, 0, 1);
  send_range(1, sides[1].own_topic, 0, 1);
  send_range(0, shared_topic, 0, 1);
  send_range(1, shared_topic, 0, 1);
  for (k = 0; k < 2; k++) {
    MUST(Subscribe(sides[k].consumer, sides[1 - k].own_topic, "*"));
    MUST(Subscribe(sides[k].consumer, shared_topic, "*"));
    MUST(StartPushConsumer(sides[k].consumer));
  }
  t0 = rmq_mono_ms();
  send_range(0, sides[0].own_topic, 1, COUNT);
  send_range(1, sides[1].own_topic, 1, COUNT);
  send_range(0, shared_topic, 1, COUNT);
  send_range(1, shared_topic, 1, COUNT);
  /* Each consumer: COUNT from the other's topic, 2 * COUNT on TS. */
  WAIT_UNTIL(ok, received(0) >= 3 * COUNT && received(1) >= 3 * COUNT, 60000);
  CHECK(ok, "received A %d, B %d of %d each", received(0), received(1), 3 * COUNT);
  printf("A and B each received their %d messages in %lld ms\n", 3 * COUNT, rmq_mono_ms() - t0);
  for (k = 0; k < 2; k++) {
    check_once(k, 1 - k, 0, COUNT);
    check_once(k, 0, 1, COUNT);
    check_once(k, 1, 1, COUNT);
  }

  /* A leaves; B is not disturbed. */
  MUST(ShutdownPushConsumer(sides[0].consumer));
  MUST(DestroyPushConsumer(sides[0].consumer));
  MUST(ShutdownProducer(sides[0].producer));
  MUST(DestroyProducer(sides[0].producer));
  pthread_mutex_lock(&mu);
  memset(sides[1].seen[1][1], 0, sizeof sides[1].seen[1][1]);
  sides[1].received = 0;
  pthread_mutex_unlock(&mu);
  send_range(1, shared_topic, 0, COUNT);
  WAIT_UNTIL(ok, received(1) >= COUNT, 60000);
  CHECK(ok, "after A left, B received %d of %d", received(1), COUNT);
  check_once(1, 1, 1, COUNT);
  printf("after A shut down, B sent and received %d more\n", COUNT);
  MUST(ShutdownPushConsumer(sides[1].consumer));
  MUST(DestroyPushConsumer(sides[1].consumer));
  MUST(ShutdownProducer(sides[1].producer));
  MUST(DestroyProducer(sides[1].producer));
  return rmq_finish("two_clients");
}
