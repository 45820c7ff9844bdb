/*
 * syncqueue.c - SendMessageSync, mostly without entering Go on the caller's
 * thread.
 *
 * An export runs Go code on its C caller's thread, its goroutine locked to
 * that thread: while it waits for the broker's answer the thread hands its P
 * to another thread and sleeps, and the answer hands a P back to it. With
 * many C threads sending at once on few Ps those hand-offs cost more than the
 * send (README, "sync sends through the C API"). So when another
 * SendMessageSync is already under way, the caller queues its send here and
 * sleeps on a semaphore, never entering Go: a goroutine takes the queued sends
 * (woken through an eventfd that the Go netpoller watches) and posts each
 * semaphore once the answer is in. A lone caller calls Go directly, which is
 * quicker than waking that goroutine.
 */

#include "capi.h"

#include <errno.h>
#include <stdlib.h>

#if defined(__linux__)
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#endif

#include "_cgo_export.h"

#if defined(__linux__)

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static rmq_sync_send *q_head, *q_tail;
static int q_idle;            /* the taker found the queue empty: wake it */
static atomic_int q_fd = -1;  /* the eventfd, once rmq_sync_queue_start made it */
static atomic_int q_busy;     /* SendMessageSync calls under way */

int rmq_sync_queue_start(void) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd >= 0) atomic_store(&q_fd, fd);
  return fd;
}

rmq_sync_send *rmq_sync_take_all(void) {
  rmq_sync_send *all;
  pthread_mutex_lock(&q_mu);
  all = q_head;
  q_head = q_tail = NULL;
  q_idle = all == NULL;
  pthread_mutex_unlock(&q_mu);
  return all;
}

void rmq_sync_set_error(rmq_sync_send *s, const char *err, size_t n) {
  char *copy = (char *)malloc(n > 0 ? n : 1);
  if (copy == NULL) return;
  memcpy(copy, err, n);
  free(s->err);
  s->err = copy;
  s->errlen = n;
}

void rmq_sync_done(rmq_sync_send *s, int rc) {
  s->rc = rc;
  sem_post(&s->done);
}

static int send_queued(int fd, CProducer *producer, CMessage *msg, CSendResult *result) {
  rmq_sync_send s;
  int wake;
  s.producer = producer;
  s.msg = msg;
  s.result = result;
  s.err = NULL;
  s.errlen = 0;
  s.next = NULL;
  if (sem_init(&s.done, 0, 0) != 0) return rmqInternalSendMessageSync(producer, msg, result);
  pthread_mutex_lock(&q_mu);
  if (q_tail != NULL)
    q_tail->next = &s;
  else
    q_head = &s;
  q_tail = &s;
  wake = q_idle;
  q_idle = 0;
  pthread_mutex_unlock(&q_mu);
  if (wake) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
  while (sem_wait(&s.done) != 0 && errno == EINTR) {
  }
  sem_destroy(&s.done);
  if (s.err != NULL) {
    rmq_set_last_error(s.err, s.errlen);
    free(s.err);
  }
  return s.rc;
}

static int send_sync(CProducer *producer, CMessage *msg, CSendResult *result) {
  int fd = atomic_load(&q_fd), rc;
  if (atomic_fetch_add(&q_busy, 1) == 0 || fd < 0)
    rc = rmqInternalSendMessageSync(producer, msg, result);
  else
    rc = send_queued(fd, producer, msg, result);
  atomic_fetch_sub(&q_busy, 1);
  return rc;
}

#else /* no eventfd: every send enters Go on its caller's thread */

int rmq_sync_queue_start(void) { return -1; }

rmq_sync_send *rmq_sync_take_all(void) { return NULL; }

void rmq_sync_set_error(rmq_sync_send *s, const char *err, size_t n) {
  (void)s, (void)err, (void)n;
}

void rmq_sync_done(rmq_sync_send *s, int rc) { (void)s, (void)rc; }

static int send_sync(CProducer *producer, CMessage *msg, CSendResult *result) {
  return rmqInternalSendMessageSync(producer, msg, result);
}

#endif

RMQ_EXPORT int SendMessageSync(CProducer *producer, CMessage *msg, CSendResult *result) {
  /* A forked child cannot enter Go (forkguard.c), nor have its send served
     by a goroutine. */
  if (rmq_forked_child) return rmq_refuse_in_forked_child("SendMessageSync"), Not_Support;
  return send_sync(producer, msg, result);
}
