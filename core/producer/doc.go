// Package producer sends messages: the Go core behind the C API's CProducer. It follows
// the C++ client (rocketmq-client-cpp 2.x) where that client defines behaviour — defaults,
// validation, retries, compression, orderly and sharding-key queue choice, transactions —
// and Java's client for the wire protocol: singles go out as SEND_MESSAGE_V2 (310),
// batches as SEND_BATCH_MESSAGE (320).
//
// The send path: validate and encode the message once (UNIQ_KEY, properties, compression;
// the caller's Message is never modified) → the topic's queues from the client's route
// cache, falling back to TBW102's route so the broker creates the topic → a queue chosen
// round-robin, skipping brokers that recently failed or were slow (fault.go) → the request
// header filled into a pooled map → remoting.Client on the broker's connection → the
// answer mapped to a SendResult, or retried on another broker within SendTimeout.
//
// Files by concern: config.go (settings and defaults), errors.go (sentinel errors),
// producer.go (lifecycle), validate.go, encode.go (wire form and pooled headers),
// publish.go (queues and selection), fault.go (latency fault avoidance), send.go (sync and
// oneway, the retry loop), async.go (async sends and the callback pool), selector.go and
// hash.go (orderly sends, sharding key), batch.go, transaction.go, result.go.
package producer
