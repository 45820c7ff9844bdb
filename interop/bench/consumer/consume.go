package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	aconsumer "github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/rlog"

	coreclient "github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/message"
)

// counter is what every listener feeds, one message at a time: it counts, takes the
// memory high-water mark after the first quarter, records end-to-end latencies of
// measured messages in latency mode, and says when -total have arrived.
type counter struct {
	total   int64
	latency bool
	n       atomic.Int64
	lat     []float64 // ms; indexed by latN
	latN    atomic.Int64
	hwmQ1   atomic.Int64 // KiB
	done    chan struct{}
}

func (c *counter) got(tags string, born int64) {
	if c.latency && tags == benchTag {
		now := time.Now().UnixNano()
		if i := c.latN.Add(1) - 1; i < int64(len(c.lat)) {
			c.lat[i] = float64(now)/1e6 - float64(born)
		}
	}
	n := c.n.Add(1)
	if n == c.total/4 && !c.latency {
		c.hwmQ1.Store(vmHWM())
	}
	if n == c.total {
		close(c.done)
	}
}

// vmHWM is the process's peak resident set, in KiB, from /proc/self/status.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return -1
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startCore runs core/consumer's push consumer with its defaults, one message per call.
func startCore(namesrv, topic, group, instance string, c *counter) (func(), error) {
	cfg := consumer.DefaultPushConfig(group)
	cfg.Client = coreclient.Config{NameServerAddrs: []string{namesrv}, InstanceName: instance}
	cfg.FromWhere = consumer.FromFirstOffset
	pc, err := consumer.NewPush(cfg)
	if err != nil {
		return nil, err
	}
	if err := pc.Subscribe(topic, "*"); err != nil {
		return nil, err
	}
	if err := pc.RegisterListener(func(msgs []*message.MessageExt) consumer.ConsumeStatus {
		for _, m := range msgs {
			c.got(m.Tags(), m.BornTimestamp)
		}
		return consumer.ConsumeSuccess
	}); err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		return nil, err
	}
	return func() { _ = pc.Shutdown() }, nil
}

// startApache runs rocketmq-client-go v2.1.2's push consumer with its defaults but
// ConsumeFromFirstOffset.
func startApache(namesrv, topic, group, instance string, c *counter) (func(), error) {
	if os.Getenv("ROCKETMQ_GO_LOG_LEVEL") == "" {
		rlog.SetLogLevel("error")
	}
	pc, err := rocketmq.NewPushConsumer(
		aconsumer.WithNameServer([]string{namesrv}),
		aconsumer.WithGroupName(group),
		aconsumer.WithInstance(instance),
		aconsumer.WithConsumeFromWhere(aconsumer.ConsumeFromFirstOffset),
	)
	if err != nil {
		return nil, err
	}
	if err := pc.Subscribe(topic, aconsumer.MessageSelector{Type: aconsumer.TAG, Expression: "*"},
		func(_ context.Context, msgs ...*primitive.MessageExt) (aconsumer.ConsumeResult, error) {
			for _, m := range msgs {
				c.got(m.GetTags(), m.BornTimestamp)
			}
			return aconsumer.ConsumeSuccess, nil
		}); err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		return nil, err
	}
	return func() { _ = pc.Shutdown() }, nil
}

func consumeCmd(args []string) error {
	fs := flag.NewFlagSet("consume", flag.ContinueOnError)
	which := fs.String("client", "", "core (core/consumer) or apache (rocketmq-client-go v2)")
	mode := fs.String("mode", "throughput", "throughput or latency")
	namesrv := fs.String("namesrv", "127.0.0.1:9876", "name server host:port")
	topic := fs.String("topic", "", "topic to consume (created beforehand)")
	total := fs.Int64("total", 0, "messages to receive before stopping")
	instance := fs.String("instance", fmt.Sprintf("bench-%d", os.Getpid()), "client instance name; the group is derived from it")
	ready := fs.String("ready", "", "write this file once the consumer has started")
	out := fs.String("out", "", "write the figures to this file (default: standard output)")
	timeout := fs.Duration("timeout", 2*time.Minute, "fail when not every message has arrived by then")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *topic == "" || *total <= 0 || (*mode != "throughput" && *mode != "latency") {
		return errors.New("need -topic, a positive -total, and -mode throughput or latency")
	}
	c := &counter{total: *total, latency: *mode == "latency", done: make(chan struct{})}
	if c.latency {
		c.lat = make([]float64, *total)
	}
	group := "BenchConsumer_" + *instance
	var stop func()
	var err error
	cpu0 := cpuTime()
	start := time.Now()
	switch *which {
	case "core":
		stop, err = startCore(*namesrv, *topic, group, *instance, c)
	case "apache":
		stop, err = startApache(*namesrv, *topic, group, *instance, c)
	default:
		return fmt.Errorf("-client %q: want core or apache", *which)
	}
	if err != nil {
		return fmt.Errorf("%s consumer: %w", *which, err)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte("ready\n"), 0o644); err != nil {
			return err
		}
	}
	select {
	case <-c.done:
	case <-time.After(*timeout):
		return fmt.Errorf("received %d of %d messages in %v", c.n.Load(), *total, *timeout)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0

	var figures strings.Builder
	emit := func(k string, v float64) { fmt.Fprintf(&figures, "%s %g\n", k, v) }
	label := "bench " + *which + " consumer"
	if c.latency {
		n := min(int(c.latN.Load()), len(c.lat))
		if n == 0 {
			return errors.New("no measured message arrived")
		}
		lat := c.lat[:n]
		slices.Sort(lat)
		emit("e2e_p50_ms", percentile(lat, 0.50))
		emit("e2e_p99_ms", percentile(lat, 0.99))
		emit("e2e_max_ms", lat[n-1])
		fmt.Fprintf(os.Stderr, "%s: %d measured messages: end-to-end p50 %.2f ms p99 %.2f ms max %.2f ms\n",
			label, n, percentile(lat, 0.5), percentile(lat, 0.99), lat[n-1])
	} else {
		rate := float64(*total) / elapsed.Seconds()
		emit("consume_rate", rate)
		emit("consume_cpu_us", float64(cpu)/1e3/float64(*total))
		emit("rss_hwm_kib", float64(vmHWM()))
		emit("rss_hwm_q1_kib", float64(c.hwmQ1.Load()))
		fmt.Fprintf(os.Stderr, "%s: %d msgs in %v: %.0f msgs/s, %.1f µs CPU per message, VmHWM %d KiB\n",
			label, *total, elapsed.Round(time.Millisecond), rate, float64(cpu)/1e3/float64(*total), vmHWM())
	}
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		fmt.Fprintf(os.Stderr, "%s: Shutdown took over 10 s\n", label)
	}
	if *out == "" {
		_, err = os.Stdout.WriteString(figures.String())
		return err
	}
	return os.WriteFile(*out, []byte(figures.String()), 0o644)
}

// percentile is the nearest-rank percentile of sorted samples (the C program's too).
func percentile(sorted []float64, q float64) float64 {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
