/*
 * async_producer.c - SendMessageAsync and SendAsync: start a send and learn
 * its outcome later, in a callback on a library thread.
 *
 *   async_producer NAMESRV_HOST:PORT
 *
 * Round 1 sends with SendMessageAsync and destroys each message at once (the
 * library copied it). Round 2 sends with SendAsync, whose callbacks get the
 * message and a per-send context back. Round 3 sends through a producer
 * whose name server does not exist: the sends are accepted, and each ends in
 * the exception callback.
 */

#include "example_common.h"

#define COUNT 20

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_t main_thread;
static int successes, exceptions, on_main_thread;
static CMQException last_exception;

static void on_success(CSendResult result) {
  pthread_mutex_lock(&mu);
  if (pthread_equal(pthread_self(), main_thread)) on_main_thread++;
  CHECK(result.sendStatus == E_SEND_OK, "status %d", (int)result.sendStatus);
  CHECK(is_msg_id(result.msgId), "msgId \"%s\"", result.msgId);
  successes++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
}

static void on_exception(CMQException e) {
  pthread_mutex_lock(&mu);
  if (pthread_equal(pthread_self(), main_thread)) on_main_thread++;
  last_exception = e;
  exceptions++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
}

/* One SendAsync's context, handed back to its callback as userData. */
typedef struct {
  CMessage* msg;
  int calls;
  char msg_id[MAX_MESSAGE_ID_LENGTH];
} send_context;

static void on_send_success(CSendResult result, CMessage* msg, void* user_data) {
  send_context* ctx = (send_context*)user_data;
  pthread_mutex_lock(&mu);
  if (pthread_equal(pthread_self(), main_thread)) on_main_thread++;
  CHECK(msg == ctx->msg, "the callback got message %p, SendAsync was given %p", (void*)msg, (void*)ctx->msg);
  ctx->calls++;
  strcpy(ctx->msg_id, result.msgId);
  successes++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
}

static void on_send_exception(CMQException e, CMessage* msg, void* user_data) {
  send_context* ctx = (send_context*)user_data;
  pthread_mutex_lock(&mu);
  CHECK(msg == ctx->msg, "the callback got message %p, SendAsync was given %p", (void*)msg, (void*)ctx->msg);
  fprintf(stderr, "SendAsync failed: %s\n", e.msg);
  ctx->calls++;
  exceptions++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char topic[64];
  char body[128];
  send_context contexts[COUNT];
  CProducer* producer;
  CProducer* lost;
  CMessage* msg;
  int i;

  main_thread = pthread_self();
  example_topic(topic, sizeof topic, "AsyncTopic");
  producer = start_producer("GID_example_async", namesrv);

  /* Round 1: SendMessageAsync. */
  for (i = 0; i < COUNT; i++) {
    msg = CreateMessage(topic);
    snprintf(body, sizeof body, "async message %d", i);
    SetMessageBody(msg, body);
    CHECK_OK(SendMessageAsync(producer, msg, on_success, on_exception));
    DestroyMessage(msg);
  }
  CHECK(wait_count(&mu, &cond, &successes, COUNT, 30000), "%d of %d success callbacks", successes, COUNT);

  /* Round 2: SendAsync. The messages must live until their callback ran. */
  memset(contexts, 0, sizeof contexts);
  for (i = 0; i < COUNT; i++) {
    contexts[i].msg = CreateMessage(topic);
    snprintf(body, sizeof body, "SendAsync message %d", i);
    SetMessageBody(contexts[i].msg, body);
    CHECK_OK(SendAsync(producer, contexts[i].msg, on_send_success, on_send_exception, &contexts[i]));
  }
  CHECK(wait_count(&mu, &cond, &successes, 2 * COUNT, 30000), "%d of %d success callbacks", successes, 2 * COUNT);
  sleep_ms(200); /* time for a wrong second callback to show */
  pthread_mutex_lock(&mu);
  for (i = 0; i < COUNT; i++) {
    CHECK(contexts[i].calls == 1, "send %d: %d callbacks", i, contexts[i].calls);
    /* The id is also written to the message, as the C++ library does. */
    CHECK(strcmp(contexts[i].msg_id, GetOriginMessageProperty(contexts[i].msg, "UNIQ_KEY")) == 0,
          "send %d: callback msgId %s, message UNIQ_KEY %s", i, contexts[i].msg_id,
          GetOriginMessageProperty(contexts[i].msg, "UNIQ_KEY"));
  }
  pthread_mutex_unlock(&mu);
  for (i = 0; i < COUNT; i++) DestroyMessage(contexts[i].msg);
  stop_producer(producer);

  /* Round 3: nothing listens on port 1, so no route is found. */
  lost = CreateProducer("GID_example_async_lost");
  SetProducerNameServerAddress(lost, "127.0.0.1:1");
  SetProducerSendMsgTimeout(lost, 2000);
  CHECK_OK(StartProducer(lost));
  msg = CreateMessage(topic);
  SetMessageBody(msg, "never stored");
  CHECK_OK(SendMessageAsync(lost, msg, on_success, on_exception));
  DestroyMessage(msg);
  CHECK(wait_count(&mu, &cond, &exceptions, 1, 30000), "no exception callback");
  pthread_mutex_lock(&mu);
  printf("exception: error %d, type %s, file %s:%d\n  %s\n", last_exception.error, last_exception.type,
         last_exception.file, last_exception.line, last_exception.msg);
  CHECK(last_exception.error == -1, "error %d", last_exception.error);
  CHECK(strncmp(last_exception.msg, "msg: SendMessageAsync: ", 23) == 0, "msg \"%s\"", last_exception.msg);
  CHECK(last_exception.type[0] != '\0' && last_exception.file[0] != '\0' && last_exception.line > 0,
        "type \"%s\", file \"%s\", line %d", last_exception.type, last_exception.file, last_exception.line);
  CHECK(successes == 2 * COUNT && exceptions == 1, "%d successes, %d exceptions", successes, exceptions);
  CHECK(on_main_thread == 0, "%d callbacks ran on the sending thread", on_main_thread);
  pthread_mutex_unlock(&mu);
  stop_producer(lost);

  expect_stored(topic, 2 * COUNT, 0);
  return rmq_finish("async_producer");
}
