package reliability_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/consumer"
	"github.com/rocketmq-go/librocketmq/core/producer"
)

// brokerProcess is the rocketmq-devbroker command run as a child process, so that it can
// be killed (SIGKILL) like a crashed broker rather than closed.
type brokerProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
	ns     string // name server address
	listen string // broker listen address
}

var (
	buildOnce sync.Once
	binDir    string // removed by TestMain
	binPath   string
	buildErr  error
)

// restartAfter is how long the killed broker stays down: long enough for pulls and sends
// to fail and for consumers to back off (3 s pull backoff after a failed pull).
const restartAfter = 2 * time.Second

// devbrokerBinary builds cmd/rocketmq-devbroker once per test binary.
func devbrokerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binDir, buildErr = os.MkdirTemp("", "reliability-devbroker-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "rocketmq-devbroker")
		out, err := exec.Command(goTool, "build", "-o", binPath, "../cmd/rocketmq-devbroker").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Skipf("cannot build the dev broker command: %v", buildErr)
	}
	return binPath
}

var readyLine = regexp.MustCompile(`^rocketmq-devbroker: name server (\S+), broker \S+ \(\S+\), listening on (\S+)$`)

// startBrokerProcess runs the dev broker with its data in dataDir, publishing advertise as
// its address, and returns once it listens.
func startBrokerProcess(t *testing.T, dataDir, advertise string) *brokerProcess {
	t.Helper()
	cmd := exec.Command(devbrokerBinary(t), "-namesrv-addr", "127.0.0.1:0", "-broker-addr", "127.0.0.1:0",
		"-data-dir", dataDir, "-advertise-addr", advertise)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &brokerProcess{cmd: cmd, exited: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	select {
	case line := <-lines:
		m := readyLine.FindStringSubmatch(line)
		require.NotNil(t, m, "unexpected first line %q", line)
		p.ns, p.listen = m[1], m[2]
	case <-p.exited:
		t.Fatal("the dev broker exited before it was ready")
	case <-time.After(wait):
		t.Fatal("the dev broker did not get ready")
	}
	return p
}

// kill ends the process with SIGKILL: no flush, no unregistering, connections reset.
func (p *brokerProcess) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// TestBrokerKilledAndRestarted: the broker process (name server and broker) is killed with
// SIGKILL while 4 producers send and a group of 2 consumers consumes, and started again on
// the same data directory. Clients reach it through proxies, whose addresses stay the same
// across the restart as a host's would. Tolerated: sends failing while it is down, and
// consumer offsets committed since the broker's last flush (1 s) going back. Proven: every
// acknowledged message is consumed at least once; duplicates are counted.
func TestBrokerKilledAndRestarted(t *testing.T) {
	const topic = "Restart"
	dataDir := t.TempDir()
	nsProxy, brokerProxy := reserveProxy(t), reserveProxy(t)
	retarget := func(p *brokerProcess) {
		nsProxy.SetTarget(p.ns)
		brokerProxy.SetTarget(p.listen)
	}
	first := startBrokerProcess(t, dataDir, brokerProxy.Addr())
	retarget(first)
	ns := nsProxy.Addr()

	l := newLedger()
	var producers []*producer.Producer
	for i := range 4 {
		producers = append(producers, startProducer(t, producer.Config{Group: "RestartProducers", Client: clientConfig(ns, fmt.Sprint("p", i), time.Second)}))
	}
	// The first sends create the topic (4 queues); the consumers start on a topic that exists.
	ld := startLoad(l, topic, producers, nil)
	ackedMore(t, l, 50)
	var cs []*consumer.PushConsumer
	for i := range 2 {
		cs = append(cs, startConsumer(t, consumer.PushConfig{Group: "RestartGroup", Client: clientConfig(ns, fmt.Sprint("c", i), time.Second)}, topic, l))
	}
	ackedMore(t, l, 300)

	first.kill()
	killed := time.Now()
	ackedAtKill, failedAtKill := l.ackedN.Load(), l.failed.Load()
	waitFor(t, "sends to fail while the broker is down", func() bool {
		return time.Since(killed) >= restartAfter && l.failed.Load() > failedAtKill
	})

	second := startBrokerProcess(t, dataDir, brokerProxy.Addr())
	retarget(second)
	downFor := time.Since(killed)
	ackedMore(t, l, 300)
	waitBalanced(t, topic, 4, cs...)
	ld.end()
	l.waitConsumed(t)
	l.report(t, "broker killed and restarted", fmt.Sprintf("acknowledgedBeforeKill=%d failedWhileDown=%d down=%v",
		ackedAtKill, l.failed.Load()-failedAtKill, downFor.Round(time.Millisecond)))
}
