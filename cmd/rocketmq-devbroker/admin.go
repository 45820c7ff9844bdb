package main

// The admin subcommand: what a person wants to see of a running name server and its
// brokers, asked over the wire with the remoting protocol, so it works against a Java
// RocketMQ 4.x as well as against the dev broker.
//
// Brokers are found through the name server: GET_BROKER_CLUSTER_INFO for all masters, a
// topic's route where a topic decides. Slaves are never asked. Bodies are read as the Java
// broker writes them (fastjson, with object-keyed maps).

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/rocketmq-go/librocketmq/core/acl"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

const adminUsage = `usage: rocketmq-devbroker admin <command> [flags]

Commands:
  topics                   topics with their queue and message counts
  progress  -group G       a consumer group's offsets and lag per queue [-topic T]
  message   -id MSGID      one message, by the offset msgId a send returned
  consumers -group G       a consumer group's connections and subscriptions

Flags of every command:
  -namesrv host:port       name server (default 127.0.0.1:9876)
  -timeout d               bound of each request (default 5s)
  -tls                     connect with TLS (the certificate is not verified)
  -access-key, -secret-key sign requests for a broker with ACL enabled
`

func runAdmin(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		out := stdout
		if len(args) == 0 {
			out = stderr
		}
		fmt.Fprint(out, adminUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name, args := args[0], args[1:]
	fs := flag.NewFlagSet("rocketmq-devbroker admin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o adminOpts
	fs.StringVar(&o.namesrv, "namesrv", "127.0.0.1:9876", "name server address")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "bound of each request")
	fs.BoolVar(&o.tls, "tls", false, "connect with TLS, without verifying the certificate")
	fs.StringVar(&o.accessKey, "access-key", "", "ACL access key")
	fs.StringVar(&o.secretKey, "secret-key", "", "ACL secret key")

	var cmd func(*adminSession) error
	switch name {
	case "topics":
		all := fs.Bool("all", false, "also list the broker's system topics")
		cmd = func(s *adminSession) error { return s.topics(*all) }
	case "progress":
		group := fs.String("group", "", "consumer group (required)")
		topic := fs.String("topic", "", "only this topic")
		cmd = func(s *adminSession) error {
			if *group == "" {
				return errUsage("-group is required")
			}
			return s.progress(*group, *topic)
		}
	case "message":
		id := fs.String("id", "", "offset msgId (required)")
		bodyMax := fs.Int("body-max", 512, "print at most this many bytes of the body")
		cmd = func(s *adminSession) error {
			if *id == "" {
				return errUsage("-id is required")
			}
			return s.message(*id, *bodyMax)
		}
	case "consumers":
		group := fs.String("group", "", "consumer group (required)")
		cmd = func(s *adminSession) error {
			if *group == "" {
				return errUsage("-group is required")
			}
			return s.consumers(*group)
		}
	default:
		fmt.Fprintf(stderr, "rocketmq-devbroker admin: unknown command %q\n%s", name, adminUsage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rocketmq-devbroker admin %s: unexpected arguments %q\n", name, fs.Args())
		return 2
	}
	if (o.accessKey == "") != (o.secretKey == "") {
		fmt.Fprintf(stderr, "rocketmq-devbroker admin %s: -access-key and -secret-key go together\n", name)
		return 2
	}
	s := newAdminSession(o, stdout)
	defer s.rc.Close()
	if err := cmd(s); err != nil {
		fmt.Fprintf(stderr, "rocketmq-devbroker admin %s: %v\n", name, err)
		var u errUsage
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	return 0
}

type errUsage string

func (e errUsage) Error() string { return string(e) }

type adminOpts struct {
	namesrv              string
	timeout              time.Duration
	tls                  bool
	accessKey, secretKey string
}

type adminSession struct {
	o   adminOpts
	rc  *remoting.Client
	out io.Writer
}

func newAdminSession(o adminOpts, out io.Writer) *adminSession {
	co := remoting.ClientOptions{DialTimeout: o.timeout}
	if o.tls {
		co.TLS = &tls.Config{InsecureSkipVerify: true}
	}
	if o.accessKey != "" {
		co.BeforeRequest = acl.Hook(acl.Credentials{AccessKey: o.accessKey, SecretKey: o.secretKey})
	}
	return &adminSession{o: o, rc: remoting.NewClient(co), out: out}
}

// call sends one request and returns the response whatever its code.
func (s *adminSession) call(addr string, code int32, ext map[string]string) (*remoting.Command, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.timeout)
	defer cancel()
	return s.rc.InvokeSync(ctx, addr, remoting.NewRequest(code, ext, nil), s.o.timeout)
}

// expect sends one request that must succeed.
func (s *adminSession) expect(addr string, code int32, ext map[string]string) (*remoting.Command, error) {
	resp, err := s.call(addr, code, ext)
	if err != nil {
		return nil, err
	}
	if resp.Code != remoting.Success {
		return nil, fmt.Errorf("%s answered code %d: %s", addr, resp.Code, resp.Remark)
	}
	return resp, nil
}

type brokerRef struct{ name, addr string }

// cluster reads every broker group's master, and the cluster and broker names (which are
// also topics).
func (s *adminSession) cluster() (masters []brokerRef, names map[string]bool, err error) {
	resp, err := s.expect(s.o.namesrv, remoting.GetBrokerClusterInfo, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster info: %w", err)
	}
	var info struct {
		BrokerAddrTable map[string]struct {
			BrokerAddrs map[string]string `json:"brokerAddrs"`
		} `json:"brokerAddrTable"`
		ClusterAddrTable map[string][]string `json:"clusterAddrTable"`
	}
	if err := json.Unmarshal(route.QuoteNumericKeys(resp.Body), &info); err != nil {
		return nil, nil, fmt.Errorf("cluster info: %w", err)
	}
	names = make(map[string]bool)
	for c := range info.ClusterAddrTable {
		names[c] = true
	}
	for name, bd := range info.BrokerAddrTable {
		names[name] = true
		if a := bd.BrokerAddrs[strconv.Itoa(route.MasterID)]; a != "" {
			masters = append(masters, brokerRef{name, a})
		}
	}
	slices.SortFunc(masters, func(a, b brokerRef) int { return strings.Compare(a.name, b.name) })
	if len(masters) == 0 {
		return nil, nil, fmt.Errorf("the name server %s knows no broker master", s.o.namesrv)
	}
	return masters, names, nil
}

// topicMasters reads the masters serving a topic from its route.
func (s *adminSession) topicMasters(topic string) ([]brokerRef, error) {
	resp, err := s.expect(s.o.namesrv, remoting.GetRouteInfoByTopic, map[string]string{"topic": topic})
	if err != nil {
		return nil, fmt.Errorf("route of %s: %w", topic, err)
	}
	rd, err := route.ParseTopicRouteData(resp.Body)
	if err != nil {
		return nil, err
	}
	var out []brokerRef
	for _, bd := range rd.BrokerDatas {
		if a := bd.BrokerAddrs[route.MasterID]; a != "" {
			out = append(out, brokerRef{bd.BrokerName, a})
		}
	}
	slices.SortFunc(out, func(a, b brokerRef) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// systemTopics are the broker's own (TopicValidator); the cluster's and brokers' names are
// topics too.
var systemTopics = map[string]bool{
	"TBW102": true, "SCHEDULE_TOPIC_XXXX": true, "BenchmarkTest": true, "RMQ_SYS_TRANS_HALF_TOPIC": true,
	"RMQ_SYS_TRACE_TOPIC": true, "RMQ_SYS_TRANS_OP_HALF_TOPIC": true, "TRANS_CHECK_MAX_TIME_TOPIC": true,
	"SELF_TEST_TOPIC": true, "OFFSET_MOVED_EVENT": true,
}

func isSystemTopic(topic string, names map[string]bool) bool {
	return systemTopics[topic] || names[topic] || strings.HasPrefix(topic, "rmq_sys_")
}

func formatMillis(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	return time.UnixMilli(ms).Format("2006-01-02 15:04:05.000")
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// --- topics ---

func (s *adminSession) topics(all bool) error {
	masters, names, err := s.cluster()
	if err != nil {
		return err
	}
	type row struct {
		brokers, queues int
		messages, last  int64
	}
	rows := make(map[string]*row)
	for _, br := range masters {
		resp, err := s.expect(br.addr, remoting.GetAllTopicConfig, nil)
		if err != nil {
			return fmt.Errorf("topic configs of %s: %w", br.name, err)
		}
		body, err := parseFastjsonObject(resp.Body)
		if err != nil {
			return fmt.Errorf("topic configs of %s: %w", br.name, err)
		}
		table := body.obj("topicConfigTable")
		if table == nil {
			return fmt.Errorf("topic configs of %s: no topicConfigTable", br.name)
		}
		for i, k := range table.keys {
			topic, _ := k.(string)
			tc, _ := table.vals[i].(*fjObject)
			if topic == "" || tc == nil || !all && isSystemTopic(topic, names) {
				continue
			}
			r := rows[topic]
			if r == nil {
				r = &row{}
				rows[topic] = r
			}
			r.brokers++
			r.queues += int(tc.int("writeQueueNums"))
			stats, err := s.expect(br.addr, remoting.GetTopicStatsInfo, map[string]string{"topic": topic})
			if err != nil {
				return fmt.Errorf("stats of %s on %s: %w", topic, br.name, err)
			}
			sb, err := parseFastjsonObject(stats.Body)
			if err != nil {
				return fmt.Errorf("stats of %s on %s: %w", topic, br.name, err)
			}
			offsets := sb.obj("offsetTable")
			if offsets == nil {
				continue
			}
			for _, v := range offsets.vals {
				off, _ := v.(*fjObject)
				r.messages += off.int("maxOffset") - off.int("minOffset")
				r.last = max(r.last, off.int("lastUpdateTimestamp"))
			}
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(s.out, "no topics")
		return nil
	}
	tw := newTable(s.out)
	fmt.Fprintln(tw, "TOPIC\tBROKERS\tQUEUES\tMESSAGES\tLAST STORED")
	topics := make([]string, 0, len(rows))
	for t := range rows {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		r := rows[t]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", t, r.brokers, r.queues, r.messages, formatMillis(r.last))
	}
	return tw.Flush()
}

// --- progress ---

func (s *adminSession) progress(group, topic string) error {
	var masters []brokerRef
	var err error
	if topic != "" {
		masters, err = s.topicMasters(topic)
	} else {
		masters, _, err = s.cluster()
	}
	if err != nil {
		return err
	}
	type row struct {
		topic, broker           string
		queue                   int64
		brokerOff, consumerOff  int64
		lastConsumedStoreMillis int64
	}
	var rows []row
	var tps float64
	ext := map[string]string{"consumerGroup": group}
	if topic != "" {
		ext["topic"] = topic
	}
	for _, br := range masters {
		resp, err := s.expect(br.addr, remoting.GetConsumeStats, ext)
		if err != nil {
			return fmt.Errorf("consume stats of %s on %s: %w", group, br.name, err)
		}
		body, err := parseFastjsonObject(resp.Body)
		if err != nil {
			return fmt.Errorf("consume stats of %s on %s: %w", group, br.name, err)
		}
		tps += body.float("consumeTps")
		table := body.obj("offsetTable")
		if table == nil {
			continue
		}
		for i, k := range table.keys {
			mq, _ := k.(*fjObject)
			v, _ := table.vals[i].(*fjObject)
			if mq == nil || v == nil {
				return fmt.Errorf("consume stats of %s on %s: an offsetTable entry is not MessageQueue → OffsetWrapper", group, br.name)
			}
			rows = append(rows, row{topic: mq.str("topic"), broker: mq.str("brokerName"), queue: mq.int("queueId"),
				brokerOff: v.int("brokerOffset"), consumerOff: v.int("consumerOffset"), lastConsumedStoreMillis: v.int("lastTimestamp")})
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("no consume progress for group %s: it has committed no offsets%s", group,
			map[bool]string{true: " for " + topic, false: ""}[topic != ""])
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(strings.Compare(a.topic, b.topic), strings.Compare(a.broker, b.broker), cmp.Compare(a.queue, b.queue))
	})
	tw := newTable(s.out)
	fmt.Fprintln(tw, "TOPIC\tBROKER\tQUEUE\tBROKER OFFSET\tCONSUMER OFFSET\tLAG\tLAST CONSUMED")
	var total int64
	for _, r := range rows {
		lag := r.brokerOff - r.consumerOff
		total += lag
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.topic, r.broker, r.queue, r.brokerOff, r.consumerOff, lag,
			formatMillis(r.lastConsumedStoreMillis))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.out, "\ntotal lag: %d\nconsume TPS: %.2f\n", total, tps)
	return err
}

// --- message ---

func (s *adminSession) message(id string, bodyMax int) error {
	host, phy, err := message.ParseOffsetMsgID(id)
	if err != nil {
		return fmt.Errorf("%q is not an offset msgId: %w", id, err)
	}
	// As Java's viewMessage does, ask the broker the id names: its store host.
	resp, err := s.expect(host.String(), remoting.ViewMessageByID, map[string]string{"offset": strconv.FormatInt(phy, 10)})
	if err != nil {
		return fmt.Errorf("view message %s: %w", id, err)
	}
	m, _, err := message.DecodeStoredOne(resp.Body, message.DecodeOptions{Decompress: true})
	if err != nil {
		return fmt.Errorf("view message %s: %w", id, err)
	}
	tw := newTable(s.out)
	line := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	line("OffsetMsgId:", m.MsgID)
	line("MsgId (UNIQ_KEY):", orDash(m.UniqKey()))
	line("Topic:", m.Topic)
	line("Tags:", orDash(m.Tags()))
	line("Keys:", orDash(strings.Join(m.Keys(), " ")))
	line("Queue:", fmt.Sprintf("%d, offset %d", m.QueueID, m.QueueOffset))
	line("Commit log offset:", strconv.FormatInt(m.CommitLogOffset, 10))
	line("Born:", fmt.Sprintf("%s from %s", formatMillis(m.BornTimestamp), m.BornHost))
	line("Stored:", fmt.Sprintf("%s on %s", formatMillis(m.StoreTimestamp), m.StoreHost))
	line("Reconsume times:", strconv.Itoa(int(m.ReconsumeTimes)))
	line("Flag / sysFlag:", fmt.Sprintf("%d / %d", m.Flag, m.SysFlag))
	keys := make([]string, 0, len(m.Properties))
	for k := range m.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	line("Properties:", "")
	for _, k := range keys {
		line("  "+k, m.Properties[k])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.out, "Body (%d bytes):\n%s\n", len(m.Body), showBody(m.Body, bodyMax))
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// showBody prints text as it is and anything else quoted, cut at max bytes.
func showBody(body []byte, max int) string {
	cut := body
	if max >= 0 && len(cut) > max {
		cut = cut[:max]
		for len(cut) > 0 && !utf8.Valid(cut) && len(body)-len(cut) < utf8.UTFMax {
			cut = cut[:len(cut)-1]
		}
	}
	out := string(cut)
	printable := utf8.ValidString(out) && strings.IndexFunc(out, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f
	}) < 0
	if !printable {
		out = strconv.Quote(out)
	}
	if len(cut) < len(body) {
		out += fmt.Sprintf("… (%d more bytes)", len(body)-len(cut))
	}
	return out
}

// --- consumers ---

func (s *adminSession) consumers(group string) error {
	// Java's examineConsumerConnectionInfo asks the brokers of the group's retry topic.
	masters, err := s.topicMasters(message.RetryTopic(group))
	if err != nil || len(masters) == 0 {
		if masters, _, err = s.cluster(); err != nil {
			return err
		}
	}
	for _, br := range masters {
		resp, err := s.call(br.addr, remoting.GetConsumerConnectionList, map[string]string{"consumerGroup": group})
		if err != nil {
			return fmt.Errorf("connections of %s on %s: %w", group, br.name, err)
		}
		switch resp.Code {
		case remoting.Success:
			return s.printConnections(group, br, resp.Body)
		case remoting.ConsumerNotOnline:
			continue
		default:
			return fmt.Errorf("connections of %s on %s: code %d: %s", group, br.name, resp.Code, resp.Remark)
		}
	}
	return fmt.Errorf("consumer group %s is not online", group)
}

func (s *adminSession) printConnections(group string, br brokerRef, b []byte) error {
	body, err := parseFastjsonObject(b)
	if err != nil {
		return fmt.Errorf("connections of %s on %s: %w", group, br.name, err)
	}
	tw := newTable(s.out)
	fmt.Fprintf(tw, "group:\t%s (as seen by %s %s)\n", group, br.name, br.addr)
	fmt.Fprintf(tw, "consume type:\t%s\n", orDash(body.str("consumeType")))
	fmt.Fprintf(tw, "message model:\t%s\n", orDash(body.str("messageModel")))
	fmt.Fprintf(tw, "consume from:\t%s\n", orDash(body.str("consumeFromWhere")))
	if err := tw.Flush(); err != nil {
		return err
	}

	conns, _ := body.get("connectionSet").([]any)
	type conn struct{ id, addr, lang, version string }
	var cs []conn
	for _, c := range conns {
		o, _ := c.(*fjObject)
		cs = append(cs, conn{o.str("clientId"), o.str("clientAddr"), orDash(o.str("language")), o.str("version")})
	}
	slices.SortFunc(cs, func(a, b conn) int { return strings.Compare(a.id, b.id) })
	fmt.Fprintln(s.out)
	tw = newTable(s.out)
	fmt.Fprintln(tw, "CLIENT ID\tADDRESS\tLANGUAGE\tVERSION")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.id, c.addr, c.lang, c.version)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	subs := body.obj("subscriptionTable")
	fmt.Fprintln(s.out)
	tw = newTable(s.out)
	fmt.Fprintln(tw, "TOPIC\tEXPRESSION\tTYPE")
	type sub struct{ topic, expr, typ string }
	var ss []sub
	if subs != nil {
		for i, k := range subs.keys {
			topic, _ := k.(string)
			sd, _ := subs.vals[i].(*fjObject)
			ss = append(ss, sub{topic, sd.str("subString"), orDash(sd.str("expressionType"))})
		}
	}
	slices.SortFunc(ss, func(a, b sub) int { return strings.Compare(a.topic, b.topic) })
	for _, x := range ss {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", x.topic, x.expr, x.typ)
	}
	return tw.Flush()
}
