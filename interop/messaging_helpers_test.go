package interop

// Helpers of the retry, DLQ, delay and transaction scenarios.

import (
	"time"

	"github.com/rocketmq-go/librocketmq/devbroker"
)

// delay is how long the target holds a message of a delay level (a level past the end of
// the table is its last level).
func (e *env) delay(level int) time.Duration {
	table := fastDelayLevels()
	if e.external {
		table = devbroker.DefaultDelayLevels
	}
	return table[min(level, len(table))-1]
}

// transactionCheckWithin bounds how long the target takes to ask a producer about a
// transaction left unknown (Java: after 6 s, at the next check run, which comes every
// 60 s).
func (e *env) transactionCheckWithin() time.Duration {
	if e.external {
		return 90 * time.Second
	}
	return 15 * time.Second
}

// consumerGroup returns a new group name whose %RETRY% topic already exists, as it does for
// any group that has run before. A group's first consumer asks for the retry topic's route
// before its first heartbeat creates the topic (on the dev broker as on Java's), so it would
// only start pulling retries at its next rebalance, 20 s later.
func (e *env) consumerGroup() string {
	e.t.Helper()
	group := e.name("cg")
	e.createTopicNamed("%RETRY%"+group, 1)
	return group
}
