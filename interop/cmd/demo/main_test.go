package main

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/rlog"

	"github.com/rocketmq-go/librocketmq/devbroker"
)

func TestMain(m *testing.M) {
	rlog.SetLogLevel("error")
	os.Exit(m.Run())
}

// TestDemoAgainstDevBroker runs the demo against an in-process dev broker, with the topic
// left to auto-creation as a first-time user would.
func TestDemoAgainstDevBroker(t *testing.T) {
	b, err := devbroker.Start(devbroker.Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	topic := fmt.Sprintf("DemoTopic_%d", time.Now().UnixNano())
	if err := run(b.NameServerAddr(), topic, 10, 60*time.Second); err != nil {
		t.Fatal(err)
	}
}
