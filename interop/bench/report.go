package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/rocketmq-go/librocketmq/interop/bench/figures"
)

// The three producers, in the order of the table's columns; their results are
// DIR/<name>-<size>.txt.
var contenders = []struct{ file, title string }{
	{"c", "C API"},
	{"core", "Go core"},
	{"apache", "Apache Go"},
}

// row is one figure of the table; lower says whether a smaller value is better, and
// scale and digits how it is shown.
type row struct {
	key, title string
	scale      float64
	digits     int
	lower      bool
	goOnly     bool // the C program cannot see Go heap allocations
}

func rowsFor(threads int) []row {
	syncN := fmt.Sprintf("sync%d", threads)
	return []row{
		{"sync_p50_us", "sync p50 (ms)", 1e-3, 3, true, false},
		{"sync_p99_us", "sync p99 (ms)", 1e-3, 3, true, false},
		{"sync_p999_us", "sync p999 (ms)", 1e-3, 3, true, false},
		{"sync1_rate", "sync, 1 thread (msgs/s)", 1, 0, false, false},
		{syncN + "_rate", fmt.Sprintf("sync, %d threads (msgs/s)", threads), 1, 0, false, false},
		{"async_rate", "async (msgs/s)", 1, 0, false, false},
		{"sync1_cpu_us", "client CPU per msg, sync 1 thread (µs)", 1, 1, true, false},
		{syncN + "_cpu_us", fmt.Sprintf("client CPU per msg, sync %d threads (µs)", threads), 1, 1, true, false},
		{"async_cpu_us", "client CPU per msg, async (µs)", 1, 1, true, false},
		{"sync1_allocs", "Go allocations per msg, sync", 1, 1, true, true},
		{"async_allocs", "Go allocations per msg, async", 1, 1, true, true},
	}
}

func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory of the run's result files")
	sizesFlag := fs.String("sizes", "100,1024", "body sizes, comma-separated")
	threads := fs.Int("threads", 16, "sending threads of the parallel sync figure")
	window := fs.Int("window", 1024, "async window (for the captions)")
	gotest := fs.String("gotest", "", "output of go test -bench BenchmarkProducer -benchmem ./bench/ (optional)")
	markdown := fs.String("markdown", "", "also write the table as Markdown to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("need -dir")
	}
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
		sizes = append(sizes, n)
	}
	results := map[string]map[string]float64{} // "c-100" → key → median over the rounds
	rounds := 0
	for _, size := range sizes {
		for _, c := range contenders {
			name := fmt.Sprintf("%s-%d", c.file, size)
			r, n, err := figures.ReadRounds(*dir, name)
			if err != nil {
				return err
			}
			results[name] = r
			rounds = max(rounds, n)
		}
	}
	var allocs []benchLine
	if *gotest != "" {
		var err error
		if allocs, err = readGoTest(*gotest); err != nil {
			return err
		}
	}

	rows := rowsFor(*threads)
	var md strings.Builder
	fmt.Fprintf(&md, "| figure | ours, C API | ours, Go core | Apache Go client | ratio C API / Apache | ratio Go core / Apache |\n")
	fmt.Fprintf(&md, "|---|---|---|---|---|---|\n")
	for _, size := range sizes {
		fmt.Printf("\n== %s bodies (async window %d; medians of %d rounds) ==\n", figures.SizeName(size), *window, rounds)
		fmt.Printf("%-42s %12s %12s %12s %9s %9s\n", "figure", "C API", "Go core", "Apache Go", "C/Apache", "core/Apa")
		for _, r := range rows {
			vals := make([]string, len(contenders))
			raw := make([]float64, len(contenders))
			for i, c := range contenders {
				v, ok := results[fmt.Sprintf("%s-%d", c.file, size)][r.key]
				raw[i] = v
				switch {
				case r.goOnly && c.file == "c":
					vals[i] = "n/a"
				case !ok:
					return fmt.Errorf("%s-%d has no %s", c.file, size, r.key)
				default:
					vals[i] = strconv.FormatFloat(v*r.scale, 'f', r.digits, 64)
				}
			}
			ratio := func(i int) string {
				if vals[i] == "n/a" || raw[2] == 0 {
					return "n/a"
				}
				return strconv.FormatFloat(raw[i]/raw[2], 'f', 2, 64)
			}
			fmt.Printf("%-42s %12s %12s %12s %9s %9s\n", r.title, vals[0], vals[1], vals[2], ratio(0), ratio(1))
			fmt.Fprintf(&md, "| %s, %s | %s | %s | %s | %s | %s |\n", r.title, figures.SizeName(size), vals[0], vals[1], vals[2], ratio(0), ratio(1))
		}
		fmt.Println("ratios are ours / Apache's: below 1 is better for times and allocations, above 1 for rates")
	}

	fmt.Println("\n== targets (issue 4) ==")
	for _, size := range sizes {
		for _, c := range contenders[:2] {
			p99 := results[fmt.Sprintf("%s-%d", c.file, size)]["sync_p99_us"] / 1e3
			fmt.Printf("sync p99 < 1 ms, %-7s %-6s: %.3f ms  %s\n", c.title+",", figures.SizeName(size), p99, figures.Verdict(p99 < 1))
		}
	}
	for _, size := range sizes {
		theirs := results[fmt.Sprintf("apache-%d", size)]["async_rate"]
		for _, c := range contenders[:2] {
			r := results[fmt.Sprintf("%s-%d", c.file, size)]["async_rate"] / theirs
			fmt.Printf("async >= 1.5x Apache, %-7s %-6s: %.2fx  %s\n", c.title+",", figures.SizeName(size), r, figures.Verdict(r >= 1.5))
		}
	}
	// The steady state is what the target is about: go test's Canned benchmarks measure
	// the client alone. The run's own figures also count what sync.Pool hands out anew
	// after each garbage collection, a few hundredths per message.
	canned := 0
	for _, b := range allocs {
		if !strings.Contains(b.name, "Canned") {
			continue
		}
		canned++
		n, _ := strconv.Atoi(b.allocs)
		fmt.Printf("allocations per sent message <= 2, Go core, %-32s: %d  %s\n", b.name, n, figures.Verdict(n <= 2))
	}
	for _, size := range sizes {
		for _, mode := range []string{"sync1", "async"} {
			a := results[fmt.Sprintf("core-%d", size)][mode+"_allocs"]
			if canned > 0 {
				fmt.Printf("  (in this run, with pool refills after GC: Go core, %-5s %-6s: %.2f)\n", mode+",", figures.SizeName(size), a)
			} else {
				fmt.Printf("allocations per sent message <= 2, Go core, %-5s %-6s: %.2f  %s\n", mode+",", figures.SizeName(size), a, figures.Verdict(a <= 2))
			}
		}
	}
	if len(allocs) > 0 {
		fmt.Println("\n== go test -bench BenchmarkProducer -benchmem ./bench/ (Canned: the client's allocations alone) ==")
		fmt.Fprintf(&md, "\n| go test -bench BenchmarkProducer -benchmem ./bench/ | ns/op | allocs/op |\n|---|---|---|\n")
		for _, b := range allocs {
			fmt.Printf("%-40s %10s ns/op %6s allocs/op\n", b.name, b.nsPerOp, b.allocs)
			fmt.Fprintf(&md, "| %s | %s | %s |\n", b.name, b.nsPerOp, b.allocs)
		}
	}
	if *markdown != "" {
		if err := os.WriteFile(*markdown, []byte(md.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

type benchLine struct{ name, nsPerOp, allocs string }

var benchRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(\d+(?:\.\d+)?) ns/op.*?\s(\d+) allocs/op`)

func readGoTest(path string) ([]benchLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []benchLine
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if m := benchRE.FindStringSubmatch(line); m != nil {
			out = append(out, benchLine{m[1], m[2], m[3]})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no benchmark line with allocs/op", path)
	}
	return out, nil
}
