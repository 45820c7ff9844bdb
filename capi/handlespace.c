/*
 * handlespace.c - the address range that handles are drawn from.
 *
 * A handle given to C must be a value that Go can hold in a pointer-typed
 * variable (the exports take CProducer* and friends) without upsetting the
 * runtime: not below 4096 (the runtime treats such a "pointer" found on a
 * goroutine stack as corruption and aborts), and never inside the Go heap.
 * runtime/cgo.Handle values are small integers, so they cannot be used as is.
 *
 * So we reserve address space that is never backed by memory (PROT_NONE /
 * PAGE_NOACCESS) and hand out addresses inside it. A C program that
 * dereferences a handle faults at once instead of corrupting memory, and
 * reserving costs no memory, only address space.
 */

#include "capi.h"

#include <stdlib.h>

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#include <sys/mman.h>
#endif

static void *space_base;
static size_t space_size;

static void *reserve(size_t size) {
#if defined(_WIN32)
  return VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_NOACCESS);
#else
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
  void *p;
#ifdef MAP_NORESERVE
  flags |= MAP_NORESERVE;
#endif
  p = mmap(NULL, size, PROT_NONE, flags, -1, 0);
  return p == MAP_FAILED ? NULL : p;
#endif
}

static void reserve_once(void) {
  /* 4 GiB of addresses on 64-bit systems; smaller when that is refused. */
  size_t size = sizeof(void *) >= 8 ? ((size_t)1 << 32) : ((size_t)1 << 24);
  for (; size >= ((size_t)1 << 16); size >>= 2) {
    void *p = reserve(size);
    if (p != NULL) {
      space_base = p;
      space_size = size;
      return;
    }
  }
  /* Last resort: real memory, still outside the Go heap and never freed. */
  space_base = malloc((size_t)1 << 16);
  space_size = space_base != NULL ? ((size_t)1 << 16) : 0;
}

#if defined(_WIN32)
static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
static BOOL CALLBACK reserve_cb(PINIT_ONCE o, PVOID p, PVOID *c) {
  (void)o; (void)p; (void)c;
  reserve_once();
  return TRUE;
}
void *rmq_handle_space(size_t *size) {
  InitOnceExecuteOnce(&once, reserve_cb, NULL, NULL);
  *size = space_size;
  return space_base;
}
#else
static pthread_once_t once = PTHREAD_ONCE_INIT;
void *rmq_handle_space(size_t *size) {
  pthread_once(&once, reserve_once);
  *size = space_size;
  return space_base;
}
#endif
