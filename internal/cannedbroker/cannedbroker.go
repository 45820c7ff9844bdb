// Package cannedbroker is a broker for measuring clients: it answers every request with one
// prepared SUCCESS frame shaped like a SEND_MESSAGE answer (only the opaque changes) and
// allocates nothing per request, so allocations counted in its process are the client's.
// It understands requests with JSON headers only.
package cannedbroker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// Broker is a running canned broker.
type Broker struct {
	ns     string
	ln     net.Listener
	reg    *remoting.Client
	conns  sync.WaitGroup
	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool // set by Close: a connection accepted after it is closed at once
}

// Start listens on a free loopback port and registers the broker with nameServer as the
// master of topic with the given number of queues. The registration lasts until Close.
func Start(nameServer, topic string, queues int) (*Broker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Broker{ns: nameServer, ln: ln, reg: remoting.NewClient(remoting.ClientOptions{}), open: map[net.Conn]struct{}{}}
	go b.accept()
	if err := Register(b.reg, nameServer, "broker-canned", b.Addr(), topic, queues); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// NameServer is the name server the broker registered with.
func (b *Broker) NameServer() string { return b.ns }

// Addr is the broker's address.
func (b *Broker) Addr() string { return b.ln.Addr().String() }

// Close unregisters the broker (its name-server connection goes) and closes its
// connections, returning once they are served no more.
func (b *Broker) Close() {
	b.reg.Close()
	b.ln.Close()
	b.mu.Lock()
	b.closed = true
	for c := range b.open {
		c.Close()
	}
	b.mu.Unlock()
	b.conns.Wait()
}

func (b *Broker) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			c.Close()
			return
		}
		b.open[c] = struct{}{}
		b.conns.Add(1)
		b.mu.Unlock()
		go func() {
			defer b.conns.Done()
			serve(c)
			b.mu.Lock()
			delete(b.open, c)
			b.mu.Unlock()
		}()
	}
}

// Register makes a broker known to nameServer as the master brokerName at addr with topic of
// the given number of queues, as REGISTER_BROKER from a real broker would. The registration
// lasts as long as c's connection to the name server.
func Register(c *remoting.Client, nameServer, brokerName, addr, topic string, queues int) error {
	body, err := json.Marshal(map[string]any{"topicConfigSerializeWrapper": map[string]any{"topicConfigTable": map[string]any{
		topic: map[string]any{"topicName": topic, "readQueueNums": queues, "writeQueueNums": queues, "perm": 6}}}})
	if err != nil {
		return err
	}
	resp, err := c.InvokeSync(context.Background(), nameServer, remoting.NewRequest(remoting.RegisterBroker, map[string]string{
		"brokerName": brokerName, "brokerAddr": addr, "clusterName": "DefaultCluster", "haServerAddr": addr, "brokerId": "0",
	}, body), 5*time.Second)
	if err != nil {
		return err
	}
	if resp.Code != remoting.Success {
		return fmt.Errorf("cannedbroker: registering: %w", resp.AsError())
	}
	return nil
}

var (
	cannedHead = []byte(`{"code":0,"extFields":{"msgId":"7F00000100002A9F0000000000000000","queueId":"0","queueOffset":"0",` +
		`"MSG_REGION":"DefaultRegion","TRACE_ON":"true"},"flag":1,"language":"JAVA","opaque":`)
	cannedTail = []byte(`,"serializeTypeCurrentRPC":"JSON","version":401}`)
	opaqueKey  = []byte(`"opaque":`)
	flagKey    = []byte(`"flag":`)
)

// serve answers each request frame of a connection.
func serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	var lens [8]byte
	frame := make([]byte, 0, 64<<10)
	out := make([]byte, 0, 512)
	for {
		if _, err := io.ReadFull(r, lens[:]); err != nil {
			return
		}
		total := int(binary.BigEndian.Uint32(lens[:4]))
		headerLen := int(binary.BigEndian.Uint32(lens[4:]) & 0xFFFFFF)
		if total < 4 || headerLen > total-4 {
			return
		}
		if cap(frame) < total-4 {
			frame = make([]byte, total-4)
		}
		frame = frame[:total-4]
		if _, err := io.ReadFull(r, frame); err != nil {
			return
		}
		header := frame[:headerLen]
		if i := bytes.Index(header, flagKey); i >= 0 && i+len(flagKey) < len(header) && header[i+len(flagKey)] == '2' {
			continue // oneway
		}
		i := bytes.Index(header, opaqueKey)
		if i < 0 {
			return
		}
		j := i + len(opaqueKey)
		k := j
		for k < len(header) && (header[k] == '-' || header[k] >= '0' && header[k] <= '9') {
			k++
		}
		out = append(out[:0], 0, 0, 0, 0, 0, 0, 0, 0)
		out = append(out, cannedHead...)
		out = append(out, header[j:k]...)
		out = append(out, cannedTail...)
		binary.BigEndian.PutUint32(out, uint32(len(out)-4))
		binary.BigEndian.PutUint32(out[4:], uint32(len(out)-8))
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}
