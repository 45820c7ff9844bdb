/*
 * forkguard.c - marks a process forked after the library was loaded.
 *
 * fork() copies only the calling thread; the Go runtime's other threads are
 * gone in the child. Entering Go there at all may wait forever (for a P that
 * a vanished thread held, for a lock it held), let alone waiting for a
 * goroutine (a send, a pull, a shutdown). The handler below flags the child,
 * and every public function (exports.c) then refuses in C, before Go, with
 * an error. Go's own fork+exec of subprocesses does not go through fork()
 * and is not affected.
 */

#include "capi.h"

#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>

RMQ_INTERNAL volatile int rmq_forked_child;

static void mark_child(void) { rmq_forked_child = 1; }

__attribute__((constructor)) static void register_fork_handler(void) {
  pthread_atfork(NULL, NULL, mark_child);
}
#endif

void rmq_refuse_in_forked_child(const char *fn) {
  /* The "msg: <fn>: " prefix of every message (errors.go). */
  static const char why[] =
      ": this process was forked after it loaded the library, whose threads a child does not "
      "inherit: fork before loading the library, or exec in the child";
  char buf[sizeof why + 96];
  size_t n = strlen(fn);
  if (n > 80) n = 80;
  memcpy(buf, "msg: ", 5);
  memcpy(buf + 5, fn, n);
  memcpy(buf + 5 + n, why, sizeof why);
  rmq_set_last_error(buf, 5 + n + sizeof why - 1);
}

CPullResult rmq_refused_pull(void) {
  CPullResult r;
  memset(&r, 0, sizeof r);
  r.pullStatus = E_BROKER_TIMEOUT;
  return r;
}
