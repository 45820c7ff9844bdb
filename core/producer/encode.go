package producer

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// propertyShardingKey is what the C++ client's SendMessageOrderlyByShardingKey sets (Java
// 5's MessageConst.PROPERTY_SHARDING_KEY); rocketmq-client-go's "SHARDING_KEY" differs.
const propertyShardingKey = "__SHARDINGKEY"

// outgoing is a message as it goes on the wire, prepared once per send and reused by
// every attempt, so retries carry the same UNIQ_KEY, body and properties. The caller's
// Message is never modified: upstream writes UNIQ_KEY and the compressed body back into
// it, which races when one Message is shared by goroutines and makes a reused Message
// resend its first id.
type outgoing struct {
	topic   string
	body    []byte // compressed when the original was large enough
	sysFlag int32
	flag    int32
	props   string // wire properties, UNIQ_KEY included
	born    string // bornTimestamp in ms, decimal
	msgID   string // UNIQ_KEY; a batch's ids joined by ","
	batch   bool

	// %RETRY% topics carry these in the header instead of the properties, as in Java.
	reconsumeTimes    string
	maxReconsumeTimes string
}

// prop is a property that the send mode sets or (with an empty value) removes on the wire
// without touching the caller's map.
type prop struct{ k, v string }

// overrides collects what a send mode changes in the properties. It lives on the stack.
type overrides struct {
	list [6]prop
	n    int
}

func (o *overrides) set(k, v string) {
	o.list[o.n] = prop{k, v}
	o.n++
}

func (o *overrides) slice() []prop { return o.list[:o.n] }

func overridden(k string, over []prop) bool {
	for _, p := range over {
		if p.k == k {
			return true
		}
	}
	return false
}

// encodable mirrors message.AppendProperties: entries the parser would drop or that would
// corrupt their neighbours are left out.
func encodable(k, v string) bool {
	return k != "" && v != "" &&
		strings.IndexByte(k, message.NameValueSeparator) < 0 &&
		strings.IndexByte(k, message.PropertySeparator) < 0 &&
		strings.IndexByte(v, message.PropertySeparator) < 0
}

// appendProps writes m with over applied, in the wire form k 0x01 v 0x02 ... without a
// trailing separator (as Java writes it).
func appendProps(dst []byte, m map[string]string, over []prop) []byte {
	start := len(dst)
	sep := func() {
		if len(dst) > start {
			dst = append(dst, message.PropertySeparator)
		}
	}
	for k, v := range m {
		if !encodable(k, v) || overridden(k, over) {
			continue
		}
		sep()
		dst = append(append(append(dst, k...), message.NameValueSeparator), v...)
	}
	for _, p := range over {
		if !encodable(p.k, p.v) {
			continue
		}
		sep()
		dst = append(append(append(dst, p.k...), message.NameValueSeparator), p.v...)
	}
	return dst
}

// scratch buffers build each send's strings; only the final string is allocated.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// sendMode is what a send function adds to the plain message.
type sendMode struct {
	transactionGroup string // set: a transaction's half message
	shardingKey      string
	hasShardingKey   bool
}

// prepare validates msg and builds its wire form. It does no network I/O.
func (p *Producer) prepare(msg *message.Message, mode sendMode) (outgoing, error) {
	if err := p.checkMessage(msg); err != nil {
		return outgoing{}, err
	}
	o := outgoing{topic: msg.Topic, body: msg.Body, flag: msg.Flag}
	var over overrides
	o.msgID = msg.Properties[message.PropertyUniqClientMessageIDKeyIndex]
	newID := o.msgID == ""
	if mode.transactionGroup != "" {
		over.set(message.PropertyTransactionPrepared, "true")
		over.set(message.PropertyProducerGroup, mode.transactionGroup)
		// A half message must not be delayed; Java drops DELAY the same way.
		over.set(message.PropertyDelayTimeLevel, "")
	}
	if mode.hasShardingKey {
		over.set(propertyShardingKey, mode.shardingKey)
	}
	if message.IsRetryTopic(msg.Topic) {
		o.reconsumeTimes = msg.Properties[message.PropertyReconsumeTime]
		o.maxReconsumeTimes = msg.Properties[message.PropertyMaxReconsumeTimes]
		over.set(message.PropertyReconsumeTime, "")
		over.set(message.PropertyMaxReconsumeTimes, "")
	}
	if mode.transactionGroup != "" || msg.Properties[message.PropertyTransactionPrepared] == "true" {
		o.sysFlag |= message.SysFlagTransactionPrepared
	}
	if len(o.body) >= p.cfg.CompressOver {
		z, err := message.Compress(o.body, p.cfg.CompressLevel)
		if err != nil {
			return outgoing{}, err
		}
		o.body = z
		// Only the flag bit, as the C++ and Go clients set it: type bits 0 mean zlib to
		// every decoder, and older consumers know nothing else.
		o.sysFlag |= message.SysFlagCompressed
	}

	bp := scratchPool.Get().(*[]byte)
	buf := appendProps((*bp)[:0], msg.Properties, over.slice())
	idAt := len(buf)
	if newID {
		// Written last, straight into the properties: the id needs no string of its own.
		if len(buf) > 0 {
			buf = append(buf, message.PropertySeparator)
		}
		buf = append(append(buf, message.PropertyUniqClientMessageIDKeyIndex...), message.NameValueSeparator)
		idAt = len(buf)
		buf = p.ids.AppendNext(buf)
	}
	n := len(buf)
	buf = strconv.AppendInt(buf, time.Now().UnixMilli(), 10)
	// One string for the header values built here: they live and die together.
	s := string(buf)
	*bp = buf
	scratchPool.Put(bp)
	o.props, o.born = s[:n], s[n:]
	if newID {
		o.msgID = s[idAt:n]
	}
	if len(o.props) > maxPropertiesLen {
		return outgoing{}, illegal("the message properties are %d bytes, more than %d", len(o.props), maxPropertiesLen)
	}
	return o, nil
}

// wireProperties is prepare's property map, for the transaction executor's view of the
// half message.
func wireProperties(o *outgoing) map[string]string {
	return message.ParseProperties([]byte(o.props))
}

// Header keys of SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE (SendMessageRequestHeaderV2).
const (
	keyProducerGroup     = "a"
	keyTopic             = "b"
	keyDefaultTopic      = "c"
	keyDefaultQueueNums  = "d"
	keyQueueID           = "e"
	keySysFlag           = "f"
	keyBornTimestamp     = "g"
	keyFlag              = "h"
	keyProperties        = "i"
	keyReconsumeTimes    = "j"
	keyUnitMode          = "k"
	keyMaxReconsumeTimes = "l"
	keyBatch             = "m"
	keyBrokerName        = "n"
	sendKeys             = 14
)

// defaultTopicQueueNums is what the broker gives a topic it creates on first send.
const defaultTopicQueueNums = 4

// request is a pooled SEND_MESSAGE_V2 header. The ext map keeps its keys between uses,
// so filling it allocates nothing; the remoting encoder writes it synchronously, so it is
// free again as soon as Invoke* returns. The Command is for sync and oneway calls; an
// async send keeps its own in its asyncSend, which remoting may hand back (a timeout,
// say) before InvokeAsyncHandler returns.
type request struct {
	ext map[string]string
	cmd remoting.Command
}

var requestPool = sync.Pool{New: func() any { return &request{ext: make(map[string]string, sendKeys+4)} }}

func getRequest() *request { return requestPool.Get().(*request) }

func putRequest(r *request) { requestPool.Put(r) }

func (r *request) fill(group string, o *outgoing, brokerName string, queueID int) map[string]string {
	e := r.ext
	if len(e) > sendKeys {
		clear(e) // a BeforeRequest hook (ACL signing) added its own keys
	}
	e[keyProducerGroup] = group
	e[keyTopic] = o.topic
	e[keyDefaultTopic] = message.DefaultTopic
	e[keyDefaultQueueNums] = "4"
	e[keyQueueID] = strconv.Itoa(queueID)
	e[keySysFlag] = strconv.Itoa(int(o.sysFlag))
	e[keyBornTimestamp] = o.born
	e[keyFlag] = strconv.Itoa(int(o.flag))
	e[keyProperties] = o.props
	e[keyReconsumeTimes] = "0"
	if o.reconsumeTimes != "" {
		e[keyReconsumeTimes] = o.reconsumeTimes
	}
	if o.maxReconsumeTimes != "" {
		e[keyMaxReconsumeTimes] = o.maxReconsumeTimes
	} else {
		delete(e, keyMaxReconsumeTimes)
	}
	e[keyUnitMode] = "false"
	e[keyBatch] = strconv.FormatBool(o.batch)
	e[keyBrokerName] = brokerName
	return e
}

func sendCode(o *outgoing) int32 {
	if o.batch {
		return remoting.SendBatchMessage
	}
	return remoting.SendMessageV2
}

// command fills the pooled Command for a sync or oneway call.
func (r *request) command(o *outgoing) *remoting.Command {
	r.cmd = remoting.Command{Code: sendCode(o), Language: remoting.Go, Version: remoting.Version, ExtFields: r.ext, Body: o.body}
	return &r.cmd
}
