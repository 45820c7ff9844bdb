/*
 * transaction_producer.c - SendMessageTransaction: a message that consumers
 * see only if the local transaction commits.
 *
 *   transaction_producer NAMESRV_HOST:PORT
 *
 * Three transactions: one commits and one rolls back in the executor; the
 * third answers "unknown", so the broker asks again later (after about 6 s
 * on the dev broker), and the checker given to CreateTransactionProducer
 * commits it. The executor runs on the sending thread, the checker on a
 * library thread.
 */

#include "example_common.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_t main_thread;

/* What the executor decides for the message at hand, and what it saw. */
typedef struct {
  CTransactionStatus decision;
  int calls;
  char msg_id[MAX_MESSAGE_ID_LENGTH];
} local_transaction;

/* The application's record of undecided transactions, for the checker. */
typedef struct {
  CProducer* producer;
  char pending_id[MAX_MESSAGE_ID_LENGTH];
  char pending_topic[64];
  int checks, unexpected;
} checker_state;

static CProducer* the_producer;

static CTransactionStatus execute_local(CProducer* producer, CMessage* msg, void* user_data) {
  local_transaction* tx = (local_transaction*)user_data;
  CHECK(producer == the_producer, "executor got producer %p", (void*)producer);
  CHECK(pthread_equal(pthread_self(), main_thread), "the executor runs on the sending thread");
  /* The message carries the id of its prepared copy on the broker. */
  strcpy(tx->msg_id, GetOriginMessageProperty(msg, "UNIQ_KEY"));
  tx->calls++;
  return tx->decision;
}

static CTransactionStatus check_local(CProducer* producer, CMessageExt* msg, void* user_data) {
  checker_state* st = (checker_state*)user_data;
  CTransactionStatus answer = E_UNKNOWN_TRANSACTION;
  pthread_mutex_lock(&mu);
  CHECK(producer == st->producer, "checker got producer %p", (void*)producer);
  CHECK(!pthread_equal(pthread_self(), main_thread), "the checker runs on a library thread");
  printf("broker asks about %s (topic %s, body \"%s\")\n", GetMessageId(msg), GetMessageTopic(msg),
         GetMessageBody(msg));
  if (strcmp(GetMessageId(msg), st->pending_id) == 0 && strcmp(GetMessageTopic(msg), st->pending_topic) == 0) {
    answer = E_COMMIT_TRANSACTION;
    st->checks++;
  } else {
    st->unexpected++;
  }
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&mu);
  return answer;
}

/* Sends one transaction message to topic with the executor's decision;
   returns the result's msgId in id. */
static void send_transaction(CProducer* producer, const char* topic, CTransactionStatus decision, char* id) {
  CMessage* msg = CreateMessage(topic);
  local_transaction tx;
  CSendResult result;
  int rc;
  memset(&tx, 0, sizeof tx);
  tx.decision = decision;
  SetMessageBody(msg, "transfer 100 from A to B");
  rc = SendMessageTransaction(producer, msg, execute_local, &tx, &result);
  CHECK(rc == OK, "SendMessageTransaction returned %d: %s", rc, GetLatestErrorMessage());
  if (rc == OK) {
    printf("transaction %s: decided %d, msgId %s\n", topic, (int)decision, result.msgId);
    CHECK(result.sendStatus == E_SEND_OK && is_msg_id(result.msgId), "status %d, msgId %s",
          (int)result.sendStatus, result.msgId);
    CHECK(tx.calls == 1 && strcmp(tx.msg_id, result.msgId) == 0, "executor: %d calls, saw id %s, result %s",
          tx.calls, tx.msg_id, result.msgId);
    strcpy(id, result.msgId);
  }
  DestroyMessage(msg);
}

int main(int argc, char** argv) {
  const char* namesrv = rmq_namesrv(argc, argv);
  char commit_topic[64], rollback_topic[64], unknown_topic[64];
  char id[MAX_MESSAGE_ID_LENGTH];
  checker_state st;
  CProducer* producer;
  CMessage* plain;
  CSendResult result;
  int rc;

  main_thread = pthread_self();
  example_topic(commit_topic, sizeof commit_topic, "TxCommitTopic");
  example_topic(rollback_topic, sizeof rollback_topic, "TxRollbackTopic");
  example_topic(unknown_topic, sizeof unknown_topic, "TxUnknownTopic");
  memset(&st, 0, sizeof st);

  producer = CreateTransactionProducer("GID_example_transaction", check_local, &st);
  CHECK(producer != NULL, "CreateTransactionProducer: %s", GetLatestErrorMessage());
  if (producer == NULL) return 1;
  the_producer = st.producer = producer;
  SetProducerNameServerAddress(producer, namesrv);
  rc = StartProducer(producer);
  CHECK(rc == OK, "StartProducer returned %d: %s", rc, GetLatestErrorMessage());
  if (rc != OK) return 1;

  send_transaction(producer, commit_topic, E_COMMIT_TRANSACTION, id);
  send_transaction(producer, rollback_topic, E_ROLLBACK_TRANSACTION, id);
  pthread_mutex_lock(&mu);
  strcpy(st.pending_topic, unknown_topic);
  pthread_mutex_unlock(&mu);
  send_transaction(producer, unknown_topic, E_UNKNOWN_TRANSACTION, id);
  pthread_mutex_lock(&mu);
  strcpy(st.pending_id, id);
  pthread_mutex_unlock(&mu);

  /* Only SendMessageTransaction sends through a transaction producer. */
  plain = CreateMessage(commit_topic);
  SetMessageBody(plain, "not a transaction");
  rc = SendMessageSync(producer, plain, &result);
  CHECK(rc == PRODUCER_SEND_SYNC_FAILED, "SendMessageSync on a transaction producer returned %d", rc);
  DestroyMessage(plain);

  /* The producer must run until the broker has asked. */
  CHECK(wait_count(&mu, &cond, &st.checks, 1, 60000), "the broker never asked about the unknown transaction");
  stop_producer(producer);
  pthread_mutex_lock(&mu);
  CHECK(st.unexpected == 0, "%d checks about other messages", st.unexpected);
  pthread_mutex_unlock(&mu);

  expect_stored(commit_topic, 1, 0);
  expect_stored(unknown_topic, 1, 0);
  expect_stored(rollback_topic, 0, 0);
  return rmq_finish("transaction_producer");
}
