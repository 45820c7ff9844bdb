/*
 * lifecycle.c - create, start, use, shut down and destroy a producer, a
 * push consumer and a pull consumer, again and again in one process, and
 * assert that nothing accumulates: open file descriptors, threads and the
 * resident set must stay flat after a warm-up.
 *
 *   lifecycle NAMESRV_HOST:PORT
 *
 * Each cycle the producer sends one message (so a broker connection is
 * opened and must be closed again), the push consumer starts with a
 * subscription (name server and broker traffic, rebalance, heartbeat) and the
 * pull consumer fetches its topic's queues. Environment: RMQ_LIFECYCLE_CYCLES
 * (1000), RMQ_LIFECYCLE_WARMUP (50).
 *
 * Limits, after the warm-up: descriptors back to the baseline (within 2, for
 * a connection still closing), threads at most 8 more (the Go runtime keeps
 * the threads it made and may need a few more under load), and the peak
 * resident set of the second half of the cycles at most 8 MiB above that of
 * the first half: a leak of 16 KiB per cycle would exceed it.
 */

#include "CErrorMessage.h"
#include "CMessage.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "CPushConsumer.h"
#include "rmq_test.h"

#include <unistd.h>

static const char* namesrv;
static char topic[96];

static int on_message(CPushConsumer* c, CMessageExt* m) {
  (void)c;
  (void)m;
  return E_CONSUME_SUCCESS;
}

static void cycle(int i) {
  CProducer* p = CreateProducer("GID_lifecycle_p");
  CPushConsumer* push = CreatePushConsumer("GID_lifecycle_push");
  CPullConsumer* pull = CreatePullConsumer("GID_lifecycle_pull");
  CMessage* msg = CreateMessage(topic);
  CMessageQueue* mqs = NULL;
  CSendResult r;
  int n = 0;
  char body[32];

  if (p == NULL || push == NULL || pull == NULL || msg == NULL) {
    fprintf(stderr, "cycle %d: create: %s\n", i, GetLatestErrorMessage());
    exit(1);
  }
  snprintf(body, sizeof body, "cycle %d", i);
  MUST(SetMessageBody(msg, body));

  MUST(SetProducerNameServerAddress(p, namesrv));
  MUST(StartProducer(p));
  MUST(SendMessageSync(p, msg, &r));
  CHECK(r.sendStatus == E_SEND_OK, "cycle %d: send status %d", i, (int)r.sendStatus);

  MUST(SetPushConsumerNameServerAddress(push, namesrv));
  MUST(Subscribe(push, topic, "*"));
  MUST(RegisterMessageCallback(push, on_message));
  MUST(StartPushConsumer(push));

  MUST(SetPullConsumerNameServerAddress(pull, namesrv));
  MUST(StartPullConsumer(pull));
  MUST(FetchSubscriptionMessageQueues(pull, topic, &mqs, &n));
  CHECK(n > 0, "cycle %d: %d queues", i, n);
  MUST(ReleaseSubscriptionMessageQueue(mqs));

  MUST(ShutdownPullConsumer(pull));
  MUST(DestroyPullConsumer(pull));
  MUST(ShutdownPushConsumer(push));
  MUST(DestroyPushConsumer(push));
  MUST(ShutdownProducer(p));
  MUST(DestroyProducer(p));
  MUST(DestroyMessage(msg));
}

struct sample {
  int fds;
  long long threads, rss;
};

static struct sample take(void) {
  struct sample s;
  s.fds = rmq_fd_count();
  s.threads = rmq_threads();
  s.rss = rmq_rss_kib();
  return s;
}

int main(int argc, char** argv) {
  long cycles = rmq_env_long("RMQ_LIFECYCLE_CYCLES", 1000);
  long warmup = rmq_env_long("RMQ_LIFECYCLE_WARMUP", 50);
  long i, every = cycles / 10 > 0 ? cycles / 10 : 1;
  long long start, first_half_max = 0, second_half_max = 0, elapsed;
  struct sample base, s, end;
  int settled;

  namesrv = rmq_namesrv(argc, argv);
  snprintf(topic, sizeof topic, "T_lifecycle_%ld", (long)getpid());
  for (i = 0; i < warmup; i++) cycle((int)i);
  base = take();
  printf("after %ld warm-up cycles: fds %d, threads %lld, rss %lld KiB\n", warmup, base.fds, base.threads, base.rss);

  start = rmq_mono_ms();
  for (i = 1; i <= cycles; i++) {
    cycle((int)i);
    s = take();
    if (i <= cycles / 2) {
      if (s.rss > first_half_max) first_half_max = s.rss;
    } else if (s.rss > second_half_max) {
      second_half_max = s.rss;
    }
    if (i % every == 0) {
      printf("cycle %4ld: fds %d, threads %lld, rss %lld KiB, %.1f ms per cycle\n", i, s.fds, s.threads, s.rss,
             (double)(rmq_mono_ms() - start) / (double)i);
      fflush(stdout);
    }
  }
  elapsed = rmq_mono_ms() - start;

  /* A connection's close can trail its client's Destroy by a moment. */
  WAIT_UNTIL(settled, rmq_fd_count() <= base.fds + 2, 5000);
  (void)settled;
  end = take();
  printf("%ld cycles (producer start+send+shutdown, push and pull consumer start+shutdown) in %.1f s, "
         "%.1f ms per cycle\n",
         cycles, (double)elapsed / 1000.0, (double)elapsed / (double)cycles);
  printf("fds %d -> %d, threads %lld -> %lld, rss %lld -> %lld KiB (peak first half %lld, second half %lld)\n",
         base.fds, end.fds, base.threads, end.threads, base.rss, end.rss, first_half_max, second_half_max);

  CHECK(end.fds <= base.fds + 2, "file descriptors grew from %d to %d", base.fds, end.fds);
  CHECK(end.threads <= base.threads + 8, "threads grew from %lld to %lld", base.threads, end.threads);
  if (cycles >= 100) {
    CHECK(second_half_max <= first_half_max + 8 * 1024,
          "resident set grew from a peak of %lld KiB in the first half to %lld KiB in the second", first_half_max,
          second_half_max);
  }
  return rmq_finish("lifecycle");
}
