package remoting

import "errors"

var (
	// ErrClosed is returned for calls on a closed connection or client, and given to every
	// call still waiting when its connection closes.
	ErrClosed = errors.New("remoting: connection closed")
	// ErrTimeout is returned when no response arrived within the call's timeout.
	ErrTimeout error = timeoutError{}
)

// timeoutError satisfies net.Error so callers can treat it like a network timeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return "remoting: request timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
