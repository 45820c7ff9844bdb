/*
 * host_signals.c - a host program with signal handlers of its own, as
 * Python and most servers have, loading the library (a Go runtime) and
 * using it: the library must keep working, leave the host's handlers to run
 * for the host's signals, not be killed by SIGPIPE, and shut down cleanly
 * when the host decides to stop on SIGTERM.
 *
 *   host_signals before|after|python LIBRARY NAMESRV_HOST:PORT
 *
 * The library is loaded with dlopen, so the handlers can be installed
 * before the Go runtime starts (before) or after (after). "python" is what
 * CPython does before any extension loads: SIGINT to a handler, SIGPIPE
 * ignored. Then:
 *   1. a producer sends and a push consumer receives COUNT messages;
 *   2. raise(SIGPIPE), and a write to a pipe with no reader: the host's
 *      handler runs (or the signal is ignored), the process lives on;
 *   3. a producer whose "name server" resets every connection fails its
 *      sends at once with an error code, and the process lives on;
 *   4. SIGINT (raise) and SIGTERM (kill from another thread, so that it may
 *      land on any thread, Go's included) reach the host's handlers, the
 *      main loop sees the flag, and shuts everything down with OK codes.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rmq_dl.h"
#include "rmq_test.h"

#define COUNT 50

static volatile sig_atomic_t got_int, got_term, got_pipe;

static void on_signal(int sig) {
  if (sig == SIGINT) got_int++;
  if (sig == SIGTERM) got_term++;
  if (sig == SIGPIPE) got_pipe++;
}

static void install(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(sig, &sa, NULL) != 0) {
    perror("sigaction");
    exit(1);
  }
}

static void install_host_handlers(int python) {
  install(SIGINT, on_signal);
  install(SIGTERM, on_signal);
  install(SIGPIPE, python ? SIG_IGN : on_signal);
}

/* Where SIGPIPE's disposition points now, as text. */
static const char* pipe_disposition(void) {
  struct sigaction sa;
  sigaction(SIGPIPE, NULL, &sa);
  if (sa.sa_handler == SIG_IGN) return "ignored";
  if (sa.sa_handler == SIG_DFL) return "default";
  if (sa.sa_handler == on_signal) return "the host's handler";
  return "another handler (the Go runtime's)";
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int received;

static int on_message(CPushConsumer* c, CMessageExt* m) {
  (void)c;
  (void)m;
  pthread_mutex_lock(&mu);
  received++;
  pthread_mutex_unlock(&mu);
  return E_CONSUME_SUCCESS;
}

static int received_count(void) {
  int n;
  pthread_mutex_lock(&mu);
  n = received;
  pthread_mutex_unlock(&mu);
  return n;
}

/* A "name server" that accepts connections and resets them at once. */
static int reset_listener;

static void* reset_every_connection(void* arg) {
  (void)arg;
  for (;;) {
    struct linger lg = {1, 0};
    int c = accept(reset_listener, NULL, NULL);
    if (c < 0) return NULL;
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(c);
  }
}

static void* send_sigterm(void* arg) {
  (void)arg;
  kill(getpid(), SIGTERM);
  return NULL;
}

int main(int argc, char** argv) {
  const char* mode;
  const char* namesrv;
  int python, pfd[2], i, ok;
  char topic[96], group[96], reset_addr[64];
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  pthread_t t;
  CProducer* p;
  CProducer* broken;
  CPushConsumer* c;
  CMessage* msg;
  CSendResult r;
  long long t0;

  if (argc != 4 || (strcmp(argv[1], "before") != 0 && strcmp(argv[1], "after") != 0 &&
                    strcmp(argv[1], "python") != 0)) {
    fprintf(stderr, "usage: %s before|after|python LIBRARY NAMESRV_HOST:PORT\n", argv[0]);
    return 2;
  }
  mode = argv[1];
  namesrv = argv[3];
  python = strcmp(mode, "python") == 0;
  if (strcmp(mode, "after") != 0) install_host_handlers(python);
  rmq_dl_load(argv[2]);
  printf("%s: after loading the library, SIGPIPE goes to %s\n", mode, pipe_disposition());
  if (strcmp(mode, "after") == 0) install_host_handlers(0);

  /* 1. The library works. The group is this run's own, as the topic: ctest runs
     the three modes at once, and consumers of one group share out every topic's
     queues among all its members, also those not subscribed to it, whose share
     then waits until they leave. */
  snprintf(topic, sizeof topic, "T_host_signals_%s_%ld", mode, (long)getpid());
  snprintf(group, sizeof group, "GID_host_signals_%s_%ld", mode, (long)getpid());
  p = p_CreateProducer("GID_host_signals");
  c = p_CreatePushConsumer(group);
  msg = p_CreateMessage(topic);
  MUST(p_SetMessageBody(msg, "host"));
  MUST(p_SetProducerNameServerAddress(p, namesrv));
  MUST(p_StartProducer(p));
  MUST(p_SendMessageSync(p, msg, &r)); /* the topic exists before the consumer looks */
  MUST(p_SetPushConsumerNameServerAddress(c, namesrv));
  MUST(p_Subscribe(c, topic, "*"));
  MUST(p_RegisterMessageCallback(c, on_message));
  MUST(p_StartPushConsumer(c));
  for (i = 1; i < COUNT; i++) MUST(p_SendMessageSync(p, msg, &r));
  WAIT_UNTIL(ok, received_count() >= COUNT, 60000);
  CHECK(ok, "received %d of %d messages", received_count(), COUNT);

  /* 2. SIGPIPE, raised and from a pipe without reader. */
  raise(SIGPIPE);
  CHECK(pipe(pfd) == 0, "pipe");
  close(pfd[0]);
  CHECK(write(pfd[1], "x", 1) == -1 && errno == EPIPE, "write to a pipe without reader");
  close(pfd[1]);
  CHECK(got_pipe == (python ? 0 : 2), "the host's SIGPIPE handler ran %d times", (int)got_pipe);

  /* 3. Connections reset by the peer fail sends, nothing more. */
  reset_listener = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(reset_listener, (struct sockaddr*)&sin, sizeof sin) == 0 && listen(reset_listener, 64) == 0 &&
            getsockname(reset_listener, (struct sockaddr*)&sin, &len) == 0,
        "listen: %s", strerror(errno));
  snprintf(reset_addr, sizeof reset_addr, "127.0.0.1:%d", ntohs(sin.sin_port));
  pthread_create(&t, NULL, reset_every_connection, NULL);
  broken = p_CreateProducer("GID_host_signals_broken");
  MUST(p_SetProducerNameServerAddress(broken, reset_addr));
  MUST(p_SetProducerSendMsgTimeout(broken, 2000));
  MUST(p_StartProducer(broken));
  for (i = 0; i < 3; i++) {
    long long t1 = rmq_mono_ms();
    int rc = p_SendMessageSync(broken, msg, &r);
    printf("%s: send %d through a resetting name server: %d after %lld ms: %.100s\n", mode, i, rc, rmq_mono_ms() - t1,
           p_GetLatestErrorMessage());
    CHECK(rc != OK && *p_GetLatestErrorMessage() != '\0', "send through a resetting name server: %d", rc);
  }
  MUST(p_ShutdownProducer(broken));
  MUST(p_DestroyProducer(broken));
  printf("%s: 3 sends through connections reset by the peer failed with error codes; SIGPIPE seen by the host "
         "%d times\n",
         mode, (int)got_pipe - (python ? 0 : 2));
  shutdown(reset_listener, SHUT_RDWR);
  close(reset_listener);
  pthread_join(t, NULL);

  /* 4. The host stops on its signals, cleanly. */
  raise(SIGINT);
  CHECK(got_int == 1, "the host's SIGINT handler ran %d times", (int)got_int);
  pthread_create(&t, NULL, send_sigterm, NULL);
  pthread_join(t, NULL);
  t0 = rmq_mono_ms();
  WAIT_UNTIL(ok, got_term == 1, 10000);
  CHECK(ok, "the host's SIGTERM handler did not run");
  printf("%s: SIGINT and SIGTERM reached the host's handlers (SIGTERM after %lld ms); shutting down\n", mode,
         rmq_mono_ms() - t0);
  MUST(p_ShutdownPushConsumer(c));
  MUST(p_DestroyPushConsumer(c));
  MUST(p_ShutdownProducer(p));
  MUST(p_DestroyProducer(p));
  MUST(p_DestroyMessage(msg));
  return rmq_finish("host_signals");
}
