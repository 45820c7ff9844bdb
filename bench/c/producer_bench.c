/*
 * producer_bench.c - the producer workload of scripts/bench.sh over the C
 * API (the headers of include/ and librocketmq.so only), run against a
 * broker that is already up and a topic that already exists.
 *
 *   producer_bench NAMESRV_HOST:PORT TOPIC BODY_SIZE [INSTANCE]
 *
 * Environment (the defaults are bench.sh's):
 *   BENCH_WARMUP   sync sends before anything is measured (1000)
 *   BENCH_N        sync sends whose latencies are recorded (10000)
 *   BENCH_SECONDS  length of each throughput figure (2)
 *   BENCH_THREADS  sending threads of the parallel sync figure (16)
 *   BENCH_WINDOW   async sends in flight at most (1024)
 *
 * Prints one "key value" line per figure on stdout, the format of the Go
 * half (interop/bench), and progress on stderr. Exits 1 on the first send
 * that fails, whether SendMessage* refuses it or its exception callback
 * runs: a failure is an error, never a skipped sample.
 */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "CErrorMessage.h"
#include "CProducer.h"

static const char* topic;
static char* body;
static int body_size;

static void fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("producer_bench: FAIL: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static long env_long(const char* name, long def) {
  const char* v = getenv(name);
  char* end;
  long n;
  if (v == NULL || *v == '\0') return def;
  n = strtol(v, &end, 10);
  if (*end != '\0' || n <= 0) fail("%s=%s: want a positive integer", name, v);
  return n;
}

static double env_double(const char* name, double def) {
  const char* v = getenv(name);
  char* end;
  double d;
  if (v == NULL || *v == '\0') return def;
  d = strtod(v, &end);
  if (*end != '\0' || d <= 0) fail("%s=%s: want a positive number", name, v);
  return d;
}

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The process's user and system time, in ns: what the client costs, the
   broker being another process. */
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

static CMessage* bench_message(void) {
  CMessage* msg = CreateMessage(topic);
  if (msg == NULL) fail("CreateMessage: %s", GetLatestErrorMessage());
  /* What every contender sends: the body, a tag and a key. */
  if (SetByteMessageBody(msg, body, body_size) != OK || SetMessageTags(msg, "TagA") != OK ||
      SetMessageKeys(msg, "order-1") != OK) {
    fail("building the message: %s", GetLatestErrorMessage());
  }
  return msg;
}

static void send_sync(CProducer* producer, CMessage* msg, const char* what) {
  CSendResult result;
  int rc = SendMessageSync(producer, msg, &result);
  if (rc != OK) fail("%s: SendMessageSync returned %d: %s", what, rc, GetLatestErrorMessage());
  if (result.sendStatus != E_SEND_OK) fail("%s: send status %d", what, (int)result.sendStatus);
}

/* ---- sync throughput: n threads sending until told to stop ---- */

typedef struct {
  CProducer* producer;
  atomic_int* stop;
  long long sent;
} sync_worker;

static void* sync_loop(void* arg) {
  sync_worker* w = arg;
  CMessage* msg = bench_message();
  while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
    send_sync(w->producer, msg, "sync throughput");
    w->sent++;
  }
  DestroyMessage(msg);
  return NULL;
}

static long long sync_for(CProducer* producer, int threads, double seconds, long long* elapsed) {
  atomic_int stop = 0;
  sync_worker* w = calloc((size_t)threads, sizeof *w);
  pthread_t* tid = calloc((size_t)threads, sizeof *tid);
  long long start, total = 0;
  int i;
  if (w == NULL || tid == NULL) fail("out of memory");
  start = mono_ns();
  for (i = 0; i < threads; i++) {
    w[i].producer = producer;
    w[i].stop = &stop;
    if (pthread_create(&tid[i], NULL, sync_loop, &w[i]) != 0) fail("pthread_create");
  }
  sleep_ns((long long)(seconds * 1e9));
  atomic_store(&stop, 1);
  for (i = 0; i < threads; i++) {
    pthread_join(tid[i], NULL);
    total += w[i].sent;
  }
  *elapsed = mono_ns() - start;
  free(w);
  free(tid);
  return total;
}

/* ---- async throughput: a window of sends in flight ---- */

/* SendMessageAsync's callbacks carry no user data, hence globals. */
static sem_t slots;
static atomic_llong completed;
static atomic_int failed;
static pthread_mutex_t error_mu = PTHREAD_MUTEX_INITIALIZER;
static char first_error[MAX_EXEPTION_MSG_LENGTH + 64];

static void note_failure(const char* text) {
  pthread_mutex_lock(&error_mu);
  if (atomic_fetch_add(&failed, 1) == 0) snprintf(first_error, sizeof first_error, "%s", text);
  pthread_mutex_unlock(&error_mu);
}

static void on_success(CSendResult result) {
  if (result.sendStatus != E_SEND_OK) {
    char text[64];
    snprintf(text, sizeof text, "send status %d", (int)result.sendStatus);
    note_failure(text);
  }
  atomic_fetch_add(&completed, 1);
  sem_post(&slots);
}

static void on_exception(CMQException e) {
  note_failure(e.msg);
  atomic_fetch_add(&completed, 1);
  sem_post(&slots);
}

static long long async_for(CProducer* producer, CMessage* msg, double seconds, long long* elapsed) {
  long long start = mono_ns(), end = start + (long long)(seconds * 1e9), issued = 0, wait_end;
  atomic_store(&completed, 0);
  while (mono_ns() < end && atomic_load(&failed) == 0) {
    struct timespec deadline;
    int rc;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    while ((rc = sem_timedwait(&slots, &deadline)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      fail("no async send completed for 30 s (%lld of %lld done)", (long long)atomic_load(&completed), issued);
    }
    /* The library copies the message, so one serves every send. */
    rc = SendMessageAsync(producer, msg, on_success, on_exception);
    if (rc != OK) fail("SendMessageAsync returned %d: %s", rc, GetLatestErrorMessage());
    issued++;
  }
  wait_end = mono_ns() + 30000000000LL;
  while (atomic_load(&completed) < issued) {
    if (mono_ns() > wait_end) fail("%lld of %lld async sends never completed", issued - atomic_load(&completed), issued);
    sleep_ns(100000);
  }
  *elapsed = mono_ns() - start;
  if (atomic_load(&failed) != 0) {
    pthread_mutex_lock(&error_mu);
    fail("%d async sends failed, the first: %s", atomic_load(&failed), first_error);
  }
  return issued;
}

/* ---- latency ---- */

static int cmp_ll(const void* a, const void* b) {
  long long x = *(const long long*)a, y = *(const long long*)b;
  return (x > y) - (x < y);
}

/* Nearest rank, as the Go half computes it. */
static long long percentile(const long long* sorted, long n, double q) {
  long i = (long)(q * (double)n + 0.999999) - 1;
  if (i < 0) i = 0;
  if (i > n - 1) i = n - 1;
  return sorted[i];
}

static void emit(const char* key, double v) { printf("%s %.6g\n", key, v); }

static void report_phase(const char* key, long long n, long long elapsed, long long cpu) {
  char name[64];
  double rate;
  if (n == 0) fail("%s: no message sent", key);
  rate = (double)n / ((double)elapsed / 1e9);
  snprintf(name, sizeof name, "%s_rate", key);
  emit(name, rate);
  snprintf(name, sizeof name, "%s_cpu_us", key);
  emit(name, (double)cpu / 1e3 / (double)n);
  fprintf(stderr, "bench c: %s: %lld msgs in %.3f s: %.0f msgs/s, %.1f us CPU per message\n", key, n,
          (double)elapsed / 1e9, rate, (double)cpu / 1e3 / (double)n);
}

int main(int argc, char** argv) {
  long warmup = env_long("BENCH_WARMUP", 1000), lat_n = env_long("BENCH_N", 10000);
  long threads = env_long("BENCH_THREADS", 16), window = env_long("BENCH_WINDOW", 1024);
  double seconds = env_double("BENCH_SECONDS", 2);
  const char* instance;
  char group[128], key[32];
  CProducer* producer;
  CMessage* msg;
  long long* lat;
  long long n, elapsed, cpu0;
  long i;

  if (argc < 4 || atoi(argv[3]) <= 0) {
    fprintf(stderr, "usage: %s NAMESRV_HOST:PORT TOPIC BODY_SIZE [INSTANCE]\n", argv[0]);
    return 2;
  }
  topic = argv[2];
  body_size = atoi(argv[3]);
  instance = argc > 4 ? argv[4] : "bench-c";
  body = malloc((size_t)body_size);
  lat = malloc((size_t)lat_n * sizeof *lat);
  if (body == NULL || lat == NULL) fail("out of memory");
  for (i = 0; i < body_size; i++) body[i] = (char)('a' + i % 26);
  if (sem_init(&slots, 0, (unsigned)window) != 0) fail("sem_init");

  snprintf(group, sizeof group, "BenchC_%s", instance);
  producer = CreateProducer(group);
  if (producer == NULL) fail("CreateProducer: %s", GetLatestErrorMessage());
  /* The Apache client runs at its "error" level in the Go half. */
  if (SetProducerNameServerAddress(producer, argv[1]) != OK || SetProducerInstanceName(producer, instance) != OK ||
      SetProducerLogLevel(producer, E_LOG_LEVEL_ERROR) != OK || StartProducer(producer) != OK) {
    fail("starting the producer: %s", GetLatestErrorMessage());
  }
  msg = bench_message();

  for (i = 0; i < warmup; i++) send_sync(producer, msg, "warm-up");
  /* The async path has first-use costs of its own (callback threads). */
  async_for(producer, msg, 0.2, &elapsed);

  for (i = 0; i < lat_n; i++) {
    long long t0 = mono_ns();
    send_sync(producer, msg, "latency");
    lat[i] = mono_ns() - t0;
  }
  qsort(lat, (size_t)lat_n, sizeof *lat, cmp_ll);
  emit("sync_p50_us", (double)percentile(lat, lat_n, 0.50) / 1e3);
  emit("sync_p99_us", (double)percentile(lat, lat_n, 0.99) / 1e3);
  emit("sync_p999_us", (double)percentile(lat, lat_n, 0.999) / 1e3);
  fprintf(stderr, "bench c: latency: p50 %.1f us p99 %.1f us p999 %.1f us\n", (double)percentile(lat, lat_n, 0.5) / 1e3,
          (double)percentile(lat, lat_n, 0.99) / 1e3, (double)percentile(lat, lat_n, 0.999) / 1e3);

  cpu0 = cpu_ns();
  n = sync_for(producer, 1, seconds, &elapsed);
  report_phase("sync1", n, elapsed, cpu_ns() - cpu0);

  cpu0 = cpu_ns();
  n = sync_for(producer, (int)threads, seconds, &elapsed);
  snprintf(key, sizeof key, "sync%ld", threads);
  report_phase(key, n, elapsed, cpu_ns() - cpu0);

  cpu0 = cpu_ns();
  n = async_for(producer, msg, seconds, &elapsed);
  report_phase("async", n, elapsed, cpu_ns() - cpu0);

  DestroyMessage(msg);
  if (ShutdownProducer(producer) != OK) fail("ShutdownProducer: %s", GetLatestErrorMessage());
  DestroyProducer(producer);
  free(lat);
  free(body);
  return 0;
}
