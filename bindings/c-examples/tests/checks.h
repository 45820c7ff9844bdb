/*
 * checks.h - the checks every C test program makes: CHECK counts a failed
 * condition and says where and why; EXPECT checks a call's status and, for a
 * failure, that the thread's last error names the function and says what.
 * A program ends with a non-zero status when failures is not 0.
 */

#ifndef RMQ_CHECKS_H
#define RMQ_CHECKS_H

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      __sync_fetch_and_add(&failures, 1);                                       \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);  \
      fprintf(stderr, __VA_ARGS__);                                             \
      fputc('\n', stderr);                                                      \
    }                                                                           \
  } while (0)

/* The call returns want; unless want is OK, the thread's last error names
   fn and contains text. Needs GetLatestErrorMessage (CErrorMessage.h). */
#define EXPECT(call, want, fn, text)                                                                  \
  do {                                                                                                \
    int rc_ = (call);                                                                                 \
    const char* e_ = GetLatestErrorMessage();                                                         \
    CHECK(rc_ == (want), "%s returned %d, want %d (last error \"%s\")", #call, rc_, (int)(want), e_); \
    if ((want) != OK) {                                                                               \
      CHECK(strstr(e_, fn) != NULL && strstr(e_, text) != NULL,                                       \
            "%s: last error \"%s\" should name %s and say \"%s\"", #call, e_, fn, text);              \
    }                                                                                                 \
  } while (0)

#endif /* RMQ_CHECKS_H */
