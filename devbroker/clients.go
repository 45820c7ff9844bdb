package devbroker

// Client membership: HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
// and the NOTIFY_CONSUMER_IDS_CHANGED (40) the broker sends to consumers.
//
// Behaviour, as the 4.9.x broker (ClientManageProcessor, ConsumerManager, ConsumerGroupInfo,
// ProducerManager):
//   - A heartbeat registers the client in each producer and consumer group it names and
//     creates the consumer groups' %RETRY%<group> topics (1 queue, read-write).
//   - A consumer group keeps one subscription table, that of the latest heartbeat: topics it
//     no longer names are dropped, and a topic's subscription is replaced when the heartbeat
//     carries a newer subVersion. Consume type, message model and consume-from-where are also
//     the latest heartbeat's.
//   - Every consumer of a group gets NOTIFY_CONSUMER_IDS_CHANGED (oneway, ext consumerGroup)
//     when a member joins or leaves or the subscribed topic set changes. Like upstream, a new
//     expression for an already subscribed topic does not notify.
//   - A client leaves on UNREGISTER_CLIENT, when its connection closes, or after ClientExpiry
//     without a heartbeat; the broker then also closes its connection (unless, unlike
//     upstream, the connection is still fresh in another group). An empty group is
//     forgotten with its subscriptions.
//   - GET_CONSUMER_LIST_BY_GROUP answers the members' client ids, or SYSTEM_ERROR "no
//     consumer for this group, <g>".
//
// Simplifications and differences:
//   - Members are keyed by client id, not by connection, so a client that reconnects is one
//     member, never two ids in the consumer list; a late close of its old connection is
//     ignored. UNREGISTER_CLIENT removes by client id whatever connection it arrives on.
//   - Upstream forgets to notify when it expires a silent consumer; we notify.
//   - Leaving a group also frees the client's queue locks in it (see locks.go).
//   - Notifications go out on a goroutine of their own, so a consumer that stops reading
//     cannot stall the processor of another client's request.
//   - No subscription group config: retry queue count is always 1, unit mode is ignored.

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// subscription is a consumer group's subscription to one topic, from its heartbeats.
type subscription struct {
	Topic      string
	Expression string // subString as the client sent it
	Type       string // expressionType: "TAG" (default) or "SQL92"
	All        bool   // "*" or empty: every message
	Tags       []string
	Codes      []int32 // hash codes of Tags (codeSet)
	Version    int64
}

// Enum names of ConsumeType, MessageModel and ConsumeFromWhere, in ordinal order: Java
// clients send the names, and a client that sends ordinals gets them mapped.
var (
	consumeTypeNames  = []string{"CONSUME_ACTIVELY", "CONSUME_PASSIVELY"}
	messageModelNames = []string{"BROADCASTING", "CLUSTERING"}
	consumeFromNames  = []string{"CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
		"CONSUME_FROM_MIN_OFFSET", "CONSUME_FROM_MAX_OFFSET", "CONSUME_FROM_FIRST_OFFSET", "CONSUME_FROM_TIMESTAMP"}
)

const (
	broadcasting = "BROADCASTING"
	// notifyTimeout bounds one NOTIFY write; upstream gives the oneway 10 ms of waiting.
	notifyTimeout = 3 * time.Second
	// noticeBacklog bounds queued notifications; past it they are dropped, which only
	// delays a rebalance until the clients' own 20 s timer.
	noticeBacklog = 1024
)

type clientTable struct {
	b *Broker

	mu        sync.Mutex
	consumers map[string]*consumerGroup       // group → members and subscriptions
	producers map[string]map[string]*endpoint // group → client id → connection

	notices chan notice
}

type consumerGroup struct {
	members          map[string]*endpoint
	subs             map[string]subscription
	consumeType      string
	messageModel     string
	consumeFromWhere string
}

// endpoint is one client in one group.
type endpoint struct {
	conn *remoting.Conn
	last time.Time
}

// notice is one NOTIFY_CONSUMER_IDS_CHANGED round for a group.
type notice struct {
	group string
	conns []*remoting.Conn
}

func newClientTable(b *Broker) *clientTable {
	c := &clientTable{
		b:         b,
		consumers: make(map[string]*consumerGroup),
		producers: make(map[string]map[string]*endpoint),
		notices:   make(chan notice, noticeBacklog),
	}
	b.wg.Add(1)
	go c.notifier()
	return c
}

func (c *clientTable) notifier() {
	defer c.b.wg.Done()
	for {
		select {
		case <-c.b.stop:
			return
		case n := <-c.notices:
			for _, conn := range n.conns {
				req := remoting.NewRequest(remoting.NotifyConsumerIDsChanged, map[string]string{"consumerGroup": n.group}, nil)
				req.Language = remoting.Java
				if err := conn.InvokeOneway(req, notifyTimeout); err != nil {
					c.b.log.Debug("notify consumer ids changed", "group", n.group, "client", conn.RemoteAddr(), "err", err)
				}
			}
		}
	}
}

// noticeLocked snapshots the group's members for a notification, or reports there are none.
func (c *clientTable) noticeLocked(group string) (notice, bool) {
	g := c.consumers[group]
	if g == nil || len(g.members) == 0 {
		return notice{}, false
	}
	n := notice{group: group, conns: make([]*remoting.Conn, 0, len(g.members))}
	for _, m := range g.members {
		n.conns = append(n.conns, m.conn)
	}
	return n, true
}

// send queues notifications without blocking.
func (c *clientTable) send(ns ...notice) {
	for _, n := range ns {
		select {
		case c.notices <- n:
		default:
			c.b.log.Warn("notification backlog full, dropping", "group", n.group)
		}
	}
}

// subscription returns the group's subscription to topic, from its members' heartbeats.
func (c *clientTable) subscription(group, topic string) (subscription, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.consumers[group]; g != nil {
		s, ok := g.subs[topic]
		return s, ok
	}
	return subscription{}, false
}

// isBroadcasting reports whether the group consumes in broadcasting mode (offsets are then
// not kept by the broker).
func (c *clientTable) isBroadcasting(group string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.consumers[group]
	return g != nil && g.messageModel == broadcasting
}

// consumerIDs returns the group's client ids, sorted.
func (c *clientTable) consumerIDs(group string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.consumers[group]
	if g == nil {
		return nil
	}
	ids := make([]string, 0, len(g.members))
	for id := range g.members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// producerConn returns the connection of a live producer of the group, for requests the
// broker sends to producers (CHECK_TRANSACTION_STATE). Lacking a better rule it prefers
// the one heard from most recently.
func (c *clientTable) producerConn(group string) (*remoting.Conn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var best *endpoint
	for _, p := range c.producers[group] {
		if !p.conn.Closed() && (best == nil || p.last.After(best.last)) {
			best = p
		}
	}
	if best == nil {
		return nil, false
	}
	return best.conn, true
}

// departure is a client that left a group.
type departure struct{ group, clientID string }

// leaving collects what removals must do once c.mu is released: free the leavers' locks
// first, so that the consumers a notification sends to rebalance find them free.
type leaving struct {
	gone    []departure
	notices []notice
}

// removeLocked takes clients out of a consumer group; an emptied group is forgotten.
func (c *clientTable) removeLocked(group string, ids []string, l *leaving) {
	g := c.consumers[group]
	if g == nil {
		return
	}
	removed := false
	for _, id := range ids {
		if _, ok := g.members[id]; ok {
			delete(g.members, id)
			l.gone = append(l.gone, departure{group, id})
			removed = true
		}
	}
	if !removed {
		return
	}
	if len(g.members) == 0 {
		delete(c.consumers, group)
		return
	}
	if n, ok := c.noticeLocked(group); ok {
		l.notices = append(l.notices, n)
	}
}

func (c *clientTable) finish(l *leaving) {
	for _, d := range l.gone {
		c.b.locks.releaseClient(d.group, d.clientID)
	}
	c.send(l.notices...)
}

// connectionClosed removes every membership of the connection at once.
func (c *clientTable) connectionClosed(conn *remoting.Conn) {
	var l leaving
	c.mu.Lock()
	for group, g := range c.consumers {
		var ids []string
		for id, m := range g.members {
			if m.conn == conn {
				ids = append(ids, id)
			}
		}
		c.removeLocked(group, ids, &l)
	}
	for group, ps := range c.producers {
		for id, p := range ps {
			if p.conn == conn {
				delete(ps, id)
			}
		}
		if len(ps) == 0 {
			delete(c.producers, group)
		}
	}
	c.mu.Unlock()
	if len(l.gone) > 0 {
		c.b.log.Info("client connection closed", "client", conn.RemoteAddr(), "memberships", len(l.gone))
	}
	c.b.locks.connectionClosed(conn)
	c.finish(&l)
}

// expire drops clients silent for longer than ClientExpiry and closes their connections.
// Silence is counted per group: a heartbeat renews only the groups it names.
func (c *clientTable) expire(now time.Time) {
	limit := c.b.cfg.ClientExpiry
	var l leaving
	stale := make(map[*remoting.Conn]bool)
	c.mu.Lock()
	for group, g := range c.consumers {
		var ids []string
		for id, m := range g.members {
			if now.Sub(m.last) > limit {
				ids = append(ids, id)
				stale[m.conn] = true
			}
		}
		c.removeLocked(group, ids, &l)
	}
	for group, ps := range c.producers {
		for id, p := range ps {
			if now.Sub(p.last) > limit {
				delete(ps, id)
				stale[p.conn] = true
			}
		}
		if len(ps) == 0 {
			delete(c.producers, group)
		}
	}
	// Upstream closes an expired client's channel; we spare one that is still fresh in
	// another group, which would only churn that group.
	for _, g := range c.consumers {
		for _, m := range g.members {
			delete(stale, m.conn)
		}
	}
	for _, ps := range c.producers {
		for _, p := range ps {
			delete(stale, p.conn)
		}
	}
	c.mu.Unlock()
	for _, d := range l.gone {
		c.b.log.Info("consumer expired", "group", d.group, "client", d.clientID)
	}
	c.finish(&l)
	for conn := range stale {
		conn.Close()
	}
}

// Heartbeat body (HeartbeatData). Fields are matched case-insensitively and unknown ones are
// ignored; enums may be names or ordinals; codeSet entries may be numbers or strings
// (rocketmq-client-go sends strings).
type heartbeatJSON struct {
	ClientID        string `json:"clientID"`
	ProducerDataSet []struct {
		GroupName string `json:"groupName"`
	} `json:"producerDataSet"`
	ConsumerDataSet []struct {
		GroupName           string             `json:"groupName"`
		ConsumeType         json.RawMessage    `json:"consumeType"`
		MessageModel        json.RawMessage    `json:"messageModel"`
		ConsumeFromWhere    json.RawMessage    `json:"consumeFromWhere"`
		SubscriptionDataSet []subscriptionJSON `json:"subscriptionDataSet"`
	} `json:"consumerDataSet"`
}

type subscriptionJSON struct {
	Topic          string            `json:"topic"`
	SubString      string            `json:"subString"`
	TagsSet        []string          `json:"tagsSet"`
	CodeSet        []json.RawMessage `json:"codeSet"`
	SubVersion     json.RawMessage   `json:"subVersion"`
	ExpressionType string            `json:"expressionType"`
}

// enumName turns a JSON enum (name or ordinal) into its upper-case name.
func enumName(raw json.RawMessage, names []string) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.ToUpper(s)
	}
	var i int
	if json.Unmarshal(raw, &i) == nil && i >= 0 && i < len(names) {
		return names[i]
	}
	return ""
}

// jsonInt reads a number that may be quoted.
func jsonInt(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(string(raw), `" `)
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func (s subscriptionJSON) toSubscription() subscription {
	sub := subscription{Topic: s.Topic, Expression: s.SubString, Type: strings.ToUpper(s.ExpressionType)}
	if sub.Type == "" {
		sub.Type = "TAG"
	}
	sub.Version, _ = jsonInt(s.SubVersion)
	if sub.Type != "TAG" {
		return sub
	}
	if message.IsSubscribeAll(strings.TrimSpace(s.SubString)) {
		sub.All = true
		return sub
	}
	// The broker filters by the codes the client computed, as upstream does; a client that
	// sent no usable codes gets them computed from its expression.
	for _, raw := range s.CodeSet {
		if v, ok := jsonInt(raw); ok {
			sub.Codes = append(sub.Codes, int32(v))
		}
	}
	sub.Tags = s.TagsSet
	if len(sub.Codes) == 0 || len(sub.Codes) != len(s.CodeSet) {
		sub.Tags, sub.Codes = message.ParseTagExpression(s.SubString)
	}
	return sub
}

func (b *Broker) handleHeartbeat(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	var hb heartbeatJSON
	if err := json.Unmarshal(req.Body, &hb); err != nil {
		return fail(remoting.SystemError, "bad heartbeat body: %v", err)
	}
	if hb.ClientID == "" {
		return fail(remoting.SystemError, "heartbeat without clientID")
	}
	now := time.Now()
	for _, cd := range hb.ConsumerDataSet {
		if cd.GroupName == "" {
			continue
		}
		b.topics.autoCreate(message.RetryTopic(cd.GroupName), 1)
		subs := make([]subscription, 0, len(cd.SubscriptionDataSet))
		for _, s := range cd.SubscriptionDataSet {
			if s.Topic != "" {
				subs = append(subs, s.toSubscription())
			}
		}
		b.clients.registerConsumer(cd.GroupName, hb.ClientID, conn, now, subs,
			enumName(cd.ConsumeType, consumeTypeNames), enumName(cd.MessageModel, messageModelNames),
			enumName(cd.ConsumeFromWhere, consumeFromNames))
	}
	for _, pd := range hb.ProducerDataSet {
		if pd.GroupName != "" {
			b.clients.registerProducer(pd.GroupName, hb.ClientID, conn, now)
		}
	}
	return ok()
}

func (c *clientTable) registerConsumer(group, clientID string, conn *remoting.Conn, now time.Time,
	subs []subscription, consumeType, model, from string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.consumers[group]
	if g == nil {
		g = &consumerGroup{members: make(map[string]*endpoint), subs: make(map[string]subscription)}
		c.consumers[group] = g
	}
	g.consumeType, g.messageModel, g.consumeFromWhere = consumeType, model, from

	changed := false
	if m := g.members[clientID]; m != nil {
		m.conn, m.last = conn, now
	} else {
		g.members[clientID] = &endpoint{conn: conn, last: now}
		changed = true
		c.b.log.Info("consumer joined", "group", group, "client", clientID, "model", model)
	}

	seen := make(map[string]bool, len(subs))
	for _, s := range subs {
		seen[s.Topic] = true
		old, ok := g.subs[s.Topic]
		if !ok {
			changed = true
		}
		if !ok || s.Version > old.Version {
			g.subs[s.Topic] = s
		}
	}
	for topic := range g.subs {
		if !seen[topic] {
			delete(g.subs, topic)
			changed = true
		}
	}
	if !changed {
		return
	}
	if n, ok := c.noticeLocked(group); ok {
		c.send(n)
	}
}

func (c *clientTable) registerProducer(group, clientID string, conn *remoting.Conn, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.producers[group]
	if ps == nil {
		ps = make(map[string]*endpoint)
		c.producers[group] = ps
	}
	if p := ps[clientID]; p != nil {
		p.conn, p.last = conn, now
		return
	}
	ps[clientID] = &endpoint{conn: conn, last: now}
}

func (b *Broker) handleUnregisterClient(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	clientID := req.Ext("clientID")
	if clientID == "" {
		return fail(remoting.SystemError, "the custom field <clientID> is null")
	}
	b.clients.unregister(clientID, req.Ext("producerGroup"), req.Ext("consumerGroup"))
	return ok()
}

func (c *clientTable) unregister(clientID, producerGroup, consumerGroup string) {
	var l leaving
	c.mu.Lock()
	if ps := c.producers[producerGroup]; ps != nil {
		delete(ps, clientID)
		if len(ps) == 0 {
			delete(c.producers, producerGroup)
		}
	}
	if consumerGroup != "" {
		c.removeLocked(consumerGroup, []string{clientID}, &l)
	}
	c.mu.Unlock()
	c.finish(&l)
}

func (b *Broker) handleGetConsumerList(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	group := req.Ext("consumerGroup")
	ids := b.clients.consumerIDs(group)
	if len(ids) == 0 {
		return fail(remoting.SystemError, "no consumer for this group, %s", group)
	}
	body, err := json.Marshal(struct {
		ConsumerIDList []string `json:"consumerIdList"`
	}{ids})
	if err != nil {
		return fail(remoting.SystemError, "%v", err)
	}
	resp := ok()
	resp.Body = body
	return resp
}
