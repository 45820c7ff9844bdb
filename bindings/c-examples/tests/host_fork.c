/*
 * host_fork.c - a host process that forks (a pre-forking server, Python's
 * multiprocessing) around its use of the library.
 *
 *   host_fork LIBRARY NAMESRV_HOST:PORT
 *   host_fork --child LIBRARY NAMESRV_HOST:PORT   (what the exec'ed child runs)
 *
 * The Go runtime inside the library starts threads when it is loaded, and
 * fork() copies only the calling thread: in a child forked after the load,
 * the runtime's other threads are gone, and anything that waits for a
 * goroutine (a send) would wait forever. Go offers no way around that
 * (pthread_atfork cannot rebuild a runtime). The supported ways must work:
 *   a. fork before the library is loaded (dlopen in the child), as the
 *      Python binding does by loading lazily;
 *   b. fork after the library is in use, and exec in the child.
 * And the unsupported way must fail fast instead of hanging:
 *   c. fork after the library is in use and call it in the child: every
 *      call answers at once with an error saying so (the library marks the
 *      child with a pthread_atfork handler); the parent's producer keeps
 *      working after the child is gone.
 */

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rmq_dl.h"
#include "rmq_test.h"

#define CHILD_TIMEOUT_S 60
#define BUSY_FORKS 20
#define BUSY_SENDERS 2

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

/* In a child forked after use: a new producer, a send through the inherited
   one and a message setter are refused at once, with Not_Support (NULL for
   the producer) and an error that says why. 0 if so, 3 if a call got
   through; if verbose, prints what the child was told. */
static int refused_in_child(CProducer* inherited, CMessage* msg, int verbose) {
  CSendResult r;
  int rc;
  CProducer* p = p_CreateProducer("GID_host_fork_child");
  if (p != NULL || strstr(p_GetLatestErrorMessage(), "forked") == NULL) {
    fprintf(stderr, "child: CreateProducer: %p, \"%s\"\n", (void*)p, p_GetLatestErrorMessage());
    return 3;
  }
  if ((rc = p_SetMessageBody(msg, "child")) != Not_Support || strstr(p_GetLatestErrorMessage(), "SetMessageBody") == NULL) {
    fprintf(stderr, "child: SetMessageBody: %d, \"%s\"\n", rc, p_GetLatestErrorMessage());
    return 3;
  }
  if ((rc = p_SendMessageSync(inherited, msg, &r)) != Not_Support || strstr(p_GetLatestErrorMessage(), "forked") == NULL) {
    fprintf(stderr, "child: SendMessageSync: %d, \"%s\"\n", rc, p_GetLatestErrorMessage());
    return 3;
  }
  if (verbose) {
    printf("   the child was told: %s\n", p_GetLatestErrorMessage());
    fflush(stdout);
  }
  return 0;
}

/* Parent threads that keep sending while children are forked. */
static volatile int busy_stop;
static CProducer* busy_producer;

static void* busy_sender(void* arg) {
  CMessage* msg = p_CreateMessage("T_host_fork_busy");
  CSendResult r;
  long* failures = (long*)arg;
  p_SetMessageBody(msg, "busy");
  while (!busy_stop)
    if (p_SendMessageSync(busy_producer, msg, &r) != OK) (*failures)++;
  p_DestroyMessage(msg);
  return NULL;
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
  CProducer* parent_producer;
  CMessage* parent_msg;
  CSendResult r;

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

  /* The parent loads the library and uses it; one producer stays up. */
  rmq_dl_load(lib);
  CHECK(use_library(namesrv, "parent") == 0, "the parent's producer");
  parent_producer = p_CreateProducer("GID_host_fork_parent");
  parent_msg = p_CreateMessage("T_host_fork_parent");
  MUST(p_SetMessageBody(parent_msg, "parent"));
  MUST(p_SetProducerNameServerAddress(parent_producer, namesrv));
  MUST(p_StartProducer(parent_producer));
  MUST(p_SendMessageSync(parent_producer, parent_msg, &r));
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

  /* c. Fork after use, call the inherited library in the child; then again
     and again, while parent threads send. */
  fflush(stdout);
  child = fork();
  if (child == 0) _exit(refused_in_child(parent_producer, parent_msg, 1));
  rc = reap(child, CHILD_TIMEOUT_S, &ms);
  printf("c. fork after use, call the library in the child (not supported): %s (%lld ms)\n",
         rc == 0 ? "every call refused with an error" : outcome(rc), ms);
  CHECK(rc == 0, "a forked child calling the library %s", rc == 3 ? "got no error" : outcome(rc));
  {
    pthread_t senders[BUSY_SENDERS];
    long send_failures[BUSY_SENDERS] = {0};
    long long worst = 0;
    int i, refused = 0;
    busy_producer = parent_producer;
    for (i = 0; i < BUSY_SENDERS; i++) pthread_create(&senders[i], NULL, busy_sender, &send_failures[i]);
    for (i = 0; i < BUSY_FORKS; i++) {
      fflush(stdout);
      child = fork();
      if (child == 0) _exit(refused_in_child(parent_producer, parent_msg, 0));
      rc = reap(child, CHILD_TIMEOUT_S, &ms);
      if (ms > worst) worst = ms;
      if (rc != 0) {
        CHECK(rc == 0, "child %d forked while the parent sends %s", i + 1, rc == 3 ? "got no error" : outcome(rc));
        break;
      }
      refused++;
    }
    busy_stop = 1;
    for (i = 0; i < BUSY_SENDERS; i++) {
      pthread_join(senders[i], NULL);
      CHECK(send_failures[i] == 0, "the parent's sender %d failed %ld sends while children were forked", i, send_failures[i]);
    }
    printf("   %d of %d children forked while %d parent threads sent were refused (slowest %lld ms)\n", refused,
           BUSY_FORKS, BUSY_SENDERS, worst);
  }

  CHECK(use_library(namesrv, "parent after its children") == 0, "a new producer of the parent after the forks");
  CHECK(p_SendMessageSync(parent_producer, parent_msg, &r) == OK, "the parent's producer after the forks: %s",
        p_GetLatestErrorMessage());
  MUST(p_ShutdownProducer(parent_producer));
  MUST(p_DestroyProducer(parent_producer));
  MUST(p_DestroyMessage(parent_msg));
  return rmq_finish("host_fork");
}
