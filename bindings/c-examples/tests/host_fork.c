/*
 * host_fork.c - a host process that forks (a pre-forking server, Python's
 * multiprocessing) around its use of the library.
 *
 *   host_fork LIBRARY NAMESRV_HOST:PORT
 *   host_fork --child LIBRARY NAMESRV_HOST:PORT   (what the exec'ed child runs)
 *
 * The Go runtime inside the library starts threads when it is loaded, and
 * fork() copies only the calling thread: in a child forked after the load,
 * the runtime's other threads are gone, and the child's first call that
 * needs them (a goroutine to schedule, a garbage collection) waits forever.
 * Go offers no way around that (pthread_atfork cannot rebuild a runtime).
 * The supported ways, both tested here, must work every time:
 *   a. fork before the library is loaded (dlopen in the child), as the
 *      Python binding does by loading lazily;
 *   b. fork after the library is in use, and exec in the child.
 * The unsupported way is run too, with a deadline, to record what happens:
 *   c. fork after the library is in use and use it in the child: reported
 *      as completed, failed or hung (killed after CHILD_HANG_S seconds),
 *      never asserted; what is asserted is that the parent's producer keeps
 *      working after the child is gone.
 */

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rmq_dl.h"
#include "rmq_test.h"

#define CHILD_TIMEOUT_S 60
#define CHILD_HANG_S 5

/* Creates a fresh producer, sends one message, destroys it; 0 on success. */
static int use_library(const char* namesrv, const char* who) {
  char topic[96];
  CProducer* p = p_CreateProducer("GID_host_fork");
  CMessage* msg;
  CSendResult r;
  int rc;
  snprintf(topic, sizeof topic, "T_host_fork_%ld", (long)getpid());
  msg = p_CreateMessage(topic);
  p_SetMessageBody(msg, who);
  if (p == NULL || p_SetProducerNameServerAddress(p, namesrv) != OK || p_StartProducer(p) != OK) {
    fprintf(stderr, "%s: starting a producer: %s\n", who, p_GetLatestErrorMessage());
    return 1;
  }
  rc = p_SendMessageSync(p, msg, &r);
  if (rc != OK) fprintf(stderr, "%s: send: %s\n", who, p_GetLatestErrorMessage());
  p_ShutdownProducer(p);
  p_DestroyProducer(p);
  p_DestroyMessage(msg);
  return rc == OK ? 0 : 1;
}

/* Waits for child up to timeout_s: its exit status, -SIG if a signal ended
   it, or -1000 if it had to be killed. */
static int reap(pid_t child, int timeout_s, long long* ms) {
  long long t0 = rmq_mono_ms();
  int status = 0;
  pid_t got;
  int done;
  WAIT_UNTIL(done, (got = waitpid(child, &status, WNOHANG)) != 0, timeout_s * 1000LL);
  *ms = rmq_mono_ms() - t0;
  if (!done) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    return -1000;
  }
  if (got < 0) return -2000;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static const char* outcome(int rc) {
  static char buf[64];
  if (rc == 0) return "completed";
  if (rc == -1000) return "hung";
  if (rc < 0) {
    snprintf(buf, sizeof buf, "ended by signal %d", -rc);
    return buf;
  }
  snprintf(buf, sizeof buf, "failed with exit status %d", rc);
  return buf;
}

int main(int argc, char** argv) {
  const char *lib, *namesrv;
  pid_t child;
  int rc;
  long long ms;

  if (argc == 4 && strcmp(argv[1], "--child") == 0) {
    rmq_dl_load(argv[2]);
    return use_library(argv[3], "exec'ed child");
  }
  if (argc != 3) {
    fprintf(stderr, "usage: %s LIBRARY NAMESRV_HOST:PORT\n", argv[0]);
    return 2;
  }
  lib = argv[1];
  namesrv = argv[2];
  fflush(stdout);

  /* a. Fork first, load in the child. */
  child = fork();
  if (child == 0) {
    rmq_dl_load(lib);
    _exit(use_library(namesrv, "child loading after fork"));
  }
  rc = reap(child, CHILD_TIMEOUT_S, &ms);
  printf("a. fork, then load the library in the child: %s (%lld ms)\n", outcome(rc), ms);
  CHECK(rc == 0, "a child that loads the library after fork %s", outcome(rc));

  /* The parent loads the library and uses it. */
  rmq_dl_load(lib);
  CHECK(use_library(namesrv, "parent") == 0, "the parent's producer");
  fflush(stdout);

  /* b. Fork after use, exec in the child. */
  child = fork();
  if (child == 0) {
    execl("/proc/self/exe", argv[0], "--child", lib, namesrv, (char*)NULL);
    _exit(127);
  }
  rc = reap(child, CHILD_TIMEOUT_S, &ms);
  printf("b. fork after use, exec in the child: %s (%lld ms)\n", outcome(rc), ms);
  CHECK(rc == 0, "an exec'ed child %s", outcome(rc));

  /* c. Fork after use, use the inherited library in the child. */
  child = fork();
  if (child == 0) _exit(use_library(namesrv, "forked child without exec"));
  rc = reap(child, CHILD_HANG_S, &ms);
  printf("c. fork after use, use the library in the child (not supported): %s%s (%lld ms)\n", outcome(rc),
         rc == -1000 ? ", killed" : "", ms);

  CHECK(use_library(namesrv, "parent after its children") == 0, "the parent's producer after the forks");
  return rmq_finish("host_fork");
}
