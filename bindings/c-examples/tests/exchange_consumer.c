/*
 * exchange_consumer.c - the receiving half of the exchange test
 * (exchange.sh): a push consumer of a new group on TOPIC, which must
 * receive exactly the COUNT messages exchange_producer sent there (a new
 * group starts at the beginning of the queues), each once and intact.
 *
 *   exchange_consumer NAMESRV_HOST:PORT TOPIC COUNT
 */

#include "example_common.h"
#include "CPushConsumer.h"

#define MAX_COUNT 1000
#define WAIT_MS 60000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int seen[MAX_COUNT];
static int received;
static int count;
static const char* topic;

static int on_message(CPushConsumer* consumer, CMessageExt* msg) {
  const char* body = GetMessageBody(msg);
  const char* index = GetMessageProperty(msg, "index");
  char key[32];
  int i = -1;
  (void)consumer;
  if (body == NULL || sscanf(body, "exchange message %d", &i) != 1 || i < 0 || i >= count) {
    CHECK(0, "unexpected body \"%s\"", body != NULL ? body : "(null)");
    return E_CONSUME_SUCCESS;
  }
  snprintf(key, sizeof key, "key-%d", i);
  CHECK(strcmp(GetMessageTopic(msg), topic) == 0, "message %d: topic %s", i, GetMessageTopic(msg));
  CHECK(strcmp(GetMessageTags(msg), "exchange") == 0, "message %d: tags %s", i, GetMessageTags(msg));
  CHECK(strcmp(GetMessageKeys(msg), key) == 0, "message %d: keys %s", i, GetMessageKeys(msg));
  CHECK(index != NULL && atoi(index) == i, "message %d: property index %s", i, index != NULL ? index : "(null)");
  CHECK(GetMessageBodyLength(msg) == (int)strlen(body), "message %d: body length %d", i, GetMessageBodyLength(msg));
  CHECK(is_msg_id(GetMessageId(msg)), "message %d: id \"%s\"", i, GetMessageId(msg));
  pthread_mutex_lock(&mu);
  seen[i]++;
  received++;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
  return E_CONSUME_SUCCESS;
}

int main(int argc, char** argv) {
  const char* namesrv;
  char group[128];
  CPushConsumer* consumer;
  int i;

  if (argc != 4 || (count = atoi(argv[3])) <= 0 || count > MAX_COUNT) {
    fprintf(stderr, "usage: %s NAMESRV_HOST:PORT TOPIC COUNT (at most %d)\n", argv[0], MAX_COUNT);
    return 2;
  }
  namesrv = argv[1];
  topic = argv[2];
  snprintf(group, sizeof group, "GID_%s", topic);

  consumer = CreatePushConsumer(group);
  CHECK(consumer != NULL, "CreatePushConsumer: %s", GetLatestErrorMessage());
  if (consumer == NULL) return rmq_finish("exchange_consumer");
  CHECK_OK(SetPushConsumerNameServerAddress(consumer, namesrv));
  CHECK_OK(Subscribe(consumer, topic, "exchange"));
  CHECK_OK(RegisterMessageCallback(consumer, on_message));
  CHECK_OK(StartPushConsumer(consumer));

  CHECK(wait_count(&mu, &cond, &received, count, WAIT_MS), "received %d of %d messages", received, count);
  sleep_ms(500); /* a duplicate would show up now */

  CHECK_OK(ShutdownPushConsumer(consumer));
  pthread_mutex_lock(&mu);
  for (i = 0; i < count; i++) CHECK(seen[i] == 1, "message %d arrived %d times", i, seen[i]);
  printf("received %d messages from %s\n", received, topic);
  pthread_mutex_unlock(&mu);
  CHECK_OK(DestroyPushConsumer(consumer));
  return rmq_finish("exchange_consumer");
}
