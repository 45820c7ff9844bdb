/*
 * lasterror.c - per-thread storage behind GetLatestErrorMessage().
 *
 * Go has no thread-local storage, but an exported Go function runs on the
 * OS thread of its C caller (the goroutine stays locked to that thread until
 * the export returns), so C thread-local variables written from the export's
 * own goroutine belong to the caller's thread.
 *
 * Each thread owns one heap buffer, grown as needed. A pthread key with a
 * destructor frees it when the thread exits, so short-lived threads that hit
 * errors do not leak.
 */

#include "capi.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(_MSC_VER)
#define RMQ_THREAD_LOCAL __declspec(thread)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#define RMQ_THREAD_LOCAL _Thread_local
#else
#define RMQ_THREAD_LOCAL __thread
#endif

static RMQ_THREAD_LOCAL char *tl_buf;   /* NUL-terminated message, or NULL */
static RMQ_THREAD_LOCAL size_t tl_cap;  /* bytes allocated at tl_buf */

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_ok;

/* Runs on the exiting thread; clears the thread's pointers, then frees. */
static void free_thread_buffer(void *p) {
  tl_buf = NULL;
  tl_cap = 0;
  free(p);
}

static void make_key(void) { key_ok = pthread_key_create(&key, free_thread_buffer) == 0; }

void rmq_set_last_error(const char *msg, size_t n) {
  if (n + 1 > tl_cap) {
    size_t cap = tl_cap ? tl_cap : 128;
    char *grown;
    while (cap < n + 1) cap *= 2;
    grown = (char *)realloc(tl_buf, cap);
    if (grown == NULL) {
      if (tl_cap == 0) return;
      n = tl_cap - 1; /* keep what fits */
    } else {
      tl_buf = grown;
      tl_cap = cap;
      pthread_once(&key_once, make_key);
      if (key_ok) pthread_setspecific(key, tl_buf);
    }
  }
  if (n > 0) memcpy(tl_buf, msg, n);
  tl_buf[n] = '\0';
}

void rmq_clear_last_error(void) {
  if (tl_buf != NULL) tl_buf[0] = '\0';
}

const char *rmq_last_error(void) { return tl_buf != NULL ? tl_buf : ""; }

RMQ_EXPORT const char *GetLatestErrorMessage(void) { return rmq_last_error(); }
