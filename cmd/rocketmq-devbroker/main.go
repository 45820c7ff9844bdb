// Command rocketmq-devbroker runs a RocketMQ 4.x name server and broker in one process, with
// messages in memory (or in -data-dir, to survive restarts), for development, demos and tests where no Java broker can run.
//
// Usage:
//
//	rocketmq-devbroker [serve] [flags]
//	rocketmq-devbroker admin <topics|progress|message|consumers> [flags]
//
// Once both listen it prints one line naming their addresses, and with -ready-file it also
// writes the name server's address to a file, so that scripts starting it on port 0 can
// wait for it. SIGINT or SIGTERM shut it down cleanly with exit status 0.
//
// The admin commands print topics, consumer progress and lag, a message by its id and a
// group's connections, asking any RocketMQ 4.x name server and its brokers over the wire.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rocketmq-go/librocketmq/core/route"
	"github.com/rocketmq-go/librocketmq/devbroker"
	"github.com/rocketmq-go/librocketmq/internal/atomicfile"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: rocketmq-devbroker [serve] [flags]
       rocketmq-devbroker admin <command> [flags]

Commands:
  serve    run the name server and the broker (the default)
  admin    show topics, consumer progress, a message or a group's connections

Run "rocketmq-devbroker serve -h" and "rocketmq-devbroker admin help" for the flags.
`

// run dispatches on the subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr)
	case "admin":
		return runAdmin(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "rocketmq-devbroker: unknown command %q\n%s", cmd, usage)
		return 2
	}
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rocketmq-devbroker serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nsAddr := fs.String("namesrv-addr", "127.0.0.1:9876", "listen address of the name server (port 0: any free port)")
	brokerAddr := fs.String("broker-addr", "127.0.0.1:10911", "listen address of the broker (port 0: any free port)")
	brokerName := fs.String("broker-name", "broker-a", "broker name published in routes")
	cluster := fs.String("cluster", "DefaultCluster", "cluster name")
	queues := fs.Int("queues", 4, "queue count of auto-created topics")
	autoCreate := fs.Bool("auto-create-topic", true, "create topics on their first send, as autoCreateTopicEnable does")
	verbose := fs.Bool("v", false, "log at debug level (default: warnings and errors only)")
	readyFile := fs.String("ready-file", "", "once listening, write the name server address to this file")
	tlsMode := fs.String("tls-mode", "", "disabled, permissive (TLS and plain on each port) or enforcing (TLS only); "+
		"default: permissive with -tls-cert/-tls-key, disabled without")
	tlsCert := fs.String("tls-cert", "", "PEM certificate file (default with a -tls-mode: a self-signed certificate)")
	tlsKey := fs.String("tls-key", "", "PEM private key file of -tls-cert")
	aclKey := fs.String("acl-access-key", "", "check every request's ACL signature (4.x plain ACL); this account, the only one, is an admin")
	aclSecret := fs.String("acl-secret-key", "", "secret key of -acl-access-key")
	delayLevels := fs.String("delay-levels", "", "delays of DELAY levels 1, 2, ... as the broker's messageDelayLevel: "+
		"\"1s 5s 10s 30s 1m ...\" (default: the real broker's 18 levels)")
	txTimeout := fs.Duration("transaction-timeout", 6*time.Second, "how long a half message waits before its producer is asked")
	txInterval := fs.Duration("transaction-check-interval", 60*time.Second, "time between two checks of one half message")
	dataDir := fs.String("data-dir", "", "keep the commit log, consumer offsets, topics, delay progress and pending half "+
		"messages in this directory so they survive a restart (default: memory only)")
	registerTo := fs.String("register-to", "", "also register the broker with these name servers (semicolon or comma "+
		"separated), as a Java broker's namesrvAddr: several dev brokers then share one name server's routes")
	advertise := fs.String("advertise-addr", "", "broker address published in routes (default: the listen address)")
	syncFlush := fs.Bool("sync-flush", false, "with -data-dir, fsync every append before answering the send")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rocketmq-devbroker: unexpected arguments %q\n", fs.Args())
		return 2
	}

	tlsCfg, err := tlsConfig(*tlsMode, *tlsCert, *tlsKey)
	if err != nil {
		fmt.Fprintf(stderr, "rocketmq-devbroker: %v\n", err)
		return 2
	}
	var aclCfg *devbroker.ACLConfig
	switch {
	case (*aclKey == "") != (*aclSecret == ""):
		fmt.Fprintln(stderr, "rocketmq-devbroker: -acl-access-key and -acl-secret-key go together")
		return 2
	case *aclKey != "":
		aclCfg = &devbroker.ACLConfig{Accounts: []devbroker.ACLAccount{{AccessKey: *aclKey, SecretKey: *aclSecret, Admin: true}}}
	}

	levels, err := parseDelayLevels(*delayLevels)
	if err != nil {
		fmt.Fprintf(stderr, "rocketmq-devbroker: -delay-levels: %v\n", err)
		return 2
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// Catch the signals before announcing readiness, so a script that stops us the moment it
	// sees the address still gets a clean shutdown.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	registerAddrs, err := registerToAddrs(*registerTo)
	if err != nil {
		fmt.Fprintf(stderr, "rocketmq-devbroker: -register-to: %v\n", err)
		return 2
	}
	b, err := devbroker.Start(devbroker.Config{
		NameServerAddr:           *nsAddr,
		BrokerAddr:               *brokerAddr,
		BrokerName:               *brokerName,
		ClusterName:              *cluster,
		DefaultQueueNums:         *queues,
		DisableAutoCreateTopic:   !*autoCreate,
		TLS:                      tlsCfg,
		ACL:                      aclCfg,
		DelayLevels:              levels,
		TransactionTimeout:       *txTimeout,
		TransactionCheckInterval: *txInterval,
		DataDir:                  *dataDir,
		RegisterTo:               registerAddrs,
		BrokerAdvertiseAddr:      *advertise,
		SyncFlush:                *syncFlush,
		Logger:                   log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "rocketmq-devbroker: %v\n", err)
		return 1
	}
	defer b.Close()

	if b.BrokerListenAddr() != b.BrokerAddr() {
		fmt.Fprintf(stdout, "rocketmq-devbroker: name server %s, broker %s (%s), listening on %s\n",
			b.NameServerAddr(), b.BrokerAddr(), b.BrokerName(), b.BrokerListenAddr())
	} else {
		fmt.Fprintf(stdout, "rocketmq-devbroker: name server %s, broker %s (%s)\n", b.NameServerAddr(), b.BrokerAddr(), b.BrokerName())
	}
	if *readyFile != "" {
		if err := writeReadyFile(*readyFile, b.NameServerAddr()); err != nil {
			fmt.Fprintf(stderr, "rocketmq-devbroker: ready file: %v\n", err)
			return 1
		}
	}

	<-ctx.Done()
	log.Info("shutting down")
	return 0
}

// registerToAddrs reads -register-to, a name server list written as the clients' setting
// is; empty is none.
func registerToAddrs(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return route.ParseAddrs(s)
}

// tlsConfig turns the TLS flags into the broker's setting; nil is no TLS.
func tlsConfig(mode, cert, key string) (*devbroker.TLSConfig, error) {
	if (cert == "") != (key == "") {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	if mode == "" {
		if cert == "" {
			return nil, nil
		}
		mode = string(devbroker.TLSPermissive)
	}
	m, err := devbroker.ParseTLSMode(mode)
	if err != nil {
		return nil, err
	}
	if m == devbroker.TLSDisabled {
		return nil, nil
	}
	return &devbroker.TLSConfig{Mode: m, CertFile: cert, KeyFile: key}, nil
}

// writeReadyFile writes the address through a rename, so a reader polling for the file
// never sees it half written.
func writeReadyFile(path, addr string) error {
	return atomicfile.WriteFile(path, []byte(addr+"\n"))
}

// parseDelayLevels reads a messageDelayLevel setting: durations separated by spaces, each a
// number and a unit of s, m, h or d ("" keeps the default table). "ms" is accepted too, though
// the real broker has no such unit, so that tests can run fast.
func parseDelayLevels(s string) ([]time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	var out []time.Duration
	for _, f := range strings.Fields(s) {
		var d time.Duration
		for _, u := range units {
			if num, ok := strings.CutSuffix(f, u.suffix); ok {
				if n, err := strconv.Atoi(num); err == nil && n >= 0 {
					d = time.Duration(n) * u.unit
				}
				break
			}
		}
		if d == 0 && f != "0s" {
			return nil, fmt.Errorf("bad level %q (want a number and s, m, h or d)", f)
		}
		out = append(out, d)
	}
	return out, nil
}
