// Command bench is the Go half of scripts/bench.sh: the producer workload of the C
// benchmark (bench/c/producer_bench.c) run with Apache's Go client (rocketmq-client-go
// v2) and with our Go core (core/producer), against a broker that is already running,
// and the table that sets the three side by side.
//
//	bench topics -namesrv ADDR [-queues 8] TOPIC...    create topics, wait for their routes
//	bench run -client apache|core -namesrv ADDR -topic T -size N [-out FILE] [workload flags]
//	bench report -dir DIR [-sizes 100,1024] [-gotest FILE] [-markdown FILE]
//
// "run" writes one "key value" line per figure to -out or stdout (the format the C program
// prints too), and progress to stderr; it exits 1 on the first failed send.
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
	case "topics":
		err = topicsCmd(os.Args[2:])
	case "run":
		err = runCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: FAIL: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: bench topics|run|report [flags] (see the package comment)")
	os.Exit(2)
}
