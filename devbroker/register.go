package devbroker

// Registration with other name servers (Config.RegisterTo), as a Java broker's
// BrokerOuterAPI does: REGISTER_BROKER (103) to every name server at start, every
// RegisterInterval and whenever a topic is created or changed, and UNREGISTER_BROKER (104)
// on Close. The body is RegisterBrokerBody's plain JSON (compressedRegister=false) with the
// whole topic table. Two dev brokers, one registering with the other's name server, make a
// two-broker cluster behind one name server.

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

type registrar struct {
	b      *Broker
	remote *remoting.Client
	kick   chan struct{}

	mu      sync.Mutex
	version int64 // dataVersion counter, bumped on every topic change
}

func newRegistrar(b *Broker) *registrar {
	return &registrar{b: b, remote: remoting.NewClient(remoting.ClientOptions{}), kick: make(chan struct{}, 1)}
}

// topicsChanged asks for a registration now, so a new topic is routable at once.
func (r *registrar) topicsChanged() {
	r.mu.Lock()
	r.version++
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *registrar) start() {
	b := r.b
	// Close must not wait out a registration with a name server that does not answer.
	ctx, cancel := context.WithCancel(context.Background())
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		<-b.stop
		cancel()
	}()
	go func() {
		defer b.wg.Done()
		for {
			next := b.cfg.RegisterInterval
			if !r.registerAll(ctx) {
				// A name server that is not up yet (started after us, say) is tried again
				// soon rather than after a whole interval.
				next = min(next, registerRetry)
			}
			t := time.NewTimer(next)
			select {
			case <-b.stop:
				t.Stop()
				return
			case <-t.C:
			case <-r.kick:
				t.Stop()
			}
		}
	}()
}

// registerTopic is one TopicConfig of a RegisterBrokerBody's topicConfigTable, as we send
// it and as the name server reads it back.
type registerTopic struct {
	TopicName      string `json:"topicName"`
	ReadQueueNums  int    `json:"readQueueNums"`
	WriteQueueNums int    `json:"writeQueueNums"`
	Perm           int    `json:"perm"`
	TopicSysFlag   int    `json:"topicSysFlag"`
	Order          bool   `json:"order"`
}

func (r *registrar) body() []byte {
	table := make(map[string]registerTopic)
	for _, tc := range r.b.topics.list() {
		table[tc.Name] = registerTopic{tc.Name, tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm, tc.TopicSysFlag, tc.Order}
	}
	r.mu.Lock()
	counter := r.version
	r.mu.Unlock()
	var body struct {
		Wrapper struct {
			Table       map[string]registerTopic `json:"topicConfigTable"`
			DataVersion struct {
				Timestamp int64 `json:"timestamp"`
				Counter   int64 `json:"counter"`
			} `json:"dataVersion"`
		} `json:"topicConfigSerializeWrapper"`
		FilterServerList []string `json:"filterServerList"`
	}
	body.Wrapper.Table = table
	body.Wrapper.DataVersion.Timestamp = time.Now().UnixMilli()
	body.Wrapper.DataVersion.Counter = counter
	body.FilterServerList = []string{}
	out, _ := json.Marshal(body) // plain structs: cannot fail
	return out
}

func (r *registrar) header() map[string]string {
	b := r.b
	return map[string]string{
		"brokerName": b.cfg.BrokerName, "brokerAddr": b.brokerAddr, "clusterName": b.cfg.ClusterName,
		"brokerId": "0", "haServerAddr": b.brokerAddr,
	}
}

// registerAll registers with every name server and reports whether all of them took it.
func (r *registrar) registerAll(ctx context.Context) bool {
	body := r.body()
	h := r.header()
	h["compressed"] = "false"
	h["bodyCrc32"] = strconv.Itoa(int(message.BodyCRC(body)))
	all := true
	for _, ns := range r.b.cfg.RegisterTo {
		resp, err := r.remote.InvokeSync(ctx, ns, remoting.NewRequest(remoting.RegisterBroker, h, body), registerTimeout)
		switch {
		case ctx.Err() != nil:
			return false
		case err != nil:
			all = false
			r.b.log.Warn("register with name server failed", "nameServer", ns, "err", err)
		case resp.Code != remoting.Success:
			all = false
			r.b.log.Warn("name server refused registration", "nameServer", ns, "code", resp.Code, "remark", resp.Remark)
		}
	}
	return all
}

// registerRetry is the wait before trying a failed registration again.
const registerRetry = time.Second

// registerTimeout is the real broker's registerBrokerTimeoutMills default.
const registerTimeout = 6 * time.Second

// close unregisters from every name server (briefly: a name server that is away drops us
// when our connection closes anyway) and closes the connections.
func (r *registrar) close() {
	for _, ns := range r.b.cfg.RegisterTo {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, _ = r.remote.InvokeSync(ctx, ns, remoting.NewRequest(remoting.UnregisterBroker, r.header(), nil), time.Second)
		cancel()
	}
	r.remote.Close()
}
