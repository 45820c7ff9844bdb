// Package reliability holds the fault-injection scenarios of librocketmq-go: each test runs
// producers and consumers of the Go core against dev brokers while it breaks something (a
// broker killed and restarted, one of two brokers unreachable, the name server away, a
// stalled connection, a broker refusing with SYSTEM_BUSY), then proves that no acknowledged
// message was lost and reports what it measured:
//
//	reliability: <scenario>: acknowledged=N consumed=N lost=0 duplicated=D ...
//
// Each test logs that line (go test -v shows it) and, when RMQ_RELIABILITY_REPORT names a
// file, appends it there; scripts/test.sh prints that file. RMQ_RELIABILITY_FULL=1 runs the
// name server outage for the full 60 s with upstream's 30 s route refresh instead of the
// short version CI runs. Faults come from internal/faultproxy and devbroker hooks.
package reliability
