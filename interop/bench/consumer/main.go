// Command consumer is the consumer half of scripts/bench.sh: it fills topics, sends at a
// steady rate, runs the push consumer of our Go core (core/consumer) or of Apache's Go
// client (rocketmq-client-go v2.1.2) with the workload of bench/c/consumer_bench.c, and
// prints the table that sets these two and the C API side by side.
//
//	consumer fill -namesrv ADDR -topic T -size N -n COUNT
//	consumer produce -namesrv ADDR -topic T -size N -rate R -warmup-n W -n COUNT
//	consumer consume -client core|apache -mode throughput|latency -namesrv ADDR -topic T
//	         -total N [-instance I] [-ready FILE] [-out FILE]
//	consumer report -dir DIR [-sizes 100,1024] [-rss-size 100] [-markdown FILE]
//
// The topics are created beforehand (bench topics). "fill" stores COUNT messages with
// our Go core's batch sends, before anything is timed; "produce" sends W warm-up messages
// (tag "warmup") and then COUNT measured ones (tag "TagA") at R msgs/s with async sends,
// each stamped with its born timestamp by the producer. "consume" writes one "key value"
// line per figure, the C program's format:
//
//	throughput: consume_rate (msgs/s from Start until the last of -total arrived),
//	            consume_cpu_us (process CPU per message), rss_hwm_kib and
//	            rss_hwm_q1_kib (VmHWM at the end and after the first quarter)
//	latency:    e2e_p50_ms, e2e_p99_ms, e2e_max_ms over the "TagA" messages: receive
//	            time (wall clock) minus born timestamp (ms, set by the producer)
//
// Every client runs with its defaults (flow control, threads, pull batch), except that
// Apache's consumer is told ConsumeFromFirstOffset (ours starts at offset 0 of a young
// queue for a new group anyway; the C API has no such setter).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "fill":
		err = fillCmd(os.Args[2:])
	case "produce":
		err = produceCmd(os.Args[2:])
	case "consume":
		err = consumeCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench consumer %s: FAIL: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: consumer fill|produce|consume|report [flags] (see the package comment)")
	os.Exit(2)
}
