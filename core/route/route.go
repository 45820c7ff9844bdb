package route

import (
	"sort"
	"strconv"
	"strings"
)

// MasterID is the broker id of a master; any other id is a slave.
const MasterID = 0

// Permission bits of a queue (PermName).
const (
	PermPriority = 8
	PermRead     = 4
	PermWrite    = 2
	PermInherit  = 1
)

// TopicRouteData is the name server's answer to GET_ROUTEINFO_BY_TOPIC.
type TopicRouteData struct {
	OrderTopicConf    string              `json:"orderTopicConf,omitempty"`
	QueueDatas        []QueueData         `json:"queueDatas"`
	BrokerDatas       []BrokerData        `json:"brokerDatas"`
	FilterServerTable map[string][]string `json:"filterServerTable"`
}

// QueueData is one broker's queues of a topic.
type QueueData struct {
	BrokerName     string `json:"brokerName"`
	ReadQueueNums  int    `json:"readQueueNums"`
	WriteQueueNums int    `json:"writeQueueNums"`
	Perm           int    `json:"perm"`
	TopicSysFlag   int    `json:"topicSysFlag"`
}

// BrokerData is one broker group: a master (id 0) and its slaves.
type BrokerData struct {
	Cluster     string           `json:"cluster"`
	BrokerName  string           `json:"brokerName"`
	BrokerAddrs map[int64]string `json:"brokerAddrs"`
}

// MessageQueue names one queue of a topic on one broker.
type MessageQueue struct {
	Topic      string `json:"topic"`
	BrokerName string `json:"brokerName"`
	QueueID    int    `json:"queueId"`
}

func (q MessageQueue) String() string {
	return "MessageQueue [topic=" + q.Topic + ", brokerName=" + q.BrokerName + ", queueId=" + strconv.Itoa(q.QueueID) + "]"
}

// Less orders queues by topic, broker name and queue id, the order rebalancing sorts by.
func (q MessageQueue) Less(o MessageQueue) bool {
	if q.Topic != o.Topic {
		return q.Topic < o.Topic
	}
	if q.BrokerName != o.BrokerName {
		return q.BrokerName < o.BrokerName
	}
	return q.QueueID < o.QueueID
}

// MasterAddr returns the master address of a broker, or "".
func (r *TopicRouteData) MasterAddr(brokerName string) string {
	for _, bd := range r.BrokerDatas {
		if bd.BrokerName == brokerName {
			return bd.BrokerAddrs[MasterID]
		}
	}
	return ""
}

// AnyAddr returns the master address of a broker, or a slave's when it has no master
// (reads may go to a slave).
func (r *TopicRouteData) AnyAddr(brokerName string) string {
	for _, bd := range r.BrokerDatas {
		if bd.BrokerName != brokerName {
			continue
		}
		if a := bd.BrokerAddrs[MasterID]; a != "" {
			return a
		}
		ids := make([]int64, 0, len(bd.BrokerAddrs))
		for id := range bd.BrokerAddrs {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		if len(ids) > 0 {
			return bd.BrokerAddrs[ids[0]]
		}
	}
	return ""
}

// PublishQueues lists the queues a producer may write to: for each writable broker with a
// master, queue ids 0..writeQueueNums-1, brokers in name order. An ordered topic's
// orderTopicConf ("brokerA:4;brokerB:4") takes precedence, as in the Java client.
func (r *TopicRouteData) PublishQueues(topic string) []MessageQueue {
	var out []MessageQueue
	if r.OrderTopicConf != "" {
		for _, part := range strings.Split(r.OrderTopicConf, ";") {
			name, nums, ok := strings.Cut(part, ":")
			n, err := strconv.Atoi(nums)
			if !ok || err != nil || n < 0 || n > MaxQueueNums {
				continue
			}
			for i := 0; i < n; i++ {
				out = append(out, MessageQueue{Topic: topic, BrokerName: name, QueueID: i})
			}
		}
		return out
	}
	qds := append([]QueueData(nil), r.QueueDatas...)
	sort.Slice(qds, func(i, j int) bool { return qds[i].BrokerName < qds[j].BrokerName })
	for _, qd := range qds {
		if qd.Perm&PermWrite == 0 || r.MasterAddr(qd.BrokerName) == "" {
			continue
		}
		for i := 0; i < qd.WriteQueueNums; i++ {
			out = append(out, MessageQueue{Topic: topic, BrokerName: qd.BrokerName, QueueID: i})
		}
	}
	return out
}

// SubscribeQueues lists the queues a consumer reads: queue ids 0..readQueueNums-1 of every
// readable broker.
func (r *TopicRouteData) SubscribeQueues(topic string) []MessageQueue {
	var out []MessageQueue
	for _, qd := range r.QueueDatas {
		if qd.Perm&PermRead == 0 {
			continue
		}
		for i := 0; i < qd.ReadQueueNums; i++ {
			out = append(out, MessageQueue{Topic: topic, BrokerName: qd.BrokerName, QueueID: i})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// BrokerAddrs lists every broker address in the route, masters first.
func (r *TopicRouteData) BrokerAddrs() []string {
	var masters, slaves []string
	for _, bd := range r.BrokerDatas {
		for id, a := range bd.BrokerAddrs {
			if id == MasterID {
				masters = append(masters, a)
			} else {
				slaves = append(slaves, a)
			}
		}
	}
	sort.Strings(masters)
	sort.Strings(slaves)
	return append(masters, slaves...)
}
