package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	coreclient "github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/producer"
)

const (
	benchTag  = "TagA"   // measured messages
	warmupTag = "warmup" // sent before the measured ones; consumed, not measured
	benchKey  = "order-1"
)

func benchBody(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

func newProducer(namesrv, group string) (*producer.Producer, error) {
	instance := fmt.Sprintf("%s-%d", group, os.Getpid())
	p, err := producer.New(producer.Config{
		Group:  group,
		Client: coreclient.Config{NameServerAddrs: []string{namesrv}, InstanceName: instance},
	})
	if err != nil {
		return nil, err
	}
	return p, p.Start()
}

func shutdown(p *producer.Producer) {
	done := make(chan struct{})
	go func() { _ = p.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		fmt.Fprintln(os.Stderr, "bench consumer: producer Shutdown took over 10 s")
	}
}

// fillCmd stores -n messages in batches of 64 from 4 goroutines: the consumers' backlog.
func fillCmd(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ContinueOnError)
	namesrv := fs.String("namesrv", "127.0.0.1:9876", "name server host:port")
	topic := fs.String("topic", "", "topic (created beforehand)")
	size := fs.Int("size", 100, "body size in bytes")
	n := fs.Int("n", 200000, "messages to store")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *topic == "" || *size <= 0 || *n <= 0 {
		return errors.New("need -topic, and positive -size and -n")
	}
	p, err := newProducer(*namesrv, "BenchFill")
	if err != nil {
		return fmt.Errorf("fill producer: %w", err)
	}
	defer shutdown(p)
	body := benchBody(*size)
	const batch, workers = 64, 4
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := next.Add(batch) - batch
				if from >= int64(*n) {
					return
				}
				k := min(batch, int(int64(*n)-from))
				msgs := make([]*message.Message, k)
				for i := range msgs {
					m := &message.Message{Topic: *topic, Body: body}
					m.SetTags(benchTag)
					m.SetKeys(benchKey)
					msgs[i] = m
				}
				r, err := p.SendBatch(context.Background(), msgs)
				if err == nil && r.Status != producer.SendOK {
					err = fmt.Errorf("send status %v", r.Status)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Fprintf(os.Stderr, "bench consumer: stored %d messages of %d B in %s in %v\n", *n, *size, *topic,
		time.Since(start).Round(time.Millisecond))
	return nil
}

// produceCmd sends -warmup-n then -n messages at -rate msgs/s, paced every millisecond,
// with async sends of our Go core; any failed send is an error.
func produceCmd(args []string) error {
	fs := flag.NewFlagSet("produce", flag.ContinueOnError)
	namesrv := fs.String("namesrv", "127.0.0.1:9876", "name server host:port")
	topic := fs.String("topic", "", "topic (created beforehand)")
	size := fs.Int("size", 100, "body size in bytes")
	rate := fs.Int("rate", 10000, "messages per second")
	warmN := fs.Int("warmup-n", 10000, "warm-up messages (tag "+warmupTag+") sent first")
	n := fs.Int("n", 50000, "measured messages (tag "+benchTag+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *topic == "" || *size <= 0 || *rate <= 0 || *n <= 0 || *warmN < 0 {
		return errors.New("need -topic, and positive -size, -rate and -n")
	}
	p, err := newProducer(*namesrv, "BenchRate")
	if err != nil {
		return fmt.Errorf("rate producer: %w", err)
	}
	defer shutdown(p)
	body := benchBody(*size)
	warm := &message.Message{Topic: *topic, Body: body}
	warm.SetTags(warmupTag)
	warm.SetKeys(benchKey)
	measured := &message.Message{Topic: *topic, Body: body}
	measured.SetTags(benchTag)
	measured.SetKeys(benchKey)

	var done atomic.Int64
	var failed atomic.Pointer[error]
	cb := func(r *producer.SendResult, err error) {
		if err == nil && r.Status != producer.SendOK {
			err = fmt.Errorf("send status %v", r.Status)
		}
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
		done.Add(1)
	}
	total := *warmN + *n
	start := time.Now()
	sent := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for sent < total && failed.Load() == nil {
		due := min(total, int(time.Since(start).Seconds()*float64(*rate))+1)
		for ; sent < due; sent++ {
			m := measured
			if sent < *warmN {
				m = warm
			}
			if err := p.SendAsync(context.Background(), m, cb); err != nil {
				return fmt.Errorf("send %d not accepted: %w", sent, err)
			}
		}
		<-tick.C
	}
	elapsed := time.Since(start)
	for wait := time.Now().Add(30 * time.Second); done.Load() < int64(sent); time.Sleep(time.Millisecond) {
		if time.Now().After(wait) {
			return fmt.Errorf("%d of %d sends never completed", int64(sent)-done.Load(), sent)
		}
	}
	if err := failed.Load(); err != nil {
		return fmt.Errorf("send failed: %w", *err)
	}
	fmt.Fprintf(os.Stderr, "bench consumer: sent %d messages at %.0f msgs/s\n", sent, float64(sent)/elapsed.Seconds())
	return nil
}
