package devbroker

// Admin requests: GET_CONSUMER_RUNNING_INFO (307) and CONSUME_MESSAGE_DIRECTLY (309),
// forwarded to a consumer; GET_CONSUMER_CONNECTION_LIST (203), GET_TOPIC_STATS_INFO (202),
// GET_CONSUME_STATS (208) and GET_ALL_TOPIC_CONFIG (21), answered from the broker's tables.
//
// Behaviour, as the 4.9.x broker (AdminBrokerProcessor, Broker2Client):
//   - 307 and 309 go to the connection of the named client in the named group, with the
//     admin's ext fields (309 adds brokerName and carries the message the offset msgId
//     points at as its body); the client's answer is returned as it is. An unknown client
//     is SYSTEM_ERROR "The Consumer <group> <clientId> not online"; no answer within 10 s is
//     CONSUME_MSG_TIMEOUT, a failed call SYSTEM_ERROR "invoke consumer ... Exception".
//   - 203 answers ConsumerConnection (the group's connections with client id, address,
//     language and version of their latest heartbeat; its subscriptions, consume type,
//     message model, consume-from-where), or CONSUMER_NOT_ONLINE "the consumer group[g] not
//     online".
//   - 202 answers TopicStatsTable: per write queue the min and max offsets and the store
//     time of the newest message; TOPIC_NOT_EXIST "topic[t] not exist" for an unknown topic.
//   - 208 answers ConsumeStats for one topic, or for every topic the group has offsets in:
//     per read queue the max offset, the committed offset (0 when none) and the store time
//     of the last consumed message. A group that is online skips topics it does not
//     subscribe to. consumeTps is summed over the topics.
//   - Bodies are written as fastjson writes them: fields in alphabetical order, enums by
//     name, null fields left out, and MessageQueue keys as JSON objects
//     ({{"brokerName":"b","queueId":0,"topic":"T"}:{...}}), which is not standard JSON.
//
// Simplifications and differences:
//   - Java's consumeTps counts messages pulled per second over the last minute; ours counts
//     committed offsets, sampled every second over the last minute.
//   - Maps and sets come out sorted; Java writes them in hash order.
//   - No version check of the consumer (Java refuses clients older than V3_1_8); 309 with a
//     bad msgId or one pointing at no message is SYSTEM_ERROR with our own remark where
//     Java fails with an exception's text.
//   - dataVersion of GET_ALL_TOPIC_CONFIG is the broker's start time and counter 0.

import (
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

const (
	// callClientTimeout is Broker2Client.callClient's.
	callClientTimeout = 10 * time.Second
	tpsWindow         = time.Minute
	tpsSampleEvery    = time.Second
)

// adminState is what the admin requests need beyond the other tables: each connection's
// language and version, and the consumption rate samples.
type adminState struct {
	b       *Broker
	started int64

	mu    sync.Mutex
	peers map[*remoting.Conn]peerInfo

	tpsMu   sync.Mutex
	samples []tpsSample // oldest first, spanning at most tpsWindow
}

type peerInfo struct {
	language remoting.Language
	version  int32
}

type groupTopic struct{ group, topic string }

type tpsSample struct {
	at   time.Time
	sums map[groupTopic]int64 // committed offsets summed over the queues
}

func newAdminState(b *Broker) *adminState {
	a := &adminState{b: b, started: time.Now().UnixMilli(), peers: make(map[*remoting.Conn]peerInfo)}
	b.wg.Add(1)
	go a.sampleLoop()
	return a
}

func (b *Broker) registerAdmin(s *remoting.Server) {
	b.handle(s, remoting.GetConsumerRunningInfo, b.handleGetConsumerRunningInfo)
	b.handle(s, remoting.ConsumeMessageDirectly, b.handleConsumeMessageDirectly)
	b.handle(s, remoting.GetConsumerConnectionList, b.handleGetConsumerConnectionList)
	b.handle(s, remoting.GetTopicStatsInfo, b.handleGetTopicStatsInfo)
	b.handle(s, remoting.GetConsumeStats, b.handleGetConsumeStats)
	b.handle(s, remoting.GetAllTopicConfig, b.handleGetAllTopicConfig)
}

// notingClient wraps the heartbeat processor to remember the language and version the
// client announces, which Java keeps in its ClientChannelInfo.
func (a *adminState) notingClient(p remoting.Processor) remoting.Processor {
	return func(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
		a.mu.Lock()
		a.peers[conn] = peerInfo{language: req.Language, version: req.Version}
		a.mu.Unlock()
		return p(conn, req)
	}
}

func (a *adminState) connectionClosed(conn *remoting.Conn) {
	a.mu.Lock()
	delete(a.peers, conn)
	a.mu.Unlock()
}

func (a *adminState) peer(conn *remoting.Conn) (peerInfo, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.peers[conn]
	return p, ok
}

// --- forwarding to a consumer ---

func (b *Broker) handleGetConsumerRunningInfo(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	group, clientID := f.str("consumerGroup", true), f.str("clientId", true)
	if bad := f.failure(); bad != nil {
		return bad
	}
	return b.callConsumer(conn, req, group, clientID, req.Body)
}

func (b *Broker) handleConsumeMessageDirectly(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	group, clientID, msgID := f.str("consumerGroup", true), f.str("clientId", false), f.str("msgId", false)
	if bad := f.failure(); bad != nil {
		return bad
	}
	_, phy, err := message.ParseOffsetMsgID(msgID)
	if err != nil {
		return fail(remoting.SystemError, "bad msgId %q: %v", msgID, err)
	}
	record, err := b.store.recordAt(phy)
	// An offset inside a record can pass for a record's start; its magic code and its own
	// offset field tell.
	if err != nil || int32(binary.BigEndian.Uint32(record[4:])) != message.MagicCode ||
		int64(binary.BigEndian.Uint64(record[recPhyOffsetAt:])) != phy {
		return fail(remoting.SystemError, "no message at commit log offset %d (msgId %s)", phy, msgID)
	}
	req.SetExt("brokerName", b.cfg.BrokerName)
	return b.callConsumer(conn, req, group, clientID, record)
}

// callConsumer forwards the admin's request to the client and answers the admin when the
// client does, without holding up the admin connection's other requests.
func (b *Broker) callConsumer(conn *remoting.Conn, req *remoting.Command, group, clientID string, body []byte) *remoting.Command {
	target := b.clients.memberConn(group, clientID)
	if target == nil {
		return fail(remoting.SystemError, "The Consumer <%s> <%s> not online", group, clientID)
	}
	fwd := &remoting.Command{Code: req.Code, Language: remoting.Java, Version: remoting.Version,
		ExtFields: maps.Clone(req.ExtFields), Body: body}
	failed := func(err error) *remoting.Command {
		if errors.Is(err, remoting.ErrTimeout) {
			return fail(remoting.ConsumeMsgTimeout, "consumer <%s> <%s> Timeout: %v", group, clientID, err)
		}
		return fail(remoting.SystemError, "invoke consumer <%s> <%s> Exception: %v", group, clientID, err)
	}
	err := target.InvokeAsync(fwd, callClientTimeout, func(resp *remoting.Command, err error) {
		if err != nil {
			resp = failed(err)
		}
		if err := conn.Reply(req, resp); err != nil {
			b.log.Debug("answer a forwarded admin request", "code", req.Code, "err", err)
		}
	})
	if err != nil {
		return failed(err)
	}
	return nil
}

// memberConn is the connection of a consumer group's member, or nil.
func (c *clientTable) memberConn(group, clientID string) *remoting.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.consumers[group]; g != nil {
		if m := g.members[clientID]; m != nil {
			return m.conn
		}
	}
	return nil
}

// --- GET_CONSUMER_CONNECTION_LIST ---

type connectionView struct {
	clientID string
	conn     *remoting.Conn
}

// groupView is a copy of a consumer group's state.
type groupView struct {
	members                                []connectionView // by client id
	subs                                   []subscription   // by topic
	consumeType, messageModel, consumeFrom string
}

func (c *clientTable) view(group string) (groupView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.consumers[group]
	if g == nil {
		return groupView{}, false
	}
	v := groupView{consumeType: g.consumeType, messageModel: g.messageModel, consumeFrom: g.consumeFromWhere}
	for id, m := range g.members {
		v.members = append(v.members, connectionView{id, m.conn})
	}
	for _, s := range g.subs {
		v.subs = append(v.subs, s)
	}
	slices.SortFunc(v.members, func(x, y connectionView) int { return strings.Compare(x.clientID, y.clientID) })
	slices.SortFunc(v.subs, func(x, y subscription) int { return strings.Compare(x.Topic, y.Topic) })
	return v, true
}

// subscribes reports whether an online group subscribes to topic, and whether it has any
// subscription at all.
func (c *clientTable) subscribes(group, topic string) (subscribed, anySub bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.consumers[group]
	if g == nil {
		return false, false
	}
	_, subscribed = g.subs[topic]
	return subscribed, len(g.subs) > 0
}

func (b *Broker) handleGetConsumerConnectionList(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	group := f.str("consumerGroup", true)
	if bad := f.failure(); bad != nil {
		return bad
	}
	v, online := b.clients.view(group)
	if !online {
		return fail(remoting.ConsumerNotOnline, "the consumer group[%s] not online", group)
	}
	w := &routeJSON{}
	w.raw(`{"connectionSet":[`)
	for i, m := range v.members {
		if i > 0 {
			w.raw(",")
		}
		p, known := b.admin.peer(m.conn)
		w.raw("{")
		w.key("clientAddr")
		w.str(m.conn.RemoteAddr().String())
		w.raw(",")
		w.key("clientId")
		w.str(m.clientID)
		w.raw(",")
		if known {
			w.key("language")
			w.str(p.language.String())
			w.raw(",")
		}
		w.key("version")
		w.int(int64(p.version))
		w.raw("}")
	}
	w.raw("]")
	for _, e := range [...]struct{ key, value string }{
		{"consumeFromWhere", v.consumeFrom}, {"consumeType", v.consumeType}, {"messageModel", v.messageModel},
	} {
		if e.value != "" {
			w.raw(",")
			w.key(e.key)
			w.str(e.value)
		}
	}
	w.raw(`,"subscriptionTable":{`)
	for i, s := range v.subs {
		if i > 0 {
			w.raw(",")
		}
		w.key(s.Topic)
		w.subscriptionData(s)
	}
	w.raw("}}")
	resp := ok()
	resp.Body = w.buf
	return resp
}

// subscriptionData writes SubscriptionData (filterClassSource is never serialised).
func (w *routeJSON) subscriptionData(s subscription) {
	w.raw(`{"classFilterMode":false,"codeSet":[`)
	for i, c := range s.Codes {
		if i > 0 {
			w.raw(",")
		}
		w.int(int64(c))
	}
	w.raw("],")
	w.key("expressionType")
	w.str(s.Type)
	w.raw(",")
	w.key("subString")
	w.str(s.Expression)
	w.raw(",")
	w.key("subVersion")
	w.int(s.Version)
	w.raw(",")
	w.key("tagsSet")
	tags := s.Tags
	if tags == nil {
		tags = []string{}
	}
	w.strings(tags)
	w.raw(",")
	w.key("topic")
	w.str(s.Topic)
	w.raw("}")
}

// messageQueueKey writes a MessageQueue as fastjson writes an object map key.
func (w *routeJSON) messageQueueKey(topic, brokerName string, queueID int) {
	w.raw("{")
	w.key("brokerName")
	w.str(brokerName)
	w.raw(",")
	w.key("queueId")
	w.int(int64(queueID))
	w.raw(",")
	w.key("topic")
	w.str(topic)
	w.raw("}:")
}

// --- GET_TOPIC_STATS_INFO ---

// storeTimeAt is the store time of a queue's message at offset, or -1 when the queue no
// longer (or never did) hold it.
func (s *store) storeTimeAt(topic string, queueID int32, offset int64) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := s.queues[cqKey{topic, queueID}]
	if q == nil || offset < q.min || offset >= q.max {
		return -1
	}
	return q.at(offset).storeTS
}

func (b *Broker) handleGetTopicStatsInfo(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	topic := f.str("topic", true)
	if bad := f.failure(); bad != nil {
		return bad
	}
	tc, found := b.topics.get(topic)
	if !found {
		return fail(remoting.TopicNotExist, "topic[%s] not exist", topic)
	}
	w := &routeJSON{}
	w.raw(`{"offsetTable":{`)
	for i := 0; i < tc.WriteQueueNums; i++ {
		if i > 0 {
			w.raw(",")
		}
		q := int32(i)
		minOff, maxOff := b.store.minOffset(topic, q), b.store.maxOffset(topic, q)
		var last int64
		if maxOff > 0 {
			last = b.store.storeTimeAt(topic, q, maxOff-1)
		}
		w.messageQueueKey(topic, b.cfg.BrokerName, i)
		w.raw("{")
		w.key("lastUpdateTimestamp")
		w.int(last)
		w.raw(",")
		w.key("maxOffset")
		w.int(maxOff)
		w.raw(",")
		w.key("minOffset")
		w.int(minOff)
		w.raw("}")
	}
	w.raw("}}")
	resp := ok()
	resp.Body = w.buf
	return resp
}

// --- GET_CONSUME_STATS ---

// topicsOf lists the topics a group has committed offsets for (whichTopicByConsumer).
func (o *offsetTable) topicsOf(group string) []string {
	o.mu.RLock()
	seen := make(map[string]bool)
	for k := range o.offsets {
		if k.group == group {
			seen[k.topic] = true
		}
	}
	o.mu.RUnlock()
	return slices.Sorted(maps.Keys(seen))
}

// sums adds up each group's committed offsets per topic.
func (o *offsetTable) sums() map[groupTopic]int64 {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make(map[groupTopic]int64)
	for k, v := range o.offsets {
		out[groupTopic{k.group, k.topic}] += v
	}
	return out
}

func (b *Broker) handleGetConsumeStats(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	f := headerFields{req: req}
	group, topic := f.str("consumerGroup", true), f.str("topic", false)
	if bad := f.failure(); bad != nil {
		return bad
	}
	topics := []string{topic}
	if strings.TrimSpace(topic) == "" {
		topics = b.offsets.topicsOf(group)
	}
	var tps float64
	w := &routeJSON{}
	var table []byte
	n := 0
	for _, t := range topics {
		tc, found := b.topics.get(t)
		if !found {
			continue
		}
		if subscribed, anySub := b.clients.subscribes(group, t); !subscribed && anySub {
			continue
		}
		for i := 0; i < tc.ReadQueueNums; i++ {
			q := int32(i)
			brokerOff := b.store.maxOffset(t, q)
			consumerOff := max(b.offsets.get(group, t, q), 0)
			var last int64
			if consumerOff > 0 {
				last = max(b.store.storeTimeAt(t, q, consumerOff-1), 0)
			}
			if n > 0 {
				w.raw(",")
			}
			n++
			w.messageQueueKey(t, b.cfg.BrokerName, i)
			w.raw("{")
			w.key("brokerOffset")
			w.int(brokerOff)
			w.raw(",")
			w.key("consumerOffset")
			w.int(consumerOff)
			w.raw(",")
			w.key("lastTimestamp")
			w.int(last)
			w.raw("}")
		}
		tps += b.admin.tps(group, t)
	}
	table, w.buf = w.buf, nil
	w.raw(`{"consumeTps":`)
	w.raw(javaDouble(tps))
	w.raw(`,"offsetTable":{`)
	w.buf = append(w.buf, table...)
	w.raw("}}")
	resp := ok()
	resp.Body = w.buf
	return resp
}

// javaDouble formats a double as Java's Double.toString (and fastjson) do: at least one
// fractional digit, scientific notation ("1.0E-4") outside [1e-3, 1e7).
func javaDouble(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	if a := math.Abs(v); a == 0 || a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'E', -1, 64) // 1.5E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func (a *adminState) sampleLoop() {
	defer a.b.wg.Done()
	t := time.NewTicker(tpsSampleEvery)
	defer t.Stop()
	for {
		select {
		case <-a.b.stop:
			return
		case now := <-t.C:
			a.sample(now)
		}
	}
}

func (a *adminState) sample(now time.Time) {
	s := tpsSample{at: now, sums: a.b.offsets.sums()}
	a.tpsMu.Lock()
	defer a.tpsMu.Unlock()
	a.samples = append(a.samples, s)
	drop := 0
	for drop < len(a.samples)-1 && now.Sub(a.samples[drop].at) > tpsWindow {
		drop++
	}
	a.samples = slices.Delete(a.samples, 0, drop)
}

// tps is how many messages per second the group consumed from the topic over the window.
func (a *adminState) tps(group, topic string) float64 {
	a.tpsMu.Lock()
	defer a.tpsMu.Unlock()
	if len(a.samples) < 2 {
		return 0
	}
	first, last := a.samples[0], a.samples[len(a.samples)-1]
	k := groupTopic{group, topic}
	secs := last.at.Sub(first.at).Seconds()
	if d := last.sums[k] - first.sums[k]; d > 0 && secs > 0 {
		return float64(d) / secs
	}
	return 0
}

// --- GET_ALL_TOPIC_CONFIG ---

func (b *Broker) handleGetAllTopicConfig(_ *remoting.Conn, _ *remoting.Command) *remoting.Command {
	w := &routeJSON{}
	w.raw(`{"dataVersion":{"counter":0,"timestamp":`)
	w.int(b.admin.started)
	w.raw(`},"topicConfigTable":{`)
	for i, tc := range b.topics.list() {
		if i > 0 {
			w.raw(",")
		}
		w.key(tc.Name)
		w.raw(`{"order":`)
		w.raw(strconv.FormatBool(tc.Order))
		w.raw(`,"perm":`)
		w.int(int64(tc.Perm))
		w.raw(`,"readQueueNums":`)
		w.int(int64(tc.ReadQueueNums))
		w.raw(`,"topicFilterType":"SINGLE_TAG","topicName":`)
		w.str(tc.Name)
		w.raw(`,"topicSysFlag":`)
		w.int(int64(tc.TopicSysFlag))
		w.raw(`,"writeQueueNums":`)
		w.int(int64(tc.WriteQueueNums))
		w.raw("}")
	}
	w.raw("}}")
	resp := ok()
	resp.Body = w.buf
	return resp
}
