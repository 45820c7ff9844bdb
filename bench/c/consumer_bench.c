/*
 * consumer_bench.c - the consumer workload of scripts/bench.sh over the C
 * API (the headers of include/ and librocketmq.so only), run against a
 * broker that is already up and a topic that already holds, or is being
 * sent, the messages.
 *
 *   consumer_bench throughput|latency NAMESRV_HOST:PORT TOPIC TOTAL [INSTANCE [READY_FILE]]
 *
 * A push consumer (a new group, every default: threads, batch size 1, flow
 * control) receives messages until TOTAL have arrived, its callback counting
 * them with an atomic. It prints one "key value" line per figure on stdout,
 * the format of the Go half (interop/bench/consumer):
 *
 *   throughput: consume_rate (msgs/s from StartPushConsumer until the last
 *               of TOTAL arrived), consume_cpu_us (process CPU per message),
 *               rss_hwm_kib and rss_hwm_q1_kib (VmHWM of /proc/self/status
 *               at the end and after the first quarter of TOTAL)
 *   latency:    e2e_p50_ms, e2e_p99_ms, e2e_max_ms over the messages tagged
 *               "TagA" (the others are warm-up): receive time (wall clock)
 *               minus GetMessageBornTimestamp
 *
 * READY_FILE is written once StartPushConsumer has returned. Environment:
 * BENCH_CONSUME_TIMEOUT, seconds to wait for TOTAL (120). Exits 1 when they
 * do not all arrive in time or anything fails.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "CErrorMessage.h"
#include "CMessageExt.h"
#include "CPushConsumer.h"

static const char* bench_tag = "TagA";

static long long total;
static int latency_mode;
static atomic_llong received;
static atomic_llong measured;
static atomic_llong hwm_q1_kib;
static double* lat_ms;

static void fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("consumer_bench: FAIL: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long cpu_ns(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
         ((long long)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static void sleep_ns(long long ns) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ns / 1000000000LL);
  ts.tv_nsec = (long)(ns % 1000000000LL);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* The peak resident set in KiB, from /proc/self/status; -1 if unknown. */
static long long vm_hwm_kib(void) {
  char line[256];
  long long v = -1;
  FILE* f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "VmHWM:", 6) == 0) {
      v = strtoll(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static int on_message(CPushConsumer* consumer, CMessageExt* msg) {
  long long n;
  (void)consumer;
  if (latency_mode) {
    const char* tags = GetMessageTags(msg);
    if (tags != NULL && strcmp(tags, bench_tag) == 0) {
      struct timespec now;
      long long i;
      clock_gettime(CLOCK_REALTIME, &now);
      i = atomic_fetch_add(&measured, 1);
      if (i < total) {
        lat_ms[i] = (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6 - (double)GetMessageBornTimestamp(msg);
      }
    }
  }
  n = atomic_fetch_add(&received, 1) + 1;
  if (!latency_mode && n == total / 4) atomic_store(&hwm_q1_kib, vm_hwm_kib());
  return E_CONSUME_SUCCESS;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Nearest rank, as the Go half computes it. */
static double percentile(const double* sorted, long long n, double q) {
  long long i = (long long)(q * (double)n + 0.999999) - 1;
  if (i < 0) i = 0;
  if (i > n - 1) i = n - 1;
  return sorted[i];
}

int main(int argc, char** argv) {
  const char* instance;
  const char* timeout_env = getenv("BENCH_CONSUME_TIMEOUT");
  long long timeout_s = 120, start, deadline, elapsed, cpu0, cpu, m;
  char group[160];
  CPushConsumer* consumer;

  if (argc < 5 || (strcmp(argv[1], "throughput") != 0 && strcmp(argv[1], "latency") != 0) ||
      atoll(argv[4]) <= 0) {
    fprintf(stderr, "usage: %s throughput|latency NAMESRV_HOST:PORT TOPIC TOTAL [INSTANCE [READY_FILE]]\n", argv[0]);
    return 2;
  }
  latency_mode = strcmp(argv[1], "latency") == 0;
  total = atoll(argv[4]);
  instance = argc > 5 ? argv[5] : "bench-c-consumer";
  if (timeout_env != NULL && *timeout_env != '\0' && (timeout_s = atoll(timeout_env)) <= 0) {
    fail("BENCH_CONSUME_TIMEOUT=%s: want a positive integer", timeout_env);
  }
  if (latency_mode && (lat_ms = malloc((size_t)total * sizeof *lat_ms)) == NULL) fail("out of memory");

  snprintf(group, sizeof group, "BenchConsumer_%s", instance);
  consumer = CreatePushConsumer(group);
  if (consumer == NULL) fail("CreatePushConsumer: %s", GetLatestErrorMessage());
  if (SetPushConsumerNameServerAddress(consumer, argv[2]) != OK ||
      SetPushConsumerInstanceName(consumer, instance) != OK ||
      SetPushConsumerLogLevel(consumer, E_LOG_LEVEL_ERROR) != OK || Subscribe(consumer, argv[3], "*") != OK ||
      RegisterMessageCallback(consumer, on_message) != OK) {
    fail("setting up the consumer: %s", GetLatestErrorMessage());
  }
  cpu0 = cpu_ns();
  start = mono_ns();
  if (StartPushConsumer(consumer) != OK) fail("StartPushConsumer: %s", GetLatestErrorMessage());
  if (argc > 6) {
    FILE* f = fopen(argv[6], "w");
    if (f == NULL || fputs("ready\n", f) == EOF || fclose(f) != 0) fail("writing %s", argv[6]);
  }
  deadline = start + timeout_s * 1000000000LL;
  while (atomic_load(&received) < total) {
    if (mono_ns() > deadline) {
      fail("received %lld of %lld messages in %lld s", (long long)atomic_load(&received), total, timeout_s);
    }
    sleep_ns(200000);
  }
  elapsed = mono_ns() - start;
  cpu = cpu_ns() - cpu0;

  if (latency_mode) {
    m = atomic_load(&measured);
    if (m > total) m = total;
    if (m == 0) fail("no measured message arrived");
    qsort(lat_ms, (size_t)m, sizeof *lat_ms, cmp_double);
    printf("e2e_p50_ms %.6g\n", percentile(lat_ms, m, 0.50));
    printf("e2e_p99_ms %.6g\n", percentile(lat_ms, m, 0.99));
    printf("e2e_max_ms %.6g\n", lat_ms[m - 1]);
    fprintf(stderr, "bench c consumer: %lld measured messages: end-to-end p50 %.2f ms p99 %.2f ms max %.2f ms\n", m,
            percentile(lat_ms, m, 0.5), percentile(lat_ms, m, 0.99), lat_ms[m - 1]);
  } else {
    double rate = (double)total / ((double)elapsed / 1e9);
    printf("consume_rate %.6g\n", rate);
    printf("consume_cpu_us %.6g\n", (double)cpu / 1e3 / (double)total);
    printf("rss_hwm_kib %lld\n", vm_hwm_kib());
    printf("rss_hwm_q1_kib %lld\n", (long long)atomic_load(&hwm_q1_kib));
    fprintf(stderr, "bench c consumer: %lld msgs in %.3f s: %.0f msgs/s, %.1f us CPU per message, VmHWM %lld KiB\n",
            total, (double)elapsed / 1e9, rate, (double)cpu / 1e3 / (double)total, vm_hwm_kib());
  }
  fflush(stdout);
  if (ShutdownPushConsumer(consumer) != OK) fail("ShutdownPushConsumer: %s", GetLatestErrorMessage());
  DestroyPushConsumer(consumer);
  free(lat_ms);
  return 0;
}
