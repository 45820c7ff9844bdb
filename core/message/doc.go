// Package message holds the RocketMQ 4.x message model and every byte-level
// encoding of a message that travels over the remoting protocol or sits in a
// broker's commit log:
//
//   - the properties string (k 0x01 v 0x02 ...), which carries tags, keys,
//     delay levels, transaction markers and user properties;
//   - the stored-message record, which is what the broker writes to its commit
//     log and returns verbatim in PULL_MESSAGE, VIEW_MESSAGE_BY_ID and
//     QUERY_MESSAGE bodies;
//   - the SEND_BATCH_MESSAGE body;
//   - zlib body compression as Java producers apply it;
//   - the two message ids: the broker's offset message id (store host +
//     commit-log offset) and the client's UNIQ_KEY;
//   - Java String.hashCode tag codes used for broker-side tag filtering.
//
// Client and broker code both build on it, so the decoders treat their input
// as hostile: they never panic and never size an allocation from a length
// field they have not checked against the bytes actually present.
package message
