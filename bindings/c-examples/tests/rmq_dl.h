/*
 * rmq_dl.h - the few library functions the host-process tests call, looked
 * up with dlopen/dlsym, so that a test decides when the library (and with it
 * the Go runtime) is loaded. Include before rmq_test.h.
 */

#ifndef RMQ_DL_H
#define RMQ_DL_H

#include "CMessage.h"
#include "CMessageExt.h"
#include "CProducer.h"
#include "CPushConsumer.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static const char* (*p_GetLatestErrorMessage)(void);
#define LAST_ERROR() p_GetLatestErrorMessage()

static CProducer* (*p_CreateProducer)(const char*);
static int (*p_SetProducerNameServerAddress)(CProducer*, const char*);
static int (*p_SetProducerSendMsgTimeout)(CProducer*, int);
static int (*p_StartProducer)(CProducer*);
static int (*p_SendMessageSync)(CProducer*, CMessage*, CSendResult*);
static int (*p_ShutdownProducer)(CProducer*);
static int (*p_DestroyProducer)(CProducer*);
static CMessage* (*p_CreateMessage)(const char*);
static int (*p_SetMessageBody)(CMessage*, const char*);
static int (*p_DestroyMessage)(CMessage*);
static CPushConsumer* (*p_CreatePushConsumer)(const char*);
static int (*p_SetPushConsumerNameServerAddress)(CPushConsumer*, const char*);
static int (*p_Subscribe)(CPushConsumer*, const char*, const char*);
static int (*p_RegisterMessageCallback)(CPushConsumer*, MessageCallBack);
static int (*p_StartPushConsumer)(CPushConsumer*);
static int (*p_ShutdownPushConsumer)(CPushConsumer*);
static int (*p_DestroyPushConsumer)(CPushConsumer*);

static void* rmq_dl_sym(void* lib, const char* name) {
  void* f = dlsym(lib, name);
  if (f == NULL) {
    fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
    exit(1);
  }
  return f;
}

/* dlopen the library at path and fill the p_ pointers; exits on failure. */
static void rmq_dl_load(const char* path) {
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
    exit(1);
  }
#define RMQ_SYM(name) *(void**)(&p_##name) = rmq_dl_sym(lib, #name)
  RMQ_SYM(GetLatestErrorMessage);
  RMQ_SYM(CreateProducer);
  RMQ_SYM(SetProducerNameServerAddress);
  RMQ_SYM(SetProducerSendMsgTimeout);
  RMQ_SYM(StartProducer);
  RMQ_SYM(SendMessageSync);
  RMQ_SYM(ShutdownProducer);
  RMQ_SYM(DestroyProducer);
  RMQ_SYM(CreateMessage);
  RMQ_SYM(SetMessageBody);
  RMQ_SYM(DestroyMessage);
  RMQ_SYM(CreatePushConsumer);
  RMQ_SYM(SetPushConsumerNameServerAddress);
  RMQ_SYM(Subscribe);
  RMQ_SYM(RegisterMessageCallback);
  RMQ_SYM(StartPushConsumer);
  RMQ_SYM(ShutdownPushConsumer);
  RMQ_SYM(DestroyPushConsumer);
#undef RMQ_SYM
}

#endif
