package devbroker

import (
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The name server's bodies are written by hand because clients depend on details that
// encoding/json cannot produce: the real name server serialises with fastjson, which sorts
// object fields alphabetically, omits null fields and, unless asked for standard JSON,
// writes the Long keys of brokerAddrs unquoted ({0:"host:port"}). rocketmq-client-go splits
// that map by hand, so the bytes matter, not only the parsed value.

// queueData is one broker's queues of a topic (QueueData).
type queueData struct {
	BrokerName     string
	ReadQueueNums  int
	WriteQueueNums int
	Perm           int
	TopicSysFlag   int
}

// brokerData is one broker group: its master (id 0) and slaves (BrokerData).
type brokerData struct {
	Cluster    string
	BrokerName string
	Addrs      map[int64]string
}

func (bd brokerData) clone() brokerData {
	addrs := make(map[int64]string, len(bd.Addrs))
	for id, a := range bd.Addrs {
		addrs[id] = a
	}
	bd.Addrs = addrs
	return bd
}

// topicRouteData is the answer to GET_ROUTEINFO_BY_TOPIC (TopicRouteData).
type topicRouteData struct {
	OrderTopicConf string // omitted when empty, as fastjson omits null
	QueueDatas     []queueData
	BrokerDatas    []brokerData
}

// routeJSON writes fastjson-compatible JSON. std selects what the name server sends to
// clients that accept only standard JSON: fastjson's BrowserCompatible, QuoteFieldNames and
// MapSortField features. Otherwise it is fastjson's default output.
type routeJSON struct {
	buf []byte
	std bool
}

func (w *routeJSON) raw(s string) { w.buf = append(w.buf, s...) }

func (w *routeJSON) key(name string) {
	w.str(name)
	w.buf = append(w.buf, ':')
}

func (w *routeJSON) int(v int64) { w.buf = strconv.AppendInt(w.buf, v, 10) }

const upperHex = "0123456789ABCDEF"

func (w *routeJSON) uescape(c uint16) {
	w.buf = append(w.buf, '\\', 'u', upperHex[c>>12&15], upperHex[c>>8&15], upperHex[c>>4&15], upperHex[c&15])
}

// str writes a quoted string, escaping what fastjson escapes in each mode. Java strings are
// UTF-16, so escaped characters outside the BMP become two \u escapes (a surrogate pair).
func (w *routeJSON) str(s string) {
	w.buf = append(w.buf, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '"', '\\':
			w.buf = append(w.buf, '\\', byte(r))
			continue
		case '\b':
			w.raw(`\b`)
			continue
		case '\f':
			w.raw(`\f`)
			continue
		case '\n':
			w.raw(`\n`)
			continue
		case '\r':
			w.raw(`\r`)
			continue
		case '\t':
			w.raw(`\t`)
			continue
		case '/':
			if w.std {
				w.raw(`\/`)
				continue
			}
		}
		switch {
		case r < 0x20,
			!w.std && (r >= 0x7f && r <= 0xa0 || r == 0x2028),
			w.std && r >= 0x7f && r < 0x10000:
			w.uescape(uint16(r))
		case w.std && r >= 0x10000:
			hi, lo := utf16.EncodeRune(r)
			w.uescape(uint16(hi))
			w.uescape(uint16(lo))
		default:
			w.buf = utf8.AppendRune(w.buf, r)
		}
	}
	w.buf = append(w.buf, '"')
}

// brokerAddrs writes a HashMap<Long,String>: ascending ids, which is also HashMap's order
// for small non-negative Longs.
func (w *routeJSON) brokerAddrs(addrs map[int64]string) {
	ids := make([]int64, 0, len(addrs))
	for id := range addrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	w.raw("{")
	for i, id := range ids {
		if i > 0 {
			w.raw(",")
		}
		if w.std {
			w.key(strconv.FormatInt(id, 10))
		} else {
			w.int(id)
			w.raw(":")
		}
		w.str(addrs[id])
	}
	w.raw("}")
}

func (w *routeJSON) brokerData(bd brokerData) {
	w.raw("{")
	w.key("brokerAddrs")
	w.brokerAddrs(bd.Addrs)
	w.raw(",")
	w.key("brokerName")
	w.str(bd.BrokerName)
	w.raw(",")
	w.key("cluster")
	w.str(bd.Cluster)
	w.raw("}")
}

func (w *routeJSON) queueData(qd queueData) {
	w.raw("{")
	w.key("brokerName")
	w.str(qd.BrokerName)
	w.raw(",")
	w.key("perm")
	w.int(int64(qd.Perm))
	w.raw(",")
	w.key("readQueueNums")
	w.int(int64(qd.ReadQueueNums))
	w.raw(",")
	w.key("topicSysFlag")
	w.int(int64(qd.TopicSysFlag))
	w.raw(",")
	w.key("writeQueueNums")
	w.int(int64(qd.WriteQueueNums))
	w.raw("}")
}

func (w *routeJSON) strings(list []string) {
	w.raw("[")
	for i, s := range list {
		if i > 0 {
			w.raw(",")
		}
		w.str(s)
	}
	w.raw("]")
}

// encodeRoute serialises a route the way the name server does. The filter server table is
// always empty: filter servers were removed from RocketMQ long ago.
func encodeRoute(rd topicRouteData, std bool) []byte {
	w := &routeJSON{std: std}
	w.raw("{")
	w.key("brokerDatas")
	w.raw("[")
	for i, bd := range rd.BrokerDatas {
		if i > 0 {
			w.raw(",")
		}
		w.brokerData(bd)
	}
	w.raw("],")
	w.key("filterServerTable")
	w.raw("{},")
	if rd.OrderTopicConf != "" {
		w.key("orderTopicConf")
		w.str(rd.OrderTopicConf)
		w.raw(",")
	}
	w.key("queueDatas")
	w.raw("[")
	for i, qd := range rd.QueueDatas {
		if i > 0 {
			w.raw(",")
		}
		w.queueData(qd)
	}
	w.raw("]}")
	return w.buf
}

// encodeClusterInfo serialises GET_BROKER_CLUSTER_INFO's ClusterInfo. The real name server
// always uses fastjson's default output here, whatever the client's version, so brokerAddrs
// keys are unquoted in this body too. Both tables are sorted by key for stable output.
func encodeClusterInfo(brokers []brokerData) []byte {
	w := &routeJSON{}
	clusters := make(map[string][]string)
	w.raw("{")
	w.key("brokerAddrTable")
	w.raw("{")
	for i, bd := range brokers {
		if i > 0 {
			w.raw(",")
		}
		w.key(bd.BrokerName)
		w.brokerData(bd)
		clusters[bd.Cluster] = append(clusters[bd.Cluster], bd.BrokerName)
	}
	w.raw("},")
	w.key("clusterAddrTable")
	w.raw("{")
	names := make([]string, 0, len(clusters))
	for c := range clusters {
		names = append(names, c)
	}
	slices.Sort(names)
	for i, c := range names {
		if i > 0 {
			w.raw(",")
		}
		w.key(c)
		w.strings(clusters[c])
	}
	w.raw("}}")
	return w.buf
}

// encodeTopicList serialises TopicList; its null brokerAddr is omitted.
func encodeTopicList(topics []string) []byte {
	w := &routeJSON{}
	w.raw("{")
	w.key("topicList")
	w.strings(topics)
	w.raw("}")
	return w.buf
}
