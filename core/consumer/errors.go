package consumer

import "errors"

// Errors returned by the consumers' methods; test with errors.Is.
var (
	// ErrBadGroup: Start or NewPush/NewPull with a blank group, or DEFAULT_CONSUMER for a
	// push consumer (upstream refuses it too).
	ErrBadGroup = errors.New("consumer: group is blank or reserved")
	// ErrNoListener: Start of a push consumer before RegisterListener or
	// RegisterOrderlyListener (the C API's "messageListener is null").
	ErrNoListener = errors.New("consumer: no message listener registered")
	// ErrStarted: Subscribe or Register* after Start; they take effect at Start only.
	ErrStarted = errors.New("consumer: already started")
	// ErrNotStarted: a PullConsumer call before Start.
	ErrNotStarted = errors.New("consumer: not started")
	// ErrShutdown: any call but Shutdown after Shutdown; a consumer does not restart.
	ErrShutdown = errors.New("consumer: shut down")
	// ErrBadTopic: Subscribe or a pull with a blank topic.
	ErrBadTopic = errors.New("consumer: topic is blank")
	// ErrBadArgument: Pull with a negative offset or a non-positive maxNums.
	ErrBadArgument = errors.New("consumer: bad argument")
	// ErrNoQueues: the topic's route has no readable queue.
	ErrNoQueues = errors.New("consumer: no readable queue for the topic")
)
