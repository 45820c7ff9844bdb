/*
 * consumer.c - a user of the installed library: both include styles of the
 * headers, calls that need no broker, and a non-zero exit on any surprise.
 */
#include <stdio.h>
#include <string.h>

#include <rocketmq/CMessage.h>
#include "CErrorMessage.h"
#include "CProducer.h"

int main(void) {
  CMessage* msg = CreateMessage("PackageTopic");
  CProducer* producer = CreateProducer("GID_package");
  const char* version;
  int failures = 0;

  if (msg == NULL || producer == NULL) {
    fprintf(stderr, "CreateMessage/CreateProducer failed: %s\n", GetLatestErrorMessage());
    return 1;
  }
  if (SetMessageTags(msg, "tag") != OK || strcmp(GetOriginMessageTags(msg), "tag") != 0) {
    fprintf(stderr, "message tags did not round-trip\n");
    failures++;
  }
  if (DestroyMessage(NULL) == OK || GetLatestErrorMessage()[0] == '\0') {
    fprintf(stderr, "DestroyMessage(NULL) did not fail with an error message\n");
    failures++;
  }
  version = ShowProducerVersion(producer);
  if (version == NULL || version[0] == '\0') {
    fprintf(stderr, "ShowProducerVersion returned nothing\n");
    failures++;
  } else {
    printf("%s\n", version);
  }
  DestroyMessage(msg);
  DestroyProducer(producer);
  return failures == 0 ? 0 : 1;
}
