package producer

import "errors"

// Sentinel errors. Returned errors wrap them (test with errors.Is) together with the
// detail; a broker's refusal is also wrapped as a *remoting.Error (errors.As gives its code
// and remark), and transport failures wrap remoting.ErrTimeout or remoting.ErrClosed.
var (
	// ErrInvalidConfig is returned by New for a setting out of range.
	ErrInvalidConfig = errors.New("rocketmq: invalid producer config")

	// ErrNotStarted is returned by every send before Start.
	ErrNotStarted = errors.New("rocketmq: producer not started")

	// ErrShutdown is returned by every send once Shutdown has begun, and by Start after
	// Shutdown (a producer is not restartable; create a new one).
	ErrShutdown = errors.New("rocketmq: producer shut down")

	// ErrMessageIllegal is returned, before any network I/O, for a message the broker
	// would refuse or that the C++ client refuses: nil message, blank, too long,
	// badly spelled or reserved topic, empty body, body over MaxMessageSize, properties
	// over 32767 bytes, and batches that mix topics or WAIT values, carry DELAY or
	// target a %RETRY% topic. The wrapping error says which rule failed.
	ErrMessageIllegal = errors.New("rocketmq: message illegal")

	// ErrNilArgument is returned for a nil callback, selector or transaction executor.
	ErrNilArgument = errors.New("rocketmq: nil argument")

	// ErrNoRoute is returned when neither the topic nor TBW102 has a route with a writable
	// queue, or the name servers cannot be reached.
	ErrNoRoute = errors.New("rocketmq: no route info for topic")

	// ErrQueueIndex is returned by the orderly sends when the selector answers an index
	// outside 0..queueCount-1 (the C++ client indexes out of bounds there).
	ErrQueueIndex = errors.New("rocketmq: queue selector returned an index out of range")

	// ErrSendFailed wraps the last attempt's error once a send has used up its attempts or
	// its SendTimeout, or met an error that is not retried.
	ErrSendFailed = errors.New("rocketmq: send failed")

	// ErrNotStoredOK is wrapped by ErrSendFailed when every attempt was answered with a
	// status other than SEND_OK (flush or slave timeouts). The message was stored; the
	// result of the last attempt is returned alongside the error, so callers can tell.
	ErrNotStoredOK = errors.New("rocketmq: broker stored the message without SEND_OK")

	// ErrShutdownTimeout is returned by Shutdown when callbacks or transaction checks were
	// still running when its wait ended; the producer is shut down regardless.
	ErrShutdownTimeout = errors.New("rocketmq: producer shutdown timed out waiting for callbacks")
)
