package remoting

import (
	"fmt"
	"strconv"
)

// SerializeType is the header encoding, carried in the high byte of a frame's header length.
type SerializeType byte

const (
	// JSON is what Java and rocketmq-client-go send by default.
	JSON SerializeType = 0
	// RocketMQ is the compact binary header encoding.
	RocketMQ SerializeType = 1
)

func (t SerializeType) String() string {
	switch t {
	case JSON:
		return "JSON"
	case RocketMQ:
		return "ROCKETMQ"
	}
	return "SerializeType(" + strconv.Itoa(int(t)) + ")"
}

// Language identifies the implementation that sent a command. JSON headers carry its name,
// binary headers its number.
type Language byte

const (
	Java   Language = 0
	CPP    Language = 1
	DotNet Language = 2
	Python Language = 3
	Delphi Language = 4
	Erlang Language = 5
	Ruby   Language = 6
	Other  Language = 7
	HTTP   Language = 8
	Go     Language = 9
	PHP    Language = 10
	OMS    Language = 11
	Rust   Language = 12
)

var languageNames = [...]string{"JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER", "HTTP", "GO", "PHP", "OMS", "RUST"}

func (l Language) String() string {
	if int(l) < len(languageNames) {
		return languageNames[l]
	}
	return "OTHER"
}

// languageByName maps a JSON language name to its code; unknown names become Other so a
// newer peer never makes a header undecodable.
func languageByName(name []byte) Language {
	for i, n := range languageNames {
		if string(name) == n {
			return Language(i)
		}
	}
	return Other
}

// Flag bits of a command.
const (
	flagResponse = 1 << 0
	flagOneway   = 1 << 1
)

// Version is the MQVersion ordinal we announce: V4_9_4 (401), the first version the name
// server answers with standard JSON route data.
const Version int32 = 401

// Command is one remoting frame: a request or a response. ExtFields carries the
// request-specific header; its values are always strings, as upstream's custom headers are.
type Command struct {
	Code      int32
	Language  Language
	Version   int32
	Opaque    int32
	Flag      int32
	Remark    string
	ExtFields map[string]string
	Body      []byte

	// SerializeType is the header encoding used on the wire. A response is sent in the
	// encoding of its request.
	SerializeType SerializeType
}

// NewRequest builds a request with our language and version. The opaque is assigned when
// the request is sent.
func NewRequest(code int32, ext map[string]string, body []byte) *Command {
	return &Command{Code: code, Language: Go, Version: Version, ExtFields: ext, Body: body}
}

// NewResponse builds a response with the given code and remark; Conn.Reply fills in the
// opaque, the response flag and the serialize type from the request it answers.
func NewResponse(code int32, remark string) *Command {
	return &Command{Code: code, Language: Java, Version: Version, Remark: remark}
}

// IsResponse reports whether the response flag is set.
func (c *Command) IsResponse() bool { return c.Flag&flagResponse != 0 }

// IsOneway reports whether the sender expects no response. rocketmq-client-go never sets
// this bit on its oneway calls, so receivers must also tolerate unanswered responses.
func (c *Command) IsOneway() bool { return c.Flag&flagOneway != 0 }

// MarkResponse sets the response flag.
func (c *Command) MarkResponse() { c.Flag |= flagResponse }

// MarkOneway sets the oneway flag.
func (c *Command) MarkOneway() { c.Flag |= flagOneway }

// Ext returns an ext field, or "" when absent.
func (c *Command) Ext(key string) string { return c.ExtFields[key] }

// SetExt sets an ext field, creating the map on first use.
func (c *Command) SetExt(key, value string) {
	if c.ExtFields == nil {
		c.ExtFields = make(map[string]string, 8)
	}
	c.ExtFields[key] = value
}

// String is for logs: it leaves out the body.
func (c *Command) String() string {
	kind := "request"
	if c.IsResponse() {
		kind = "response"
	}
	return fmt.Sprintf("%s{code=%d opaque=%d flag=%d lang=%s version=%d remark=%q ext=%v body=%dB}",
		kind, c.Code, c.Opaque, c.Flag, c.Language, c.Version, c.Remark, c.ExtFields, len(c.Body))
}

// Error is a response whose code is not the one the caller expected.
type Error struct {
	Code   int32
	Remark string
}

func (e *Error) Error() string {
	return "rocketmq: broker answered code " + strconv.Itoa(int(e.Code)) + ": " + e.Remark
}

// AsError turns a response into an *Error.
func (c *Command) AsError() *Error { return &Error{Code: c.Code, Remark: c.Remark} }
