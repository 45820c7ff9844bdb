package devbroker

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// Helpers of the membership, offset, lock and name server tests carry a "mgmt" prefix so
// they cannot collide with the store-side tests of this package.

func mgmtBroker(t *testing.T, cfg Config) *Broker {
	t.Helper()
	if cfg.NameServerAddr == "" {
		cfg.NameServerAddr = "127.0.0.1:0"
	}
	if cfg.BrokerAddr == "" {
		cfg.BrokerAddr = "127.0.0.1:0"
	}
	b, err := Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func mgmtClient(t *testing.T) *remoting.Client {
	t.Helper()
	c := remoting.NewClient(remoting.ClientOptions{})
	t.Cleanup(func() { c.Close() })
	return c
}

func mgmtCall(t *testing.T, c *remoting.Client, addr string, req *remoting.Command) *remoting.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.InvokeSync(ctx, addr, req, 5*time.Second)
	require.NoError(t, err)
	return resp
}

// routeRequest asks for a topic's route as a client of the given version.
func routeRequest(topic string, version int32, ext ...string) *remoting.Command {
	req := remoting.NewRequest(remoting.GetRouteInfoByTopic, map[string]string{"topic": topic}, nil)
	req.Version = version
	for i := 0; i+1 < len(ext); i += 2 {
		req.SetExt(ext[i], ext[i+1])
	}
	return req
}

// goClientBrokerAddrs parses brokerAddrs the way rocketmq-client-go v2.1.2 does: strip the
// braces, split on commas, cut each entry at its first colon, drop every quote.
func goClientBrokerAddrs(obj string) map[int64]string {
	out := make(map[int64]string)
	for _, e := range strings.Split(obj[1:len(obj)-1], ",") {
		i := strings.Index(e, ":")
		if i < 0 {
			continue
		}
		id, _ := strconv.ParseInt(strings.ReplaceAll(e[:i], `"`, ""), 10, 64)
		out[id] = strings.ReplaceAll(e[i+1:], `"`, "")
	}
	return out
}

func TestRouteLegacyJSONBytes(t *testing.T) {
	b := mgmtBroker(t, Config{})
	c := mgmtClient(t)

	resp := mgmtCall(t, c, b.NameServerAddr(), routeRequest("TBW102", 317))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	want := `{"brokerDatas":[{"brokerAddrs":{0:"` + b.BrokerAddr() + `"},"brokerName":"broker-a","cluster":"DefaultCluster"}],` +
		`"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":7,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}`
	assert.Equal(t, want, string(resp.Body))
	assert.False(t, json.Valid(resp.Body), "the legacy form is not standard JSON")

	obj := resp.Body[bytes.Index(resp.Body, []byte(`{0:`)):]
	obj = obj[:bytes.IndexByte(obj, '}')+1]
	assert.Equal(t, map[int64]string{0: b.BrokerAddr()}, goClientBrokerAddrs(string(obj)))

	rd, err := route.ParseTopicRouteData(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, b.BrokerAddr(), rd.MasterAddr("broker-a"))
}

func TestRouteStandardJSON(t *testing.T) {
	b := mgmtBroker(t, Config{})
	require.NoError(t, b.CreateTopic("Orders", 3))
	c := mgmtClient(t)

	type wire struct {
		BrokerDatas []struct {
			BrokerAddrs map[string]string `json:"brokerAddrs"`
			BrokerName  string            `json:"brokerName"`
			Cluster     string            `json:"cluster"`
		} `json:"brokerDatas"`
		FilterServerTable map[string][]string `json:"filterServerTable"`
		QueueDatas        []map[string]any    `json:"queueDatas"`
	}
	for name, req := range map[string]*remoting.Command{
		"version 401":            routeRequest("Orders", 401),
		"version 409":            routeRequest("Orders", 409),
		"acceptStandardJsonOnly": routeRequest("Orders", 317, "acceptStandardJsonOnly", "true"),
	} {
		t.Run(name, func(t *testing.T) {
			resp := mgmtCall(t, c, b.NameServerAddr(), req)
			require.Equal(t, remoting.Success, resp.Code, resp.Remark)
			assert.Contains(t, string(resp.Body), `"brokerAddrs":{"0":"`+b.BrokerAddr()+`"}`)
			var w wire
			require.NoError(t, json.Unmarshal(resp.Body, &w))
			require.Len(t, w.BrokerDatas, 1)
			assert.Equal(t, map[string]string{"0": b.BrokerAddr()}, w.BrokerDatas[0].BrokerAddrs)
			assert.Equal(t, "broker-a", w.BrokerDatas[0].BrokerName)
			assert.Equal(t, "DefaultCluster", w.BrokerDatas[0].Cluster)
			assert.NotNil(t, w.FilterServerTable)
			assert.Empty(t, w.FilterServerTable)
			assert.Equal(t, []map[string]any{{"brokerName": "broker-a", "perm": 6.0, "readQueueNums": 3.0,
				"topicSysFlag": 0.0, "writeQueueNums": 3.0}}, w.QueueDatas)
			assert.NotContains(t, string(resp.Body), "orderTopicConf", "null fields are omitted")
		})
	}
}

func TestRouteTopicNotExist(t *testing.T) {
	b := mgmtBroker(t, Config{})
	c := mgmtClient(t)
	resp := mgmtCall(t, c, b.NameServerAddr(), routeRequest("NoSuchTopic", 317))
	assert.Equal(t, remoting.TopicNotExist, resp.Code)
	assert.Equal(t, "No topic route info in name server for the topic: NoSuchTopic\nSee http://rocketmq.apache.org/docs/faq/ for further details.", resp.Remark)
	assert.Empty(t, resp.Body)

	// Without auto-creation there is no TBW102 to fall back on.
	strict := mgmtBroker(t, Config{DisableAutoCreateTopic: true})
	resp = mgmtCall(t, c, strict.NameServerAddr(), routeRequest("TBW102", 401))
	assert.Equal(t, remoting.TopicNotExist, resp.Code)
}

func TestRouteJSONEscaping(t *testing.T) {
	rd := topicRouteData{
		OrderTopicConf: "b:4",
		QueueDatas:     []queueData{{BrokerName: `b"é/`, ReadQueueNums: 1, WriteQueueNums: 2, Perm: 6}},
		BrokerDatas:    []brokerData{{Cluster: "c\n\x01😀", BrokerName: `b"é/`, Addrs: map[int64]string{1: "s", 0: "m"}}},
	}
	assert.Equal(t, `{"brokerDatas":[{"brokerAddrs":{0:"m",1:"s"},"brokerName":"b\"é/","cluster":"c\n\u0001😀"}],`+
		`"filterServerTable":{},"orderTopicConf":"b:4","queueDatas":[{"brokerName":"b\"é/","perm":6,"readQueueNums":1,"topicSysFlag":0,"writeQueueNums":2}]}`,
		string(encodeRoute(rd, false)))

	std := encodeRoute(rd, true)
	assert.Equal(t, `{"brokerDatas":[{"brokerAddrs":{"0":"m","1":"s"},"brokerName":"b\"\u00E9\/","cluster":"c\n\u0001\uD83D\uDE00"}],`+
		`"filterServerTable":{},"orderTopicConf":"b:4","queueDatas":[{"brokerName":"b\"\u00E9\/","perm":6,"readQueueNums":1,"topicSysFlag":0,"writeQueueNums":2}]}`,
		string(std))
	parsed, err := route.ParseTopicRouteData(std)
	require.NoError(t, err)
	assert.Equal(t, "c\n\x01😀", parsed.BrokerDatas[0].Cluster)
	assert.Equal(t, map[int64]string{0: "m", 1: "s"}, parsed.BrokerDatas[0].BrokerAddrs)
}

func TestClusterInfoAndTopicList(t *testing.T) {
	b := mgmtBroker(t, Config{BrokerName: "bk", ClusterName: "CL"})
	require.NoError(t, b.CreateTopic("Zeta", 1))
	c := mgmtClient(t)

	resp := mgmtCall(t, c, b.NameServerAddr(), remoting.NewRequest(remoting.GetBrokerClusterInfo, nil, nil))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, `{"brokerAddrTable":{"bk":{"brokerAddrs":{0:"`+b.BrokerAddr()+`"},"brokerName":"bk","cluster":"CL"}},`+
		`"clusterAddrTable":{"CL":["bk"]}}`, string(resp.Body))

	resp = mgmtCall(t, c, b.NameServerAddr(), remoting.NewRequest(remoting.GetAllTopicListFromNameServer, nil, nil))
	require.Equal(t, remoting.Success, resp.Code)
	var list struct {
		TopicList []string `json:"topicList"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &list))
	assert.Contains(t, list.TopicList, "TBW102")
	assert.Contains(t, list.TopicList, "Zeta")
	assert.Contains(t, list.TopicList, "CL", "the broker's cluster-name topic is registered too")
}

func registerRequest(name, addr string, id int64, body []byte, compressed bool) *remoting.Command {
	return remoting.NewRequest(remoting.RegisterBroker, map[string]string{
		"brokerName": name, "brokerAddr": addr, "clusterName": "DefaultCluster", "haServerAddr": addr + "0",
		"brokerId": strconv.FormatInt(id, 10), "compressed": strconv.FormatBool(compressed), "bodyCrc32": "0",
	}, body)
}

const registerJSON = `{"topicConfigSerializeWrapper":{"topicConfigTable":{` +
	`"Remote":{"topicName":"Remote","readQueueNums":2,"writeQueueNums":2,"perm":6,"topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false},` +
	`"TBW102":{"topicName":"TBW102","readQueueNums":8,"writeQueueNums":8,"perm":7,"topicFilterType":"SINGLE_TAG","topicSysFlag":0,"order":false}},` +
	`"dataVersion":{"timestamp":1,"counter":1}},"filterServerList":[]}`

func TestRegisterOtherBroker(t *testing.T) {
	b := mgmtBroker(t, Config{})
	c := mgmtClient(t)
	ns := b.NameServerAddr()

	resp := mgmtCall(t, c, ns, registerRequest("broker-b", "10.0.0.2:10911", 0, []byte(registerJSON), false))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)

	resp = mgmtCall(t, c, ns, routeRequest("Remote", 401))
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	rd, err := route.ParseTopicRouteData(resp.Body)
	require.NoError(t, err)
	require.Len(t, rd.BrokerDatas, 1)
	assert.Equal(t, "10.0.0.2:10911", rd.MasterAddr("broker-b"))

	resp = mgmtCall(t, c, ns, routeRequest("TBW102", 317))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, `{"brokerDatas":[{"brokerAddrs":{0:"`+b.BrokerAddr()+`"},"brokerName":"broker-a","cluster":"DefaultCluster"},`+
		`{"brokerAddrs":{0:"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[`+
		`{"brokerName":"broker-a","perm":7,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8},`+
		`{"brokerName":"broker-b","perm":7,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}`, string(resp.Body))

	resp = mgmtCall(t, c, ns, remoting.NewRequest(remoting.GetBrokerClusterInfo, nil, nil))
	assert.Contains(t, string(resp.Body), `"clusterAddrTable":{"DefaultCluster":["broker-a","broker-b"]}`)

	// A slave of broker-b learns its master; topic configs of slaves are ignored.
	resp = mgmtCall(t, c, ns, registerRequest("broker-b", "10.0.0.3:10911", 1, []byte(strings.ReplaceAll(registerJSON, "Remote", "SlaveOnly")), false))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Equal(t, "10.0.0.2:10911", resp.Ext("masterAddr"))
	assert.Equal(t, "10.0.0.2:109110", resp.Ext("haServerAddr"))
	assert.Equal(t, remoting.TopicNotExist, mgmtCall(t, c, ns, routeRequest("SlaveOnly", 401)).Code)

	resp = mgmtCall(t, c, ns, remoting.NewRequest(remoting.UnregisterBroker, map[string]string{
		"brokerName": "broker-b", "brokerAddr": "10.0.0.2:10911", "clusterName": "DefaultCluster", "brokerId": "0"}, nil))
	require.Equal(t, remoting.Success, resp.Code)
	resp = mgmtCall(t, c, ns, routeRequest("Remote", 401))
	require.Equal(t, remoting.Success, resp.Code, "the slave still serves broker-b's topics")
	rd, err = route.ParseTopicRouteData(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, map[int64]string{1: "10.0.0.3:10911"}, rd.BrokerDatas[0].BrokerAddrs)

	b.ns.expire(time.Now().Add(brokerExpiry + time.Second))
	assert.Equal(t, remoting.TopicNotExist, mgmtCall(t, c, ns, routeRequest("Remote", 401)).Code)
	resp = mgmtCall(t, c, ns, routeRequest("TBW102", 401))
	assert.NotContains(t, string(resp.Body), "broker-b")
}

func TestRegisterBrokerGoneWithConnection(t *testing.T) {
	b := mgmtBroker(t, Config{})
	ns := b.NameServerAddr()
	other := remoting.NewClient(remoting.ClientOptions{})
	defer other.Close()
	resp := mgmtCall(t, other, ns, registerRequest("broker-b", "10.0.0.2:10911", 0, []byte(registerJSON), false))
	require.Equal(t, remoting.Success, resp.Code)
	other.Close()

	c := mgmtClient(t)
	require.Eventually(t, func() bool {
		b.ns.expire(time.Now())
		resp, err := c.InvokeSync(context.Background(), ns, routeRequest("Remote", 401), time.Second)
		return err == nil && resp.Code == remoting.TopicNotExist
	}, 5*time.Second, 20*time.Millisecond)
}

func TestRegisterCompressedAndChecked(t *testing.T) {
	b := mgmtBroker(t, Config{})
	c := mgmtClient(t)
	ns := b.NameServerAddr()

	var raw bytes.Buffer
	chunk := func(s string) {
		binary.Write(&raw, binary.BigEndian, int32(len(s)))
		raw.WriteString(s)
	}
	chunk(`{"counter":1,"timestamp":1}`)
	binary.Write(&raw, binary.BigEndian, int32(2))
	chunk("Packed 3 5 6 SINGLE_TAG")
	chunk("bogus")
	chunk("[]")
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()

	req := registerRequest("broker-z", "10.0.0.9:10911", 0, z.Bytes(), true)
	req.SetExt("bodyCrc32", strconv.Itoa(int(message.BodyCRC(z.Bytes()))))
	resp := mgmtCall(t, c, ns, req)
	require.Equal(t, remoting.Success, resp.Code, resp.Remark)
	resp = mgmtCall(t, c, ns, routeRequest("Packed", 317))
	require.Equal(t, remoting.Success, resp.Code)
	assert.Contains(t, string(resp.Body), `{"brokerName":"broker-z","perm":6,"readQueueNums":3,"topicSysFlag":0,"writeQueueNums":5}`)

	req = registerRequest("broker-z", "10.0.0.9:10911", 0, z.Bytes(), true)
	req.SetExt("bodyCrc32", "12345")
	resp = mgmtCall(t, c, ns, req)
	assert.Equal(t, remoting.SystemError, resp.Code)
	assert.Equal(t, "crc32 not match", resp.Remark)

	resp = mgmtCall(t, c, ns, registerRequest(b.BrokerName(), "10.0.0.9:10911", 0, nil, false))
	assert.Equal(t, remoting.SystemError, resp.Code, "this process's master cannot be replaced")

	resp = mgmtCall(t, c, ns, registerRequest(b.BrokerName(), "10.0.0.8:10911", 2, nil, false))
	require.Equal(t, remoting.Success, resp.Code, "but it may get slaves")
	assert.Equal(t, b.BrokerAddr(), resp.Ext("masterAddr"))
	resp = mgmtCall(t, c, ns, routeRequest("TBW102", 317))
	assert.Contains(t, string(resp.Body), fmt.Sprintf(`{0:"%s",2:"10.0.0.8:10911"}`, b.BrokerAddr()))
}
