package trace

import (
	"bytes"
	"strconv"
)

// Wire constants of upstream's TraceConstants.
const (
	// Topic is the default trace topic.
	Topic = "RMQ_SYS_TRACE_TOPIC"
	// GroupPrefix starts the group of the internal producer that sends trace messages.
	GroupPrefix = "_INNER_TRACE_PRODUCER"
	// ContentSeparator separates the fields of a record.
	ContentSeparator byte = 1
	// FieldSeparator ends a record.
	FieldSeparator byte = 2
	// MaxBatchContexts is the most contexts one trace message carries.
	MaxBatchContexts = 100
	// MaxBatchBytes is the body size at which a trace message is sent.
	MaxBatchBytes = 128000
)

// Type is a record's kind, written as its first field.
type Type string

const (
	Pub            Type = "Pub"
	SubBefore      Type = "SubBefore"
	SubAfter       Type = "SubAfter"
	EndTransaction Type = "EndTransaction"
)

// MsgType is Java's MessageType; the records carry its ordinal.
type MsgType int

const (
	NormalMsg      MsgType = 0
	TransMsgHalf   MsgType = 1
	TransMsgCommit MsgType = 2
	DelayMsg       MsgType = 3
)

// Context codes (ConsumeReturnType ordinals) of SubAfter records.
const (
	CodeSuccess    = 0
	CodeTimeout    = 1
	CodeException  = 2
	CodeReturnNull = 3
	CodeFailed     = 4
)

// Bean is one traced message.
type Bean struct {
	Topic       string
	MsgID       string // the client id (UNIQ_KEY), or the offset id when there is none
	OffsetMsgID string
	Tags        string
	Keys        string // the KEYS property as is (space-separated)
	StoreHost   string
	BodyLength  int
	MsgType     MsgType
	RetryTimes  int

	TransactionID        string
	TransactionState     string // COMMIT_MESSAGE, ROLLBACK_MESSAGE or UNKNOW
	FromTransactionCheck bool
}

// Context is one traced event: a send (one bean), a listener call (one bean per message)
// or a transaction's end.
type Context struct {
	Type        Type
	TimeStamp   int64 // ms
	RegionID    string
	Group       string
	RequestID   string
	CostTime    int64 // ms
	Success     bool
	ContextCode int
	Beans       []Bean
}

// Append appends c's records to dst. Pub and EndTransaction write their first bean only,
// as upstream does; SubBefore and SubAfter write one record per bean.
func Append(dst []byte, c *Context) []byte {
	w := writer{dst}
	switch c.Type {
	case Pub:
		if len(c.Beans) == 0 {
			return dst
		}
		b := &c.Beans[0]
		w.s(string(Pub)).i(c.TimeStamp).s(c.RegionID).s(c.Group).s(b.Topic).s(b.MsgID).s(b.Tags).
			s(b.Keys).s(b.StoreHost).i(int64(b.BodyLength)).i(c.CostTime).i(int64(b.MsgType)).
			s(b.OffsetMsgID).end(strconv.FormatBool(c.Success))
	case SubBefore:
		for i := range c.Beans {
			b := &c.Beans[i]
			w.s(string(SubBefore)).i(c.TimeStamp).s(c.RegionID).s(c.Group).s(c.RequestID).
				s(b.MsgID).i(int64(b.RetryTimes)).end(b.Keys)
		}
	case SubAfter:
		for i := range c.Beans {
			b := &c.Beans[i]
			w.s(string(SubAfter)).s(c.RequestID).s(b.MsgID).i(c.CostTime).
				s(strconv.FormatBool(c.Success)).s(b.Keys).i(int64(c.ContextCode)).
				i(c.TimeStamp).end(c.Group)
		}
	case EndTransaction:
		if len(c.Beans) == 0 {
			return dst
		}
		b := &c.Beans[0]
		w.s(string(EndTransaction)).i(c.TimeStamp).s(c.RegionID).s(c.Group).s(b.Topic).
			s(b.MsgID).s(b.Tags).s(b.Keys).s(b.StoreHost).i(int64(b.MsgType)).
			s(b.TransactionID).s(b.TransactionState).end(strconv.FormatBool(b.FromTransactionCheck))
	}
	return w.b
}

// Encode returns c's records.
func Encode(c *Context) []byte { return Append(nil, c) }

// Keys returns the keys a trace message carrying c gets: each bean's msgId, then its
// KEYS when it has any.
func (c *Context) Keys() []string {
	var out []string
	for i := range c.Beans {
		if id := c.Beans[i].MsgID; id != "" {
			out = append(out, id)
		}
		if k := c.Beans[i].Keys; k != "" {
			out = append(out, k)
		}
	}
	return out
}

// Split cuts a trace message body into records and each record into its fields.
func Split(body []byte) [][]string {
	var out [][]string
	for _, rec := range bytes.Split(body, []byte{FieldSeparator}) {
		if len(rec) == 0 {
			continue
		}
		parts := bytes.Split(rec, []byte{ContentSeparator})
		fields := make([]string, len(parts))
		for i, p := range parts {
			fields[i] = string(p)
		}
		out = append(out, fields)
	}
	return out
}

type writer struct{ b []byte }

func (w *writer) s(v string) *writer {
	w.b = append(append(w.b, v...), ContentSeparator)
	return w
}

func (w *writer) i(v int64) *writer {
	w.b = append(strconv.AppendInt(w.b, v, 10), ContentSeparator)
	return w
}

func (w *writer) end(v string) {
	w.b = append(append(w.b, v...), FieldSeparator)
}
