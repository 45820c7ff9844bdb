package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// topicsCmd creates the run's topics on every broker of the cluster before any client
// sends, so that no measured send pays for auto-creation (or for the default topic's
// route that auto-creation goes through).
func topicsCmd(args []string) error {
	fs := flag.NewFlagSet("topics", flag.ContinueOnError)
	namesrv := fs.String("namesrv", "127.0.0.1:9876", "name server host:port")
	queues := fs.Int("queues", 8, "read and write queues of each topic")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("no topic named")
	}
	rc := remoting.NewClient(remoting.ClientOptions{})
	defer rc.Close()
	call := func(addr string, code int32, ext map[string]string) (*remoting.Command, error) {
		resp, err := rc.InvokeSync(context.Background(), addr, remoting.NewRequest(code, ext, nil), 5*time.Second)
		if err != nil {
			return nil, err
		}
		if resp.Code != remoting.Success {
			return resp, fmt.Errorf("request %d to %s: code %d: %s", code, addr, resp.Code, resp.Remark)
		}
		return resp, nil
	}

	info, err := call(*namesrv, remoting.GetBrokerClusterInfo, nil)
	if err != nil {
		return err
	}
	// A real name server answers in fastjson with bare integer keys, so addresses are
	// matched rather than decoded.
	var brokers []string
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`"([0-9.]+:[0-9]+)"`).FindAllSubmatch(info.Body, -1) {
		if a := string(m[1]); !seen[a] {
			seen[a] = true
			brokers = append(brokers, a)
		}
	}
	if len(brokers) == 0 {
		return fmt.Errorf("no broker address in the cluster info of %s: %s", *namesrv, info.Body)
	}

	n := strconv.Itoa(*queues)
	for _, topic := range fs.Args() {
		for _, b := range brokers {
			if _, err := call(b, remoting.UpdateAndCreateTopic, map[string]string{
				"topic": topic, "readQueueNums": n, "writeQueueNums": n, "perm": "6",
			}); err != nil {
				return fmt.Errorf("create topic %s: %w", topic, err)
			}
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, topic := range fs.Args() {
		for {
			_, err := call(*namesrv, remoting.GetRouteInfoByTopic, map[string]string{"topic": topic})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("route of %s never appeared: %w", topic, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}
