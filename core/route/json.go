package route

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The name server writes brokerAddrs, a map with long keys, the way fastjson does by
// default: {0:"10.0.0.1:10911"}, keys unquoted, which no standard JSON parser accepts. It
// sends standard JSON only to clients that announce version 4.9.4 or later or ask with
// acceptStandardJsonOnly. We ask, but older name servers ignore the request, so both forms
// must parse.

// MaxQueueNums bounds the queue count a route may claim per broker, so a broken or hostile
// name server cannot make us allocate queue lists of any size.
const MaxQueueNums = 1 << 16

type wireRoute struct {
	OrderTopicConf    string              `json:"orderTopicConf"`
	QueueDatas        []QueueData         `json:"queueDatas"`
	BrokerDatas       []wireBrokerData    `json:"brokerDatas"`
	FilterServerTable map[string][]string `json:"filterServerTable"`
}

type wireBrokerData struct {
	Cluster     string            `json:"cluster"`
	BrokerName  string            `json:"brokerName"`
	BrokerAddrs map[string]string `json:"brokerAddrs"`
}

// ParseTopicRouteData parses a GET_ROUTEINFO_BY_TOPIC body in either JSON form.
func ParseTopicRouteData(body []byte) (*TopicRouteData, error) {
	var w wireRoute
	if err := json.Unmarshal(QuoteNumericKeys(body), &w); err != nil {
		return nil, fmt.Errorf("route: bad TopicRouteData: %w", err)
	}
	for _, qd := range w.QueueDatas {
		if qd.ReadQueueNums < 0 || qd.WriteQueueNums < 0 || qd.ReadQueueNums > MaxQueueNums || qd.WriteQueueNums > MaxQueueNums {
			return nil, fmt.Errorf("route: broker %s claims %d/%d queues", qd.BrokerName, qd.ReadQueueNums, qd.WriteQueueNums)
		}
	}
	r := &TopicRouteData{OrderTopicConf: w.OrderTopicConf, QueueDatas: w.QueueDatas, FilterServerTable: w.FilterServerTable}
	for _, bd := range w.BrokerDatas {
		addrs := make(map[int64]string, len(bd.BrokerAddrs))
		for k, v := range bd.BrokerAddrs {
			id, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("route: broker id %q of %s is not a number", k, bd.BrokerName)
			}
			addrs[id] = v
		}
		r.BrokerDatas = append(r.BrokerDatas, BrokerData{Cluster: bd.Cluster, BrokerName: bd.BrokerName, BrokerAddrs: addrs})
	}
	return r, nil
}

// QuoteNumericKeys rewrites object keys that are bare integers ({0:"a",-1:"b"}) as strings,
// leaving everything else, strings included, untouched. Standard JSON passes through
// unchanged (and uncopied).
func QuoteNumericKeys(b []byte) []byte {
	var out []byte
	last := 0
	inString := false
	expectKey := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			expectKey = false
		case '{', ',':
			expectKey = true
		case ' ', '\t', '\n', '\r':
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if !expectKey {
				continue
			}
			j := i + 1
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			k := j
			for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r') {
				k++
			}
			if k < len(b) && b[k] == ':' {
				out = append(out, b[last:i]...)
				out = append(out, '"')
				out = append(out, b[i:j]...)
				out = append(out, '"')
				last = j
			}
			i = j - 1
			expectKey = false
		default:
			expectKey = false
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}
