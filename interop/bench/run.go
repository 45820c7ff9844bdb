package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// client is one producer library under test, started and warmed up by its constructor.
type client interface {
	// syncSender returns a function sending one message synchronously, for use by one
	// goroutine; a status other than SEND_OK is an error.
	syncSender() func() error
	// asyncSender returns a function starting one send, after which done runs exactly
	// once for each nil return. The callback is built once, so that the allocations
	// counted per message are the library's.
	asyncSender(done func(error)) func() error
	close()
}

// workload is the same for every client, and the same as the C program's (see
// bench/c/producer_bench.c, which reads the BENCH_* variables bench.sh passes here as
// flags).
type workload struct {
	warmup   int           // sync sends before anything is measured
	latN     int           // sync sends whose latencies are recorded
	duration time.Duration // per throughput figure
	threads  int           // sending goroutines of the parallel sync figure
	window   int           // async sends in flight at most
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	which := fs.String("client", "", "apache (rocketmq-client-go v2) or core (core/producer)")
	namesrv := fs.String("namesrv", "127.0.0.1:9876", "name server host:port")
	topic := fs.String("topic", "", "topic to send to (created beforehand)")
	size := fs.Int("size", 100, "body size in bytes")
	instance := fs.String("instance", fmt.Sprintf("bench-%d", os.Getpid()), "client instance name")
	out := fs.String("out", "", "write the figures to this file (default: standard output, which the Apache client may also log to)")
	var w workload
	fs.IntVar(&w.warmup, "warmup", 1000, "sync sends before measuring")
	fs.IntVar(&w.latN, "n", 10000, "sync sends measured for latency")
	fs.DurationVar(&w.duration, "duration", 2*time.Second, "length of each throughput figure")
	fs.IntVar(&w.threads, "threads", 16, "goroutines of the parallel sync figure")
	fs.IntVar(&w.window, "window", 1024, "async sends in flight at most")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *topic == "" || *size <= 0 || w.latN <= 0 || w.threads <= 0 || w.window <= 0 || w.duration <= 0 {
		return errors.New("need -topic, and positive -size, -n, -threads, -window, -duration")
	}

	body := make([]byte, *size)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	var c client
	var err error
	switch *which {
	case "apache":
		c, err = newApache(*namesrv, *topic, *instance, body)
	case "core":
		c, err = newCore(*namesrv, *topic, *instance, body)
	default:
		return fmt.Errorf("-client %q: want apache or core", *which)
	}
	if err != nil {
		return err
	}
	defer c.close()
	var figures strings.Builder
	if err := measure(c, w, *which, func(key string, v float64) { fmt.Fprintf(&figures, "%s %g\n", key, v) }); err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.WriteString(figures.String())
		return err
	}
	return os.WriteFile(*out, []byte(figures.String()), 0o644)
}

// measure runs the workload's phases in the C program's order and emits each figure.
func measure(c client, w workload, label string, emit func(string, float64)) error {
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "bench %s: "+format+"\n", append([]any{label}, a...)...)
	}
	send := c.syncSender()
	for i := 0; i < w.warmup; i++ {
		if err := send(); err != nil {
			return fmt.Errorf("warm-up send %d: %w", i, err)
		}
	}
	// The async path has its own first-use costs (pools, callback workers).
	if _, _, err := asyncFor(c, w.window, 200*time.Millisecond); err != nil {
		return fmt.Errorf("async warm-up: %w", err)
	}

	runtime.GC()
	lat := make([]time.Duration, w.latN)
	for i := range lat {
		t0 := time.Now()
		if err := send(); err != nil {
			return fmt.Errorf("latency send %d: %w", i, err)
		}
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	for _, q := range []struct {
		key string
		q   float64
	}{{"sync_p50_us", 0.50}, {"sync_p99_us", 0.99}, {"sync_p999_us", 0.999}} {
		emit(q.key, float64(percentile(lat, q.q))/1e3)
	}
	logf("latency: p50 %v p99 %v p999 %v", percentile(lat, .5), percentile(lat, .99), percentile(lat, .999))

	phase := func(key string, run func() (int, time.Duration, error)) error {
		runtime.GC()
		m0, cpu0 := mallocs(), cpuTime()
		n, elapsed, err := run()
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if n == 0 {
			return fmt.Errorf("%s: no message sent", key)
		}
		m1, cpu1 := mallocs(), cpuTime()
		rate := float64(n) / elapsed.Seconds()
		emit(key+"_rate", rate)
		emit(key+"_cpu_us", float64(cpu1-cpu0)/1e3/float64(n))
		emit(key+"_allocs", float64(m1-m0)/float64(n))
		logf("%s: %d msgs in %v: %.0f msgs/s, %.1f µs CPU and %.1f allocations per message",
			key, n, elapsed.Round(time.Millisecond), rate, float64(cpu1-cpu0)/1e3/float64(n), float64(m1-m0)/float64(n))
		return nil
	}
	if err := phase("sync1", func() (int, time.Duration, error) { return syncFor(c, 1, w.duration) }); err != nil {
		return err
	}
	if err := phase(fmt.Sprintf("sync%d", w.threads), func() (int, time.Duration, error) {
		return syncFor(c, w.threads, w.duration)
	}); err != nil {
		return err
	}
	return phase("async", func() (int, time.Duration, error) { return asyncFor(c, w.window, w.duration) })
}

// percentile is the nearest-rank percentile of sorted samples (the C program's too).
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// cpuTime is the process's user and system time: what the client costs, the broker
// being another process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syncFor sends from n goroutines until d has passed, and returns the messages sent and
// the time until the last goroutine finished.
func syncFor(c client, n int, d time.Duration) (int, time.Duration, error) {
	var stop atomic.Bool
	var total atomic.Int64
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < n; g++ {
		send := c.syncSender()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := 0
			for !stop.Load() {
				if err := send(); err != nil {
					errs <- err
					stop.Store(true)
					break
				}
				sent++
			}
			total.Add(int64(sent))
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	return int(total.Load()), elapsed, nil
}

// asyncFor keeps up to window sends in flight until d has passed, then waits for the
// rest; it counts completions, so a send is measured when its answer has come.
func asyncFor(c client, window int, d time.Duration) (int, time.Duration, error) {
	slots := make(chan struct{}, window)
	var done atomic.Int64
	var failed atomic.Pointer[error]
	complete := func(err error) {
		if err != nil {
			e := err // &err would move every call's err to the heap: an allocation per message
			failed.CompareAndSwap(nil, &e)
		}
		done.Add(1)
		<-slots
	}
	send := c.asyncSender(complete)
	stall := time.NewTimer(time.Hour)
	defer stall.Stop()
	start := time.Now()
	end := start.Add(d)
	issued := 0
	for time.Now().Before(end) && failed.Load() == nil {
		select {
		case slots <- struct{}{}:
		default:
			stall.Reset(30 * time.Second)
			select {
			case slots <- struct{}{}:
			case <-stall.C:
				return 0, 0, fmt.Errorf("no async send completed for 30 s (%d of %d done)", done.Load(), issued)
			}
		}
		if err := send(); err != nil {
			return 0, 0, fmt.Errorf("async send %d not accepted: %w", issued, err)
		}
		issued++
	}
	for wait := time.Now().Add(30 * time.Second); done.Load() < int64(issued); {
		if time.Now().After(wait) {
			return 0, 0, fmt.Errorf("%d of %d async sends never completed", int64(issued)-done.Load(), issued)
		}
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	if err := failed.Load(); err != nil {
		return 0, 0, fmt.Errorf("async send failed: %w", *err)
	}
	return issued, elapsed, nil
}
