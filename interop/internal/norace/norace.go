// Package norace lets the interop tests run without the race detector when `go test -race`
// built them.
//
// Apache's rocketmq-client-go v2.1.2 has data races of its own (for example
// pushConsumer.messageQueueChanged writes SubscriptionData.SubVersion while the heartbeat
// and route goroutines Clone it, and the orderly consumer's processQueue.putMessage and
// takeMessages touch one tree map from two goroutines without a lock). The race detector
// cannot be told to ignore a dependency, and a race anywhere fails whichever test is
// running, so under -race the interop suite would fail at random for reasons that are not
// ours. Rerun re-executes the same tests with `go test` without -race instead, and says so.
// INTEROP_RACE=1 keeps the race detector on (to look at those races).
package norace

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

const childEnv = "INTEROP_NORACE_CHILD"

// Rerun is called from TestMain. When the tests were built with the race detector, and
// neither INTEROP_RACE=1 nor a previous Rerun asked to stay, it runs `go test` for the
// current package without -race, with the same -run, -v, -timeout and -count, forwards
// its output and returns its exit code and true. Otherwise it returns 0, false and the
// caller runs the tests itself.
func Rerun(raceBuild bool) (int, bool) {
	if !raceBuild || os.Getenv("INTEROP_RACE") == "1" || os.Getenv(childEnv) == "1" {
		return 0, false
	}
	if !flag.Parsed() {
		flag.Parse()
	}
	args := []string{"test", "-count=1"}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		args = append(args, "-run", f.Value.String())
	}
	if f := flag.Lookup("test.v"); f != nil && f.Value.String() != "false" {
		args = append(args, "-v")
	}
	if f := flag.Lookup("test.timeout"); f != nil && f.Value.String() != "0s" {
		args = append(args, "-timeout", f.Value.String())
	}
	args = append(args, ".")
	fmt.Fprintf(os.Stderr, "interop: built with -race, but Apache's rocketmq-client-go v2.1.2 has data races of its own;\n"+
		"interop: rerunning these tests without the race detector: go %s (INTEROP_RACE=1 keeps it on)\n", strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := []string{childEnv + "=1"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOFLAGS=") {
			kv = strings.ReplaceAll(kv, "-race", "")
		}
		env = append(env, kv)
	}
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), true
		}
		fmt.Fprintf(os.Stderr, "interop: cannot rerun without -race: %v\n", err)
		return 1, true
	}
	return 0, true
}
