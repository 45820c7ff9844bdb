/*
 * rmq_test.h - what the reliability tests (lifecycle.c, async_destroy.c,
 * host_*.c, two_clients.c) and bench/c/soak.c share: checks, clocks,
 * bounded waits, and the process figures they assert on or report (open
 * file descriptors, threads, resident set), read from /proc (Linux).
 */

#ifndef RMQ_TEST_H
#define RMQ_TEST_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../checks.h"

/* A CStatus call that must succeed; on failure the test cannot go on. */
#define MUST(call)                                                                               \
  do {                                                                                           \
    int rc_ = (call);                                                                            \
    if (rc_ != 0) {                                                                              \
      fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call, rc_, LAST_ERROR()); \
      exit(1);                                                                                   \
    }                                                                                            \
  } while (0)

/* Tests that link the library use GetLatestErrorMessage; a test that loads
   it with dlopen defines LAST_ERROR itself before including this. */
#ifndef LAST_ERROR
#define LAST_ERROR() GetLatestErrorMessage()
#endif

static inline long long rmq_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline long long rmq_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void rmq_sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Polls cond every 5 ms until it holds or timeout_ms pass, and sets ok to
   its last value (cond is evaluated once per poll, never twice). */
#define WAIT_UNTIL(ok, cond, timeout_ms)                                 \
  do {                                                                   \
    long long until_ = rmq_mono_ms() + (timeout_ms);                     \
    while (!((ok) = !!(cond)) && rmq_mono_ms() < until_) rmq_sleep_ms(5); \
  } while (0)

/* Open file descriptors of this process. */
static inline int rmq_fd_count(void) {
  int n = 0;
  struct dirent* e;
  DIR* d = opendir("/proc/self/fd");
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.') n++;
  }
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

/* A "Key:   value" field of /proc/self/status as a number (kB for sizes). */
static inline long long rmq_status_field(const char* key) {
  char line[256];
  size_t n = strlen(key);
  long long v = -1;
  FILE* f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, n) == 0 && line[n] == ':') {
      v = strtoll(line + n + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static inline long long rmq_threads(void) { return rmq_status_field("Threads"); }
static inline long long rmq_rss_kib(void) { return rmq_status_field("VmRSS"); }

/* A positive integer from the environment, or def. */
static inline long rmq_env_long(const char* name, long def) {
  const char* v = getenv(name);
  long n;
  if (v == NULL || *v == '\0') return def;
  n = strtol(v, NULL, 10);
  if (n <= 0) {
    fprintf(stderr, "%s=%s: want a positive integer\n", name, v);
    exit(2);
  }
  return n;
}

#endif
