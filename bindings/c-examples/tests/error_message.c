/*
 * error_message.c - GetLatestErrorMessage() before any error: a non-NULL,
 * empty string on every thread, including a thread that never called the
 * library before (its first call attaches it to the Go runtime).
 *
 * Linked once against the shared library and once against the static archive.
 */

#include "CErrorMessage.h"

#include <pthread.h>
#include <stdio.h>

static int check(const char *where) {
  const char *msg = GetLatestErrorMessage();
  if (msg == NULL) {
    fprintf(stderr, "%s: GetLatestErrorMessage() returned NULL\n", where);
    return 1;
  }
  if (msg[0] != '\0') {
    fprintf(stderr, "%s: expected \"\", got \"%s\"\n", where, msg);
    return 1;
  }
  if (GetLatestErrorMessage()[0] != '\0') {
    fprintf(stderr, "%s: second call is not empty\n", where);
    return 1;
  }
  return 0;
}

static void *thread_main(void *arg) {
  *(int *)arg = check("new thread");
  return NULL;
}

int main(void) {
  int failed = check("main thread");
  int i;
  for (i = 0; i < 4; i++) {
    pthread_t t;
    int thread_failed = 1;
    if (pthread_create(&t, NULL, thread_main, &thread_failed) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
    pthread_join(t, NULL);
    failed |= thread_failed;
  }
  failed |= check("main thread again");
  if (!failed) printf("GetLatestErrorMessage: \"\" on every thread\n");
  return failed;
}
