/*
 * example_common.h - what the producer examples share: where the name
 * server is, unique topic names, checks, and the lines that tell the test
 * wrapper (tests/run_example.sh) what the broker should have stored.
 *
 * Each example is a complete program that uses the C API as an application
 * would, and also checks what the API hands back. A producer example does
 * not read its messages back (the consumer examples show that): it prints
 * one "EXPECT" line per topic, and the wrapper asks the broker
 * (rocketmq-devbroker admin topics) until it holds exactly that many.
 */

#ifndef RMQ_EXAMPLE_COMMON_H
#define RMQ_EXAMPLE_COMMON_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "CErrorMessage.h"
#include "CProducer.h"
#include "checks.h"

/* Helpers are static inline: each example uses only some of them. */
/* CHECK for a call returning a CStatus, with the thread's last error. */
#define CHECK_OK(call)                                                               \
  do {                                                                               \
    int rc_ = (call);                                                                \
    CHECK(rc_ == OK, "%s returned %d: %s", #call, rc_, GetLatestErrorMessage());     \
  } while (0)

/* A topic name no other run uses, so that the broker's count for it is
   exactly what this run sent. */
static inline void example_topic(char* buf, size_t n, const char* prefix) {
  snprintf(buf, n, "%s_%ld", prefix, (long)getpid());
}

static inline long long now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static inline void sleep_ms(int ms) { usleep((useconds_t)ms * 1000); }

/* Tells the wrapper that topic must end up holding count messages, none of
   them before not_before (ms since the epoch; 0 for no bound). */
static inline void expect_stored(const char* topic, int count, long long not_before) {
  printf("EXPECT %s %d %lld\n", topic, count, not_before);
  fflush(stdout);
}

/* A message id as the library makes them: 32 upper-case hex digits. */
static inline int is_msg_id(const char* s) {
  size_t i;
  if (strlen(s) != 32) return 0;
  for (i = 0; i < 32; i++) {
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F'))) return 0;
  }
  return 1;
}

/* Waits until *counter (guarded by mu) reaches want, or timeout_ms passes;
   returns whether it did. */
static inline int wait_count(pthread_mutex_t* mu, pthread_cond_t* cond, const int* counter, int want, int timeout_ms) {
  struct timespec deadline;
  long long end = now_ms() + timeout_ms;
  int reached;
  deadline.tv_sec = (time_t)(end / 1000);
  deadline.tv_nsec = (long)(end % 1000) * 1000000L;
  pthread_mutex_lock(mu);
  while (*counter < want) {
    if (pthread_cond_timedwait(cond, mu, &deadline) != 0) break;
  }
  reached = *counter >= want;
  pthread_mutex_unlock(mu);
  return reached;
}

/* Creates and starts a producer of group on namesrv, or exits. */
static inline CProducer* start_producer(const char* group, const char* namesrv) {
  CProducer* producer = CreateProducer(group);
  int rc;
  if (producer == NULL) {
    fprintf(stderr, "CreateProducer: %s\n", GetLatestErrorMessage());
    exit(1);
  }
  SetProducerNameServerAddress(producer, namesrv);
  SetProducerSendMsgTimeout(producer, 10000);
  rc = StartProducer(producer);
  if (rc != OK) {
    fprintf(stderr, "StartProducer returned %d: %s\n", rc, GetLatestErrorMessage());
    exit(1);
  }
  return producer;
}

static inline void stop_producer(CProducer* producer) {
  CHECK_OK(ShutdownProducer(producer));
  CHECK_OK(DestroyProducer(producer));
}

#endif /* RMQ_EXAMPLE_COMMON_H */
