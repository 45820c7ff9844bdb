/*
 * soak.c - a long run of steady producing and consuming through the C API,
 * for scripts/soak.sh: one producer sends at a fixed rate with SendAsync,
 * one push consumer receives, and every report interval a line gives what
 * was sent, acknowledged and consumed, the rates over the interval, and the
 * process's resident set, threads and descriptors. At the end it waits for
 * the consumer to catch up and counts the messages lost (acknowledged to the
 * producer but never consumed) and the duplicates (consumed more than once).
 *
 *   soak NAMESRV_HOST:PORT TOPIC SECONDS
 *
 * Environment: SOAK_RATE, messages per second (1000); SOAK_REPORT, seconds
 * between report lines (15); SOAK_DRAIN, seconds to wait for the consumer at
 * the end (120); SOAK_BODY, body size in bytes (256).
 * Exits 1 if a message was lost, or on any failure to set up.
 */

#include "CErrorMessage.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CProducer.h"
#include "CPushConsumer.h"
#include "../../bindings/c-examples/tests/rmq_test.h"

#include <pthread.h>
#include <stdint.h>

static long long capacity;
static unsigned char* acked_seq; /* 1 once the send of that sequence number succeeded */
static unsigned short* consumed_seq;
static long long acked, failed, refused, consumed, duplicates, strangers;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void on_ok(CSendResult r, CMessage* msg, void* data) {
  (void)r;
  pthread_mutex_lock(&mu);
  acked_seq[(intptr_t)data] = 1;
  acked++;
  pthread_mutex_unlock(&mu);
  DestroyMessage(msg);
}

static void on_fail(CMQException e, CMessage* msg, void* data) {
  (void)data;
  pthread_mutex_lock(&mu);
  if (failed++ < 5) fprintf(stderr, "soak: send failed: %s\n", e.msg);
  pthread_mutex_unlock(&mu);
  DestroyMessage(msg);
}

static int on_message(CPushConsumer* c, CMessageExt* m) {
  const char* keys = GetMessageKeys(m);
  long long seq = keys != NULL ? strtoll(keys, NULL, 10) : -1;
  (void)c;
  pthread_mutex_lock(&mu);
  if (seq < 0 || seq >= capacity) {
    strangers++;
  } else {
    if (consumed_seq[seq] > 0) duplicates++;
    if (consumed_seq[seq] < 65535) consumed_seq[seq]++;
    consumed++;
  }
  pthread_mutex_unlock(&mu);
  return E_CONSUME_SUCCESS;
}

static long long locked(const long long* v) {
  long long n;
  pthread_mutex_lock(&mu);
  n = *v;
  pthread_mutex_unlock(&mu);
  return n;
}

static int all_called_back(long long sent) { return locked(&acked) + locked(&failed) + locked(&refused) >= sent; }

static int consumer_caught_up(void) {
  int done;
  pthread_mutex_lock(&mu);
  done = consumed - duplicates >= acked;
  pthread_mutex_unlock(&mu);
  return done;
}

struct figures {
  long long t_ms, sent, acked, failed, consumed;
};

static void report(const struct figures* prev, struct figures* now, long long sent, long long t0) {
  double dt;
  pthread_mutex_lock(&mu);
  now->acked = acked;
  now->failed = failed;
  now->consumed = consumed;
  pthread_mutex_unlock(&mu);
  now->sent = sent;
  now->t_ms = rmq_mono_ms();
  dt = (double)(now->t_ms - prev->t_ms) / 1000.0;
  printf("t=%5.0fs sent %9lld acked %9lld failed %5lld consumed %9lld | send %7.0f/s consume %7.0f/s | "
         "rss %6lld KiB threads %3lld fds %3d\n",
         (double)(now->t_ms - t0) / 1000.0, now->sent, now->acked, now->failed, now->consumed,
         (double)(now->acked - prev->acked) / dt, (double)(now->consumed - prev->consumed) / dt, rmq_rss_kib(),
         rmq_threads(), rmq_fd_count());
  fflush(stdout);
}

int main(int argc, char** argv) {
  const char *namesrv, *topic;
  long seconds, rate = rmq_env_long("SOAK_RATE", 1000), every = rmq_env_long("SOAK_REPORT", 15);
  long drain = rmq_env_long("SOAK_DRAIN", 120), body_size = rmq_env_long("SOAK_BODY", 256);
  long long t0, next_report, end, seq = 0, lost = 0, i, rss_first = -1, rss_max = 0;
  struct figures prev, now;
  CProducer* p;
  CPushConsumer* c;
  char* body;
  char key[32];
  int caught_up;

  if (argc != 4 || atol(argv[3]) <= 0) {
    fprintf(stderr, "usage: %s NAMESRV_HOST:PORT TOPIC SECONDS\n", argv[0]);
    return 2;
  }
  namesrv = argv[1];
  topic = argv[2];
  seconds = atol(argv[3]);
  capacity = (long long)rate * seconds + rate + 16;
  acked_seq = calloc((size_t)capacity, 1);
  consumed_seq = calloc((size_t)capacity, sizeof *consumed_seq);
  body = malloc((size_t)body_size + 1);
  if (acked_seq == NULL || consumed_seq == NULL || body == NULL) {
    fprintf(stderr, "soak: out of memory\n");
    return 1;
  }
  memset(body, 's', (size_t)body_size);
  body[body_size] = '\0';

  p = CreateProducer("GID_soak");
  c = CreatePushConsumer("GID_soak");
  MUST(SetProducerNameServerAddress(p, namesrv));
  MUST(SetProducerLogLevel(p, E_LOG_LEVEL_ERROR));
  MUST(StartProducer(p));
  {
    /* Message 0, synchronously: the topic exists before the consumer looks
       for its queues, or it would find them only at its next rebalance. */
    CMessage* first = CreateMessage(topic);
    CSendResult r;
    SetMessageKeys(first, "0");
    SetMessageBody(first, body);
    MUST(SendMessageSync(p, first, &r));
    DestroyMessage(first);
    acked_seq[0] = 1;
    acked = 1;
    seq = 1;
  }
  MUST(SetPushConsumerNameServerAddress(c, namesrv));
  MUST(Subscribe(c, topic, "*"));
  MUST(RegisterMessageCallback(c, on_message));
  MUST(StartPushConsumer(c));

  printf("soak: %ld s at %ld msgs/s, %ld-byte bodies, topic %s\n", seconds, rate, body_size, topic);
  t0 = rmq_mono_ms();
  prev.t_ms = t0;
  prev.sent = prev.acked = prev.failed = prev.consumed = 0;
  next_report = t0 + every * 1000;
  end = t0 + (long long)seconds * 1000;
  for (;;) {
    long long now_ms = rmq_mono_ms();
    long long due = 1 + (now_ms - t0) * rate / 1000;
    if (now_ms >= end) break;
    while (seq < due && seq < capacity) {
      CMessage* msg = CreateMessage(topic);
      snprintf(key, sizeof key, "%lld", seq);
      SetMessageKeys(msg, key);
      SetMessageBody(msg, body);
      if (SendAsync(p, msg, on_ok, on_fail, (void*)(intptr_t)seq) != OK) {
        pthread_mutex_lock(&mu);
        if (refused++ < 5) fprintf(stderr, "soak: send refused: %s\n", GetLatestErrorMessage());
        pthread_mutex_unlock(&mu);
        DestroyMessage(msg);
      }
      seq++;
    }
    if (now_ms >= next_report) {
      report(&prev, &now, seq, t0);
      if (rss_first < 0) rss_first = rmq_rss_kib();
      if (rmq_rss_kib() > rss_max) rss_max = rmq_rss_kib();
      prev = now;
      next_report += every * 1000;
    }
    rmq_sleep_ms(2);
  }

  /* Every send called back, then the consumer catches up with what was acknowledged. */
  WAIT_UNTIL(caught_up, all_called_back(seq), drain * 1000LL);
  WAIT_UNTIL(caught_up, consumer_caught_up(), drain * 1000LL);
  report(&prev, &now, seq, t0);
  if (rmq_rss_kib() > rss_max) rss_max = rmq_rss_kib();
  pthread_mutex_lock(&mu);
  for (i = 0; i < seq; i++) {
    if (acked_seq[i] && consumed_seq[i] == 0) lost++;
  }
  printf("soak: sent %lld, acked %lld, failed %lld, refused %lld, consumed %lld distinct + %lld duplicates; "
         "LOST %lld; rss %lld KiB after the first interval, %lld KiB peak%s\n",
         seq, acked, failed, refused, consumed - duplicates, duplicates, lost, rss_first, rss_max,
         caught_up ? "" : " (the consumer did not catch up in time)");
  pthread_mutex_unlock(&mu);
  MUST(ShutdownPushConsumer(c));
  MUST(DestroyPushConsumer(c));
  MUST(ShutdownProducer(p));
  MUST(DestroyProducer(p));
  free(acked_seq);
  free(consumed_seq);
  free(body);
  return lost == 0 && strangers == 0 ? 0 : 1;
}
