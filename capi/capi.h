/*
 * capi.h - C helpers private to the capi package (not installed).
 *
 * Included by the cgo preamble of every Go file in capi and by its C files.
 * It pulls in every public header, so that the exported Go functions are
 * checked against the public prototypes when cgo compiles its generated
 * _cgo_export.c (see below).
 */

#ifndef RMQ_CAPI_H
#define RMQ_CAPI_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every public header, whichever file includes this one. cgo copies the
 * preamble of each Go file that has //export functions into _cgo_export.h,
 * next to the prototypes it generates from the Go signatures, so this makes
 * every export compile against its public declaration: a wrong name, a
 * missing const or a long where the header says long long fails the build
 * instead of producing a library that C programs call with the wrong ABI.
 * (CProducer.h, CPushConsumer.h and CPullConsumer.h include the rest.)
 */
#include "CErrorMessage.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "CPushConsumer.h"

/* Helpers stay out of the shared library's dynamic symbol table. */
#if defined(_WIN32)
#define RMQ_INTERNAL
#else
#define RMQ_INTERNAL __attribute__((visibility("hidden")))
#endif

/*
 * The public functions defined in C (exports.c, syncqueue.c, lasterror.c).
 * Go puts only its own exports in a DLL's export table; these say so
 * themselves.
 */
#if defined(_WIN32)
#define RMQ_EXPORT __declspec(dllexport)
#else
#define RMQ_EXPORT __attribute__((visibility("default")))
#endif

/*
 * cgo has no const: an export declared with a *C.cchar_t parameter or
 * result gets a "const char *" in the generated prototype, which then matches
 * the public header.
 */
typedef const char cchar_t;

/* The same for Pull(const CMessageQueue* mq, ...). */
typedef const CMessageQueue cmessagequeue_t;

/* ---- last error (lasterror.c) ------------------------------------------ */

/*
 * Records msg[0..n) (copied; need not be NUL-terminated) as the calling
 * thread's last error. If memory runs out the previous message is kept,
 * truncated to fit the existing buffer.
 */
RMQ_INTERNAL void rmq_set_last_error(const char *msg, size_t n);

/* Forgets the calling thread's last error: rmq_last_error() returns "". */
RMQ_INTERNAL void rmq_clear_last_error(void);

/* The calling thread's last error, or "". Never NULL. */
RMQ_INTERNAL const char *rmq_last_error(void);

/* ---- handle address range (handlespace.c) ------------------------------- */

/*
 * Reserves, once per process, a range of addresses that is never mapped to
 * memory, and returns its start; *size receives its length in bytes.
 * Handles given to C are addresses inside this range (see handles.go).
 * Returns NULL only if no range at all could be obtained.
 */
RMQ_INTERNAL void *rmq_handle_space(size_t *size);

/* ---- fork (forkguard.c) ---------------------------------------------------- */

/*
 * Set in the child of a fork() made after the library was loaded (always 0
 * on Windows, which has no fork).
 */
#if defined(_WIN32)
#define rmq_forked_child 0
#else
RMQ_INTERNAL extern volatile int rmq_forked_child;
#endif

/*
 * Records, as the calling thread's last error, that fn was refused because
 * the process is such a child. Enters no Go: the public functions call it
 * instead of their Go implementation there (exports.c).
 */
RMQ_INTERNAL void rmq_refuse_in_forked_child(const char *fn);

/* What Pull returns when refused: E_BROKER_TIMEOUT, no messages. */
RMQ_INTERNAL CPullResult rmq_refused_pull(void);

/* ---- SendMessageSync's queue (syncqueue.c) ------------------------------ */

#if defined(__linux__)
#include <semaphore.h>
#endif

/* A SendMessageSync waiting for its answer, on its caller's stack. */
typedef struct rmq_sync_send {
  CProducer *producer;
  CMessage *msg;
  CSendResult *result;
  int rc;
  char *err; /* the caller's new last error (malloc'ed), or NULL */
  size_t errlen;
#if defined(__linux__)
  sem_t done; /* posted by rmq_sync_done */
#endif
  struct rmq_sync_send *next;
} rmq_sync_send;

/*
 * Makes the queue's eventfd and returns it (-1 where there is none: every
 * send then runs on its caller's thread). Called once, before any take.
 */
RMQ_INTERNAL int rmq_sync_queue_start(void);

/*
 * Takes every queued send, in order, as a list. NULL when there is none: the
 * next send then writes to the eventfd, which the taker waits on.
 */
RMQ_INTERNAL rmq_sync_send *rmq_sync_take_all(void);

/*
 * Records err[0..n) (copied) as the last error that the caller of queued send
 * s gets. If memory runs out, s keeps the error it had.
 */
RMQ_INTERNAL void rmq_sync_set_error(rmq_sync_send *s, const char *err, size_t n);

/* Hands a queued send its status and wakes its caller. s is gone afterwards. */
RMQ_INTERNAL void rmq_sync_done(rmq_sync_send *s, int rc);

#endif /* RMQ_CAPI_H */
