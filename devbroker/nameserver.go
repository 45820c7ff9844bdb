package devbroker

// The name server: GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
// GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), REGISTER_BROKER (103), UNREGISTER_BROKER (104).
//
// Behaviour, as the 4.9.x name server (RouteInfoManager, DefaultRequestProcessor):
//   - A route lists every broker group serving the topic with all its addresses, and each
//     group's queue counts and permission. No route → TOPIC_NOT_EXIST with the real remark.
//   - Route bodies are standard JSON for clients of version ≥ V4_9_4 (401) or sending
//     acceptStandardJsonOnly=true, and fastjson's default (unquoted brokerAddrs keys)
//     otherwise, which is what rocketmq-client-go (version 317) gets.
//   - Other brokers may register (plain or compressed body); a broker whose connection closes
//     or that stops re-registering for 120 s is dropped with its topics. Topic configs are
//     taken from masters (id 0) only, as upstream does.
//
// Simplifications:
//   - The broker of this process is always registered and its topics are read live from its
//     topic table, so a topic it auto-creates is routable at once (the real broker re-registers
//     within a moment). Another broker may join its group only as a slave (id ≠ 0).
//   - No order-topic KV config (orderTopicConf is never set), no filter servers, no
//     write-permission wiping, no topic deletion.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/rocketmq-go/librocketmq/core/message"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// brokerExpiry is the real name server's BROKER_CHANNEL_EXPIRED_TIME.
const brokerExpiry = 120 * time.Second

// noRouteSuffix is what FAQUrl.suggestTodo appends to the TOPIC_NOT_EXIST remark.
const noRouteSuffix = "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

type nameServer struct {
	b *Broker

	mu      sync.RWMutex
	brokers map[string]brokerData           // brokerName → group, this process's included
	queues  map[string]map[string]queueData // topic → brokerName → queues, other brokers only
	live    map[string]*registration        // address → registration of another broker
}

// registration is another broker's liveness: it re-registers every 30 s.
type registration struct {
	cluster, name, haAddr string
	id                    int64
	conn                  *remoting.Conn
	last                  time.Time
}

func newNameServer(b *Broker) *nameServer {
	n := &nameServer{
		b:       b,
		brokers: make(map[string]brokerData),
		queues:  make(map[string]map[string]queueData),
		live:    make(map[string]*registration),
	}
	n.brokers[b.cfg.BrokerName] = brokerData{Cluster: b.cfg.ClusterName, BrokerName: b.cfg.BrokerName,
		Addrs: map[int64]string{0: b.brokerAddr}}
	return n
}

func (n *nameServer) local() string { return n.b.cfg.BrokerName }

// route assembles a topic's route, or reports that no broker serves it.
func (n *nameServer) route(topic string) (topicRouteData, bool) {
	var rd topicRouteData
	if tc, ok := n.b.topics.get(topic); ok {
		rd.QueueDatas = append(rd.QueueDatas, queueData{BrokerName: n.local(), ReadQueueNums: tc.ReadQueueNums,
			WriteQueueNums: tc.WriteQueueNums, Perm: tc.Perm, TopicSysFlag: tc.TopicSysFlag})
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	for _, qd := range n.queues[topic] {
		rd.QueueDatas = append(rd.QueueDatas, qd)
	}
	for _, qd := range rd.QueueDatas {
		if bd, ok := n.brokers[qd.BrokerName]; ok {
			rd.BrokerDatas = append(rd.BrokerDatas, bd.clone())
		}
	}
	if len(rd.QueueDatas) == 0 || len(rd.BrokerDatas) == 0 {
		return topicRouteData{}, false
	}
	slices.SortFunc(rd.QueueDatas, func(a, b queueData) int { return strings.Compare(a.BrokerName, b.BrokerName) })
	slices.SortFunc(rd.BrokerDatas, func(a, b brokerData) int { return strings.Compare(a.BrokerName, b.BrokerName) })
	return rd, true
}

// versionV4_9_4 is the MQVersion ordinal from which clients get standard JSON routes; it is
// a fixed point of the protocol, not the version we announce (remoting.Version).
const versionV4_9_4 = 401

// wantsStandardJSON is the name server's switch between its two route encodings.
func wantsStandardJSON(req *remoting.Command) bool {
	return req.Version >= versionV4_9_4 || strings.EqualFold(req.Ext("acceptStandardJsonOnly"), "true")
}

func (n *nameServer) getRouteInfo(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	topic := req.Ext("topic")
	rd, found := n.route(topic)
	if !found {
		return fail(remoting.TopicNotExist, "No topic route info in name server for the topic: %s%s", topic, noRouteSuffix)
	}
	resp := ok()
	resp.Body = encodeRoute(rd, wantsStandardJSON(req))
	return resp
}

func (n *nameServer) getClusterInfo(_ *remoting.Conn, _ *remoting.Command) *remoting.Command {
	n.mu.RLock()
	brokers := make([]brokerData, 0, len(n.brokers))
	for _, bd := range n.brokers {
		brokers = append(brokers, bd.clone())
	}
	n.mu.RUnlock()
	slices.SortFunc(brokers, func(a, b brokerData) int { return strings.Compare(a.BrokerName, b.BrokerName) })
	resp := ok()
	resp.Body = encodeClusterInfo(brokers)
	return resp
}

func (n *nameServer) getAllTopics(_ *remoting.Conn, _ *remoting.Command) *remoting.Command {
	var topics []string
	for _, tc := range n.b.topics.list() {
		topics = append(topics, tc.Name)
	}
	n.mu.RLock()
	for t := range n.queues {
		topics = append(topics, t)
	}
	n.mu.RUnlock()
	slices.Sort(topics)
	resp := ok()
	resp.Body = encodeTopicList(slices.Compact(topics))
	return resp
}

// registerBody is RegisterBrokerBody; only its topic table is read.
type registerBody struct {
	TopicConfigSerializeWrapper struct {
		TopicConfigTable map[string]registerTopic `json:"topicConfigTable"`
	} `json:"topicConfigSerializeWrapper"`
}

func (n *nameServer) registerBroker(conn *remoting.Conn, req *remoting.Command) *remoting.Command {
	name, addr, cluster := req.Ext("brokerName"), req.Ext("brokerAddr"), req.Ext("clusterName")
	id, err := strconv.ParseInt(req.Ext("brokerId"), 10, 64)
	switch {
	case name == "" || addr == "" || cluster == "":
		return fail(remoting.SystemError, "REGISTER_BROKER needs brokerName, brokerAddr and clusterName")
	case err != nil:
		return fail(remoting.SystemError, "bad brokerId %q", req.Ext("brokerId"))
	case name == n.local() && id == 0:
		return fail(remoting.SystemError, "broker name %s is the master of this dev broker", name)
	}
	if want, _ := strconv.ParseInt(req.Ext("bodyCrc32"), 10, 32); want != 0 && int64(message.BodyCRC(req.Body)) != want {
		return fail(remoting.SystemError, "crc32 not match")
	}
	topics, err := decodeRegisterBody(req.Body, strings.EqualFold(req.Ext("compressed"), "true"))
	if err != nil {
		return fail(remoting.SystemError, "Failed to decode RegisterBrokerBody: %v", err)
	}

	resp := ok()
	n.mu.Lock()
	bd, ok := n.brokers[name]
	if !ok {
		bd = brokerData{Cluster: cluster, BrokerName: name, Addrs: make(map[int64]string)}
	}
	// One address has one role: a slave promoted to master re-registers under id 0.
	for oldID, a := range bd.Addrs {
		if a == addr && oldID != id {
			delete(bd.Addrs, oldID)
		}
	}
	bd.Addrs[id] = addr
	n.brokers[name] = bd
	if id == 0 {
		for _, tc := range topics {
			qds := n.queues[tc.TopicName]
			if qds == nil {
				qds = make(map[string]queueData)
				n.queues[tc.TopicName] = qds
			}
			qds[name] = queueData{BrokerName: name, ReadQueueNums: tc.ReadQueueNums, WriteQueueNums: tc.WriteQueueNums,
				Perm: tc.Perm, TopicSysFlag: tc.TopicSysFlag}
		}
	}
	n.live[addr] = &registration{cluster: cluster, name: name, haAddr: req.Ext("haServerAddr"), id: id, conn: conn, last: time.Now()}
	if master, ok := bd.Addrs[0]; ok && id != 0 {
		// A slave learns where to replicate from; this process's master has no HA service.
		resp.SetExt("masterAddr", master)
		if r := n.live[master]; r != nil && r.haAddr != "" {
			resp.SetExt("haServerAddr", r.haAddr)
		}
	}
	n.mu.Unlock()
	n.b.log.Info("broker registered", "name", name, "id", id, "addr", addr, "cluster", cluster, "topics", len(topics))
	return resp
}

func (n *nameServer) unregisterBroker(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
	id, err := strconv.ParseInt(req.Ext("brokerId"), 10, 64)
	if err != nil {
		return fail(remoting.SystemError, "bad brokerId %q", req.Ext("brokerId"))
	}
	name, addr := req.Ext("brokerName"), req.Ext("brokerAddr")
	if name == n.local() && id == 0 {
		return fail(remoting.SystemError, "broker name %s is the master of this dev broker", name)
	}
	n.mu.Lock()
	n.removeLocked(name, addr, id)
	n.mu.Unlock()
	return ok()
}

// removeLocked drops one broker address; a group left with no address loses its topics.
func (n *nameServer) removeLocked(name, addr string, id int64) {
	delete(n.live, addr)
	bd, ok := n.brokers[name]
	if !ok {
		return
	}
	delete(bd.Addrs, id)
	if len(bd.Addrs) > 0 {
		return
	}
	delete(n.brokers, name)
	for topic, qds := range n.queues {
		delete(qds, name)
		if len(qds) == 0 {
			delete(n.queues, topic)
		}
	}
	n.b.log.Info("broker group gone", "name", name)
}

// expire drops brokers whose connection closed or that stopped re-registering.
func (n *nameServer) expire(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for addr, r := range n.live {
		if r.conn.Closed() || now.Sub(r.last) > brokerExpiry {
			n.b.log.Info("broker expired", "name", r.name, "addr", addr)
			n.removeLocked(r.name, addr, r.id)
		}
	}
}

// decodeRegisterBody reads the topic configs of a RegisterBrokerBody, either its JSON or
// the zlib-compressed binary form brokers send with compressedRegister=true.
func decodeRegisterBody(body []byte, compressed bool) ([]registerTopic, error) {
	if len(body) == 0 {
		return nil, nil
	}
	if !compressed {
		var rb registerBody
		if err := json.Unmarshal(body, &rb); err != nil {
			return nil, err
		}
		out := make([]registerTopic, 0, len(rb.TopicConfigSerializeWrapper.TopicConfigTable))
		for name, tc := range rb.TopicConfigSerializeWrapper.TopicConfigTable {
			if tc.TopicName == "" {
				tc.TopicName = name
			}
			out = append(out, tc)
		}
		return out, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	// Compressed layout: len+dataVersion JSON, topic count, then len+"name read write perm
	// filterType" per topic, then len+filter server JSON (ignored). Big-endian int32 lengths.
	chunk := func() ([]byte, error) {
		var l int32
		if err := binary.Read(zr, binary.BigEndian, &l); err != nil {
			return nil, err
		}
		if l < 0 || l > 1<<20 {
			return nil, fmt.Errorf("bad length %d", l)
		}
		// Read what is there, up to l, instead of allocating l bytes on the
		// length field's word.
		b, err := io.ReadAll(io.LimitReader(zr, int64(l)))
		if err == nil && len(b) < int(l) {
			err = io.ErrUnexpectedEOF
		}
		return b, err
	}
	if _, err := chunk(); err != nil {
		return nil, err
	}
	var count int32
	if err := binary.Read(zr, binary.BigEndian, &count); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, errors.New("negative topic count")
	}
	var out []registerTopic
	for range count {
		b, err := chunk()
		if err != nil {
			return nil, err
		}
		f := strings.Split(string(b), " ")
		if len(f) != 5 {
			continue // upstream skips what TopicConfig.decode rejects
		}
		var nums [3]int
		for i := range nums {
			if nums[i], err = strconv.Atoi(f[i+1]); err != nil {
				return nil, fmt.Errorf("topic config %q: %w", b, err)
			}
		}
		out = append(out, registerTopic{TopicName: f[0], ReadQueueNums: nums[0], WriteQueueNums: nums[1], Perm: nums[2]})
	}
	return out, nil
}
