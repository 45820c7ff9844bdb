/*
 * message_api.c - every function of CMessage.h, CMessageExt.h and
 * CBatchMessage.h, called as C programs and the Python client call them:
 * normal use, NULL for each pointer argument, handles used after they were
 * destroyed or of the wrong kind, binary bodies, and the CMessageExt getters
 * on a CMessage (which rocketmq-client-python's transaction executor does).
 *
 * Linked against the shared library and the static archive, and run under
 * valgrind when it is installed. Received messages (real CMessageExt
 * objects) can only come from the library's consumers; the Go tests of capi
 * cover them.
 */

#include "CBatchMessage.h"
#include "CErrorMessage.h"
#include "CMessage.h"
#include "CMessageExt.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../checks.h"

/* s is a string equal to want (and so not NULL). */
static int str_is(const char* s, const char* want) { return s != NULL && strcmp(s, want) == 0; }

/* The last error names fn and contains what. */
static int error_names(const char* fn, const char* what) {
  const char* e = GetLatestErrorMessage();
  return e != NULL && strstr(e, fn) != NULL && strstr(e, what) != NULL;
}

#define CHECK_ERROR(fn, what) \
  CHECK(error_names(fn, what), "last error \"%s\" should name %s and say \"%s\"", GetLatestErrorMessage(), fn, what)

static void test_create_and_defaults(void) {
  CMessage* msg = CreateMessage("T_TestTopic");
  CMessage* untitled = CreateMessage(NULL);
  CHECK(msg != NULL, "CreateMessage returned NULL: %s", GetLatestErrorMessage());
  CHECK(untitled != NULL, "CreateMessage(NULL) returned NULL");
  CHECK(str_is(GetOriginMessageTopic(msg), "T_TestTopic"), "topic %s", GetOriginMessageTopic(msg));
  CHECK(str_is(GetOriginMessageTopic(untitled), ""), "NULL topic gives \"\"");
  /* As the C++ MQMessage constructor sets it. */
  CHECK(str_is(GetOriginMessageProperty(msg, "WAIT"), "true"), "WAIT is %s", GetOriginMessageProperty(msg, "WAIT"));
  CHECK(str_is(GetOriginMessageTags(msg), ""), "no tags gives \"\"");
  CHECK(str_is(GetOriginMessageKeys(msg), ""), "no keys gives \"\"");
  CHECK(str_is(GetOriginMessageBody(msg), ""), "no body gives \"\"");
  CHECK(GetOriginMessageBodyLength(msg) == 0, "empty body length");
  CHECK(str_is(GetOriginMessageProperty(msg, "absent"), ""), "a missing property gives \"\", not NULL");
  CHECK(GetOriginDelayTimeLevel(msg) == 0, "no delay gives 0");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
  CHECK(DestroyMessage(untitled) == OK, "DestroyMessage");
}

static void test_setters_and_getters(void) {
  CMessage* msg = CreateMessage("A");
  const char* tags;
  const char* again;
  CHECK(SetMessageTopic(msg, "B") == OK, "SetMessageTopic");
  CHECK(SetMessageTags(msg, "TagA") == OK, "SetMessageTags");
  CHECK(SetMessageKeys(msg, "key1 key2") == OK, "SetMessageKeys");
  CHECK(SetMessageBody(msg, "hello") == OK, "SetMessageBody");
  CHECK(SetMessageProperty(msg, "color", "blue") == OK, "SetMessageProperty");
  CHECK(SetDelayTimeLevel(msg, 3) == OK, "SetDelayTimeLevel");

  CHECK(str_is(GetOriginMessageTopic(msg), "B"), "topic");
  CHECK(str_is(GetOriginMessageTags(msg), "TagA"), "tags");
  CHECK(str_is(GetOriginMessageKeys(msg), "key1 key2"), "keys");
  CHECK(str_is(GetOriginMessageBody(msg), "hello"), "body");
  CHECK(GetOriginMessageBodyLength(msg) == 5, "body length %d", GetOriginMessageBodyLength(msg));
  CHECK(str_is(GetOriginMessageProperty(msg, "color"), "blue"), "property");
  CHECK(GetOriginDelayTimeLevel(msg) == 3, "delay level %d", GetOriginDelayTimeLevel(msg));
  /* Tags, keys and the delay level are properties, under the C++ names. */
  CHECK(str_is(GetOriginMessageProperty(msg, "TAGS"), "TagA"), "TAGS");
  CHECK(str_is(GetOriginMessageProperty(msg, "KEYS"), "key1 key2"), "KEYS");
  CHECK(str_is(GetOriginMessageProperty(msg, "DELAY"), "3"), "DELAY");

  /* A getter's string is owned by the message: the same copy each time,
     still valid after an unrelated field changes, replaced when its own
     field changes. */
  tags = GetOriginMessageTags(msg);
  CHECK(GetOriginMessageTags(msg) == tags, "repeated getter returns the cached copy");
  CHECK(SetMessageKeys(msg, "other") == OK, "SetMessageKeys");
  CHECK(SetMessageBody(msg, "changed") == OK, "SetMessageBody");
  CHECK(str_is(tags, "TagA"), "tags pointer still valid after other fields changed");
  CHECK(SetMessageTags(msg, "TagB") == OK, "SetMessageTags");
  again = GetOriginMessageTags(msg);
  CHECK(str_is(again, "TagB"), "new tags %s", again);
  CHECK(str_is(GetOriginMessageBody(msg), "changed"), "new body");

  /* Overwriting and removing. */
  CHECK(SetMessageProperty(msg, "color", "red") == OK, "SetMessageProperty again");
  CHECK(str_is(GetOriginMessageProperty(msg, "color"), "red"), "overwritten property");
  CHECK(SetMessageTags(msg, "") == OK, "SetMessageTags(\"\")");
  CHECK(str_is(GetOriginMessageTags(msg), ""), "cleared tags");
  CHECK(SetDelayTimeLevel(msg, -2) == OK, "negative delay level is stored, as in C++");
  CHECK(GetOriginDelayTimeLevel(msg) == -2, "delay level %d", GetOriginDelayTimeLevel(msg));
  CHECK(SetMessageProperty(msg, "DELAY", " 7x") == OK, "raw DELAY");
  CHECK(GetOriginDelayTimeLevel(msg) == 7, "DELAY is read like atoi: %d", GetOriginDelayTimeLevel(msg));
  CHECK(SetMessageProperty(msg, "TRAN_MSG", "true") == OK, "TRAN_MSG");
  CHECK(str_is(GetOriginMessageProperty(msg, "TRAN_MSG"), "true"), "TRAN_MSG stored as a property too");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
}

static void test_binary_body(void) {
  static const char bytes[] = {'a', '\0', 'b', '\0', '\0', 'c', (char)0xff};
  CMessage* msg = CreateMessage("T");
  const char* body;
  CHECK(SetByteMessageBody(msg, bytes, (int)sizeof bytes) == OK, "SetByteMessageBody");
  CHECK(GetOriginMessageBodyLength(msg) == (int)sizeof bytes, "length %d", GetOriginMessageBodyLength(msg));
  body = GetOriginMessageBody(msg);
  CHECK(body != NULL && memcmp(body, bytes, sizeof bytes) == 0, "binary body round trip");
  CHECK(body != NULL && body[sizeof bytes] == '\0', "body is NUL-terminated after its last byte");
  /* The CMessageExt getters see the same bytes. */
  CHECK(GetMessageBodyLength((CMessageExt*)msg) == (int)sizeof bytes, "GetMessageBodyLength on a CMessage");
  body = GetMessageBody((CMessageExt*)msg);
  CHECK(body != NULL && memcmp(body, bytes, sizeof bytes) == 0, "GetMessageBody on a CMessage");

  /* SetMessageBody stops at the first NUL, as a C string does. */
  CHECK(SetMessageBody(msg, bytes) == OK, "SetMessageBody");
  CHECK(GetOriginMessageBodyLength(msg) == 1, "C-string body length %d", GetOriginMessageBodyLength(msg));
  CHECK(SetByteMessageBody(msg, NULL, 0) == OK, "empty binary body with NULL");
  CHECK(GetOriginMessageBodyLength(msg) == 0 && str_is(GetOriginMessageBody(msg), ""), "empty body");
  CHECK(SetByteMessageBody(msg, bytes, -1) == NULL_POINTER, "negative length refused");
  CHECK_ERROR("SetByteMessageBody", "negative");
  CHECK(SetByteMessageBody(msg, NULL, 3) == NULL_POINTER, "NULL body with a length refused");
  CHECK_ERROR("SetByteMessageBody", "NULL");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
}

/* rocketmq-client-python reads the CMessage given to its local-transaction
   executor with the CMessageExt getters. */
static void test_ext_getters_on_a_message(void) {
  CMessage* msg = CreateMessage("TopicTx");
  CMessageExt* as_ext = (CMessageExt*)msg;
  SetMessageTags(msg, "tx");
  SetMessageKeys(msg, "k");
  SetMessageBody(msg, "message body");
  SetMessageProperty(msg, "property", "test");
  SetDelayTimeLevel(msg, 2);

  CHECK(str_is(GetMessageTopic(as_ext), "TopicTx"), "topic");
  CHECK(str_is(GetMessageTags(as_ext), "tx"), "tags");
  CHECK(str_is(GetMessageKeys(as_ext), "k"), "keys");
  CHECK(str_is(GetMessageBody(as_ext), "message body"), "body");
  CHECK(GetMessageBodyLength(as_ext) == 12, "body length");
  CHECK(str_is(GetMessageProperty(as_ext, "property"), "test"), "property");
  CHECK(str_is(GetMessageProperty(as_ext, "nothing"), ""), "missing property");
  CHECK(GetMessageDelayTimeLevel(as_ext) == 2, "delay level");
  /* Not stored anywhere yet: no id, no hosts, but never NULL (Python
     decodes these strings). */
  CHECK(str_is(GetMessageId(as_ext), ""), "id of an unsent message");
  CHECK(SetMessageProperty(msg, "UNIQ_KEY", "0A0B0C0D00002A9F0000000000000001") == OK, "UNIQ_KEY");
  CHECK(str_is(GetMessageId(as_ext), "0A0B0C0D00002A9F0000000000000001"), "id is UNIQ_KEY");
  CHECK(str_is(GetMessageStoreHost(as_ext), ""), "store host");
  CHECK(str_is(GetMessageBornHost(as_ext), ""), "born host");
  /* Fields only a stored message has: the C++ error value, 1. */
  CHECK(GetMessageQueueId(as_ext) == 1, "queue id");
  CHECK_ERROR("GetMessageQueueId", "CMessage");
  CHECK(GetMessageReconsumeTimes(as_ext) == 1, "reconsume times");
  CHECK_ERROR("GetMessageReconsumeTimes", "CMessage");
  CHECK(GetMessageStoreSize(as_ext) == 1, "store size");
  CHECK(GetMessageBornTimestamp(as_ext) == 1, "born timestamp");
  CHECK(GetMessageStoreTimestamp(as_ext) == 1, "store timestamp");
  CHECK(GetMessageQueueOffset(as_ext) == 1, "queue offset");
  CHECK(GetMessageCommitLogOffset(as_ext) == 1, "commit log offset");
  CHECK(GetMessagePreparedTransactionOffset(as_ext) == 1, "prepared transaction offset");
  CHECK_ERROR("GetMessagePreparedTransactionOffset", "CMessage");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
}

static void test_null_arguments(void) {
  CMessage* msg = CreateMessage("T");
  CBatchMessage* batch = CreateBatchMessage();

  CHECK(DestroyMessage(NULL) == NULL_POINTER, "DestroyMessage(NULL)");
  CHECK_ERROR("DestroyMessage", "NULL");
  CHECK(SetMessageTopic(NULL, "T") == NULL_POINTER, "SetMessageTopic(NULL, ...)");
  CHECK_ERROR("SetMessageTopic", "msg is NULL");
  CHECK(SetMessageTopic(msg, NULL) == NULL_POINTER, "SetMessageTopic(msg, NULL)");
  CHECK_ERROR("SetMessageTopic", "topic is NULL");
  CHECK(SetMessageTags(NULL, "t") == NULL_POINTER, "SetMessageTags(NULL, ...)");
  CHECK_ERROR("SetMessageTags", "msg is NULL");
  CHECK(SetMessageTags(msg, NULL) == NULL_POINTER, "SetMessageTags(msg, NULL)");
  CHECK_ERROR("SetMessageTags", "tags is NULL");
  CHECK(SetMessageKeys(NULL, "k") == NULL_POINTER, "SetMessageKeys(NULL, ...)");
  CHECK_ERROR("SetMessageKeys", "msg is NULL");
  CHECK(SetMessageKeys(msg, NULL) == NULL_POINTER, "SetMessageKeys(msg, NULL)");
  CHECK_ERROR("SetMessageKeys", "keys is NULL");
  CHECK(SetMessageBody(NULL, "b") == NULL_POINTER, "SetMessageBody(NULL, ...)");
  CHECK_ERROR("SetMessageBody", "msg is NULL");
  CHECK(SetMessageBody(msg, NULL) == NULL_POINTER, "SetMessageBody(msg, NULL)");
  CHECK_ERROR("SetMessageBody", "body is NULL");
  CHECK(SetByteMessageBody(NULL, "b", 1) == NULL_POINTER, "SetByteMessageBody(NULL, ...)");
  CHECK_ERROR("SetByteMessageBody", "msg is NULL");
  CHECK(SetMessageProperty(NULL, "k", "v") == NULL_POINTER, "SetMessageProperty(NULL, ...)");
  CHECK_ERROR("SetMessageProperty", "msg is NULL");
  CHECK(SetMessageProperty(msg, NULL, "v") == NULL_POINTER, "SetMessageProperty(msg, NULL, v)");
  CHECK_ERROR("SetMessageProperty", "key is NULL");
  CHECK(SetMessageProperty(msg, "k", NULL) == NULL_POINTER, "SetMessageProperty(msg, k, NULL)");
  CHECK_ERROR("SetMessageProperty", "value is NULL");
  CHECK(SetDelayTimeLevel(NULL, 1) == NULL_POINTER, "SetDelayTimeLevel(NULL, ...)");
  CHECK_ERROR("SetDelayTimeLevel", "msg is NULL");

  CHECK(GetOriginMessageTopic(NULL) == NULL, "GetOriginMessageTopic(NULL)");
  CHECK_ERROR("GetOriginMessageTopic", "msg is NULL");
  CHECK(GetOriginMessageTags(NULL) == NULL, "GetOriginMessageTags(NULL)");
  CHECK_ERROR("GetOriginMessageTags", "msg is NULL");
  CHECK(GetOriginMessageKeys(NULL) == NULL, "GetOriginMessageKeys(NULL)");
  CHECK_ERROR("GetOriginMessageKeys", "msg is NULL");
  CHECK(GetOriginMessageBody(NULL) == NULL, "GetOriginMessageBody(NULL)");
  CHECK_ERROR("GetOriginMessageBody", "msg is NULL");
  CHECK(GetOriginMessageBodyLength(NULL) == 0, "GetOriginMessageBodyLength(NULL)");
  CHECK_ERROR("GetOriginMessageBodyLength", "msg is NULL");
  CHECK(GetOriginMessageProperty(NULL, "k") == NULL, "GetOriginMessageProperty(NULL, k)");
  CHECK_ERROR("GetOriginMessageProperty", "msg is NULL");
  CHECK(GetOriginMessageProperty(msg, NULL) == NULL, "GetOriginMessageProperty(msg, NULL)");
  CHECK_ERROR("GetOriginMessageProperty", "key is NULL");
  CHECK(GetOriginDelayTimeLevel(NULL) == -1, "GetOriginDelayTimeLevel(NULL)");
  CHECK_ERROR("GetOriginDelayTimeLevel", "msg is NULL");

  CHECK(GetMessageTopic(NULL) == NULL, "GetMessageTopic(NULL)");
  CHECK_ERROR("GetMessageTopic", "msg is NULL");
  CHECK(GetMessageTags(NULL) == NULL, "GetMessageTags(NULL)");
  CHECK_ERROR("GetMessageTags", "msg is NULL");
  CHECK(GetMessageKeys(NULL) == NULL, "GetMessageKeys(NULL)");
  CHECK_ERROR("GetMessageKeys", "msg is NULL");
  CHECK(GetMessageBody(NULL) == NULL, "GetMessageBody(NULL)");
  CHECK_ERROR("GetMessageBody", "msg is NULL");
  CHECK(GetMessageBodyLength(NULL) == 0, "GetMessageBodyLength(NULL)");
  CHECK_ERROR("GetMessageBodyLength", "msg is NULL");
  CHECK(GetMessageProperty(NULL, "k") == NULL, "GetMessageProperty(NULL, k)");
  CHECK_ERROR("GetMessageProperty", "msg is NULL");
  CHECK(GetMessageProperty((CMessageExt*)msg, NULL) == NULL, "GetMessageProperty(msg, NULL)");
  CHECK_ERROR("GetMessageProperty", "key is NULL");
  CHECK(GetMessageId(NULL) == NULL, "GetMessageId(NULL)");
  CHECK_ERROR("GetMessageId", "msg is NULL");
  CHECK(GetMessageDelayTimeLevel(NULL) == NULL_POINTER, "GetMessageDelayTimeLevel(NULL)");
  CHECK_ERROR("GetMessageDelayTimeLevel", "msg is NULL");
  CHECK(GetMessageQueueId(NULL) == NULL_POINTER, "GetMessageQueueId(NULL)");
  CHECK_ERROR("GetMessageQueueId", "msg is NULL");
  CHECK(GetMessageReconsumeTimes(NULL) == NULL_POINTER, "GetMessageReconsumeTimes(NULL)");
  CHECK_ERROR("GetMessageReconsumeTimes", "msg is NULL");
  CHECK(GetMessageStoreSize(NULL) == NULL_POINTER, "GetMessageStoreSize(NULL)");
  CHECK_ERROR("GetMessageStoreSize", "msg is NULL");
  CHECK(GetMessageBornTimestamp(NULL) == NULL_POINTER, "GetMessageBornTimestamp(NULL)");
  CHECK_ERROR("GetMessageBornTimestamp", "msg is NULL");
  CHECK(GetMessageStoreTimestamp(NULL) == NULL_POINTER, "GetMessageStoreTimestamp(NULL)");
  CHECK_ERROR("GetMessageStoreTimestamp", "msg is NULL");
  CHECK(GetMessageQueueOffset(NULL) == NULL_POINTER, "GetMessageQueueOffset(NULL)");
  CHECK_ERROR("GetMessageQueueOffset", "msg is NULL");
  CHECK(GetMessageCommitLogOffset(NULL) == NULL_POINTER, "GetMessageCommitLogOffset(NULL)");
  CHECK_ERROR("GetMessageCommitLogOffset", "msg is NULL");
  CHECK(GetMessagePreparedTransactionOffset(NULL) == NULL_POINTER, "GetMessagePreparedTransactionOffset(NULL)");
  CHECK_ERROR("GetMessagePreparedTransactionOffset", "msg is NULL");
  CHECK(GetMessageStoreHost(NULL) == NULL, "GetMessageStoreHost(NULL)");
  CHECK_ERROR("GetMessageStoreHost", "msg is NULL");
  CHECK(GetMessageBornHost(NULL) == NULL, "GetMessageBornHost(NULL)");
  CHECK_ERROR("GetMessageBornHost", "msg is NULL");

  CHECK(AddMessage(NULL, msg) == NULL_POINTER, "AddMessage(NULL, msg)");
  CHECK_ERROR("AddMessage", "batchMsg is NULL");
  CHECK(AddMessage(batch, NULL) == NULL_POINTER, "AddMessage(batch, NULL)");
  CHECK_ERROR("AddMessage", "msg is NULL");
  CHECK(DestroyBatchMessage(NULL) == NULL_POINTER, "DestroyBatchMessage(NULL)");
  CHECK_ERROR("DestroyBatchMessage", "batchMsg is NULL");

  CHECK(DestroyBatchMessage(batch) == OK, "DestroyBatchMessage");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
}

static void test_use_after_destroy(void) {
  CMessage* msg = CreateMessage("T");
  CMessageExt* as_ext = (CMessageExt*)msg;
  CBatchMessage* batch = CreateBatchMessage();
  CBatchMessage* live_batch = CreateBatchMessage();
  const char* topic = GetOriginMessageTopic(msg);
  CHECK(str_is(topic, "T"), "topic before destroy");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
  CHECK(DestroyBatchMessage(batch) == OK, "DestroyBatchMessage");

  CHECK(DestroyMessage(msg) == NULL_POINTER, "second DestroyMessage");
  CHECK_ERROR("DestroyMessage", "not valid");
  CHECK(SetMessageTopic(msg, "T") == NULL_POINTER, "SetMessageTopic after destroy");
  CHECK_ERROR("SetMessageTopic", "not valid");
  CHECK(SetMessageTags(msg, "t") == NULL_POINTER, "SetMessageTags after destroy");
  CHECK(SetMessageKeys(msg, "k") == NULL_POINTER, "SetMessageKeys after destroy");
  CHECK(SetMessageBody(msg, "b") == NULL_POINTER, "SetMessageBody after destroy");
  CHECK(SetByteMessageBody(msg, "b", 1) == NULL_POINTER, "SetByteMessageBody after destroy");
  CHECK(SetMessageProperty(msg, "k", "v") == NULL_POINTER, "SetMessageProperty after destroy");
  CHECK(SetDelayTimeLevel(msg, 1) == NULL_POINTER, "SetDelayTimeLevel after destroy");
  CHECK_ERROR("SetDelayTimeLevel", "not valid");
  CHECK(GetOriginMessageTopic(msg) == NULL, "GetOriginMessageTopic after destroy");
  CHECK_ERROR("GetOriginMessageTopic", "not valid");
  CHECK(GetOriginMessageTags(msg) == NULL, "GetOriginMessageTags after destroy");
  CHECK(GetOriginMessageKeys(msg) == NULL, "GetOriginMessageKeys after destroy");
  CHECK(GetOriginMessageBody(msg) == NULL, "GetOriginMessageBody after destroy");
  CHECK(GetOriginMessageBodyLength(msg) == 0, "GetOriginMessageBodyLength after destroy");
  CHECK(GetOriginMessageProperty(msg, "k") == NULL, "GetOriginMessageProperty after destroy");
  CHECK(GetOriginDelayTimeLevel(msg) == -1, "GetOriginDelayTimeLevel after destroy");
  CHECK(GetMessageTopic(as_ext) == NULL, "GetMessageTopic after destroy");
  CHECK_ERROR("GetMessageTopic", "not valid");
  CHECK(GetMessageBody(as_ext) == NULL, "GetMessageBody after destroy");
  CHECK(GetMessageId(as_ext) == NULL, "GetMessageId after destroy");
  CHECK(GetMessageBodyLength(as_ext) == 0, "GetMessageBodyLength after destroy");
  CHECK(GetMessageQueueId(as_ext) == NULL_POINTER, "GetMessageQueueId after destroy");
  CHECK(GetMessageQueueOffset(as_ext) == NULL_POINTER, "GetMessageQueueOffset after destroy");
  CHECK(GetMessageStoreHost(as_ext) == NULL, "GetMessageStoreHost after destroy");
  CHECK(AddMessage(batch, msg) == NULL_POINTER, "AddMessage to a destroyed batch");
  CHECK_ERROR("AddMessage", "not valid");
  CHECK(AddMessage(live_batch, msg) == NULL_POINTER, "AddMessage of a destroyed message");
  CHECK_ERROR("AddMessage", "not valid");
  CHECK(DestroyBatchMessage(batch) == NULL_POINTER, "second DestroyBatchMessage");
  CHECK_ERROR("DestroyBatchMessage", "not valid");
  CHECK(DestroyBatchMessage(live_batch) == OK, "DestroyBatchMessage");
}

static void test_wrong_kind(void) {
  CMessage* msg = CreateMessage("T");
  CBatchMessage* batch = CreateBatchMessage();
  CHECK(SetMessageTopic((CMessage*)batch, "T") == NULL_POINTER, "a batch is not a message");
  CHECK_ERROR("SetMessageTopic", "not valid");
  CHECK(GetMessageTopic((CMessageExt*)batch) == NULL, "a batch is not a received message");
  CHECK(DestroyMessage((CMessage*)batch) == NULL_POINTER, "DestroyMessage of a batch");
  CHECK(AddMessage((CBatchMessage*)msg, msg) == NULL_POINTER, "a message is not a batch");
  CHECK_ERROR("AddMessage", "batchMsg");
  CHECK(DestroyBatchMessage((CBatchMessage*)msg) == NULL_POINTER, "DestroyBatchMessage of a message");
  /* Neither was destroyed by the wrong-kind calls. */
  CHECK(str_is(GetOriginMessageTopic(msg), "T"), "message survives");
  CHECK(DestroyBatchMessage(batch) == OK, "DestroyBatchMessage");
  CHECK(DestroyMessage(msg) == OK, "DestroyMessage");
}

static void test_batch(void) {
  /* Called with an argument, as upstream's example CBatchProducer.c does. */
  CBatchMessage* batch = CreateBatchMessage("T_TestTopic");
  int i;
  CHECK(batch != NULL, "CreateBatchMessage");
  for (i = 0; i < 10; i++) {
    char body[32];
    CMessage* msg = CreateMessage("T_TestTopic");
    snprintf(body, sizeof body, "batch message %d", i);
    SetMessageTags(msg, "Test_Tag");
    SetMessageKeys(msg, "Test_Keys");
    SetMessageBody(msg, body);
    CHECK(AddMessage(batch, msg) == OK, "AddMessage %d", i);
    /* The batch holds a copy: the message may go at once. */
    CHECK(DestroyMessage(msg) == OK, "DestroyMessage after AddMessage");
  }
  CHECK(DestroyBatchMessage(batch) == OK, "DestroyBatchMessage");
}

/* Getters of one message from several threads while another changes it:
   what each reads is unspecified, but nothing may crash or corrupt memory. */
static CMessage* shared_msg;

static void* reader(void* arg) {
  int i;
  (void)arg;
  for (i = 0; i < 2000; i++) {
    const char* t = GetOriginMessageTags(shared_msg);
    const char* b = GetMessageBody((CMessageExt*)shared_msg);
    if (t == NULL || b == NULL) return (void*)1;
    (void)GetMessageProperty((CMessageExt*)shared_msg, "p");
    (void)GetOriginMessageBodyLength(shared_msg);
  }
  return NULL;
}

static void test_threads(void) {
  pthread_t threads[4];
  int i, started = 0;
  shared_msg = CreateMessage("T");
  SetMessageTags(shared_msg, "x");
  for (i = 0; i < 4; i++) {
    if (pthread_create(&threads[i], NULL, reader, NULL) == 0) started++;
  }
  for (i = 0; i < 2000; i++) {
    SetMessageProperty(shared_msg, "p", (i & 1) ? "odd" : "even");
    SetMessageBody(shared_msg, (i & 1) ? "odd body" : "even body");
  }
  for (i = 0; i < started; i++) {
    void* rc = NULL;
    pthread_join(threads[i], &rc);
    CHECK(rc == NULL, "reader thread %d saw NULL from a live message", i);
  }
  CHECK(DestroyMessage(shared_msg) == OK, "DestroyMessage");
}

int main(void) {
  test_create_and_defaults();
  test_setters_and_getters();
  test_binary_body();
  test_ext_getters_on_a_message();
  test_null_arguments();
  test_use_after_destroy();
  test_wrong_kind();
  test_batch();
  test_threads();
  if (failures != 0) {
    fprintf(stderr, "message_api: %d checks failed\n", failures);
    return 1;
  }
  printf("message_api: all checks passed\n");
  return 0;
}
