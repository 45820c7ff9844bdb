/*
 * forkguard.c - marks a process forked after the library was loaded.
 *
 * fork() copies only the calling thread; the Go runtime's other threads are
 * gone in the child, where anything that waits for a goroutine (a send, a
 * pull, a shutdown) then waits forever. The handler below flags the child,
 * so that every export refuses at once with an error instead (errors.go).
 * Go's own fork+exec of subprocesses does not go through fork() and is not
 * affected.
 */

#include "capi.h"

#if !defined(_WIN32)
#include <pthread.h>

RMQ_INTERNAL volatile int rmq_forked_child;

static void mark_child(void) { rmq_forked_child = 1; }

__attribute__((constructor)) static void register_fork_handler(void) {
  pthread_atfork(NULL, NULL, mark_child);
}
#endif
