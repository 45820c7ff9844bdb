/*
 * async_destroy.c - DestroyProducer (or ShutdownProducer, then Destroy) while
 * thousands of asynchronous sends are still in flight. Every accepted send
 * must get exactly one callback, success or exception, before Destroy
 * returns and none after; every send reported successful must be in the
 * broker; nothing may crash.
 *
 *   async_destroy NAMESRV_HOST:PORT
 *
 * Three rounds: Destroy without Shutdown, Shutdown then Destroy, and a
 * producer whose name server does not answer (every send waits for a route
 * when Destroy comes). Environment: RMQ_ASYNC_SENDS, sends per round (2000).
 */

#include "CErrorMessage.h"
#include "CMessage.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "rmq_test.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static long sends;
/* Callbacks per send, by round * sends + index; closed[round] is set once
   that round's DestroyProducer has returned. */
static int* calls;
static volatile int closed[3];
static int successes, exceptions, late;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void on_ok(CSendResult r, CMessage* msg, void* data) {
  (void)r;
  (void)msg;
  pthread_mutex_lock(&mu);
  calls[(intptr_t)data]++;
  successes++;
  if (closed[(intptr_t)data / sends]) late++;
  pthread_mutex_unlock(&mu);
}

static void on_fail(CMQException e, CMessage* msg, void* data) {
  (void)e;
  (void)msg;
  pthread_mutex_lock(&mu);
  calls[(intptr_t)data]++;
  exceptions++;
  if (closed[(intptr_t)data / sends]) late++;
  pthread_mutex_unlock(&mu);
}

/* Messages the broker holds in topic: the sum of its queues' max offsets. */
static long long stored(const char* namesrv, const char* topic) {
  CPullConsumer* c = CreatePullConsumer("GID_async_destroy_count");
  CMessageQueue* mqs = NULL;
  long long total = 0;
  int n = 0, i;
  MUST(SetPullConsumerNameServerAddress(c, namesrv));
  MUST(StartPullConsumer(c));
  MUST(FetchSubscriptionMessageQueues(c, topic, &mqs, &n));
  for (i = 0; i < n; i++) {
    CPullResult r = Pull(c, &mqs[i], "*", 0, 1);
    CHECK(r.pullStatus != E_BROKER_TIMEOUT, "pull: %s", GetLatestErrorMessage());
    total += r.maxOffset;
    if (r.pullStatus == E_FOUND) ReleasePullResult(r);
  }
  ReleaseSubscriptionMessageQueue(mqs);
  MUST(ShutdownPullConsumer(c));
  MUST(DestroyPullConsumer(c));
  return total;
}

enum mode { DESTROY, SHUTDOWN_THEN_DESTROY, NO_ROUTE };
static const char* mode_names[] = {"destroy", "shutdown+destroy", "no route"};

static void round_of(const char* namesrv, enum mode mode) {
  CProducer* p = CreateProducer("GID_async_destroy");
  CMessage* msg;
  CSendResult r;
  char topic[96];
  long i, accepted = 0, once = 0, base = (long)mode * sends;
  long long t0, destroy_ms, in_broker;
  int before;

  snprintf(topic, sizeof topic, "T_async_destroy_%ld_%d", (long)getpid(), (int)mode);
  msg = CreateMessage(topic);
  MUST(SetMessageBody(msg, "pending at destroy"));
  MUST(SetProducerNameServerAddress(p, mode == NO_ROUTE ? "127.0.0.1:1" : namesrv));
  MUST(SetProducerSendMsgTimeout(p, 3000));
  MUST(StartProducer(p));
  if (mode != NO_ROUTE) MUST(SendMessageSync(p, msg, &r)); /* the route is known, the connection up */

  pthread_mutex_lock(&mu);
  successes = exceptions = 0;
  pthread_mutex_unlock(&mu);
  for (i = 0; i < sends; i++) {
    if (SendAsync(p, msg, on_ok, on_fail, (void*)(intptr_t)(base + i)) == OK) accepted++;
  }
  pthread_mutex_lock(&mu);
  before = successes + exceptions;
  pthread_mutex_unlock(&mu);

  t0 = rmq_mono_ms();
  if (mode == SHUTDOWN_THEN_DESTROY) MUST(ShutdownProducer(p));
  MUST(DestroyProducer(p));
  destroy_ms = rmq_mono_ms() - t0;
  closed[mode] = 1;

  pthread_mutex_lock(&mu);
  for (i = 0; i < sends; i++) {
    CHECK(calls[base + i] <= 1, "%s: send %ld got %d callbacks", mode_names[mode], i, calls[base + i]);
    if (calls[base + i] == 1) once++;
  }
  printf("%-16s: %ld sends accepted, %d called back before Destroy, destroy took %lld ms; "
         "%d successes, %d exceptions\n",
         mode_names[mode], accepted, before, destroy_ms, successes, exceptions);
  CHECK(once == accepted, "%s: %ld of %ld accepted sends were called back by the time Destroy returned",
        mode_names[mode], once, accepted);
  CHECK(late == 0, "%s: %d callbacks after Destroy returned", mode_names[mode], late);
  pthread_mutex_unlock(&mu);
  CHECK(accepted == sends, "%s: %ld of %ld sends refused: %s", mode_names[mode], sends - accepted, sends,
        GetLatestErrorMessage());
  if (mode == NO_ROUTE) {
    CHECK(successes == 0, "no route: %d successes", successes);
  } else {
    in_broker = stored(namesrv, topic) - 1; /* the synchronous send */
    printf("%-16s: broker holds %lld of them\n", mode_names[mode], in_broker);
    CHECK(in_broker >= successes && in_broker <= accepted,
          "%s: the broker holds %lld messages; %d sends succeeded of %ld", mode_names[mode], in_broker, successes,
          accepted);
  }
  DestroyMessage(msg);
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  int ok;
  sends = rmq_env_long("RMQ_ASYNC_SENDS", 2000);
  calls = calloc(3 * (size_t)sends, sizeof *calls);
  round_of(namesrv, DESTROY);
  round_of(namesrv, SHUTDOWN_THEN_DESTROY);
  round_of(namesrv, NO_ROUTE);
  /* Nothing may call back later, from a goroutine that outlived Destroy:
     watch a little longer than the rounds took to check. */
  WAIT_UNTIL(ok, late != 0, 500);
  CHECK(!ok, "%d callbacks after Destroy returned", late);
  free(calls);
  return rmq_finish("async_destroy");
}
