/*
 * checks.h - what every C example and test program shares: CHECK counts a
 * failed condition and says where and why; EXPECT checks a call's status and,
 * for a failure, that the thread's last error names the function and says
 * what; rmq_namesrv finds the name server; rmq_finish turns failures into the
 * exit status. The examples include it through example_common.h, the tests
 * directly or through tests/rmq_test.h.
 */

#ifndef RMQ_CHECKS_H
#define RMQ_CHECKS_H

#include <stdio.h>
#include <stdlib.h>
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

/* The name server address: argv[1], else NAMESRV_ADDR, else exit 2. */
static inline const char* rmq_namesrv(int argc, char** argv) {
  const char* env = getenv("NAMESRV_ADDR");
  if (argc > 1) return argv[1];
  if (env != NULL && env[0] != '\0') return env;
  fprintf(stderr, "usage: %s NAMESRV_HOST:PORT (or set NAMESRV_ADDR)\n", argv[0]);
  exit(2);
}

/* The exit status: 0 if every check passed. */
static inline int rmq_finish(const char* name) {
  if (failures != 0) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif /* RMQ_CHECKS_H */
