package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
			r, n, err := readRounds(*dir, name)
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
		fmt.Printf("\n== %s bodies (async window %d; medians of %d rounds) ==\n", sizeName(size), *window, rounds)
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
			fmt.Fprintf(&md, "| %s, %s | %s | %s | %s | %s | %s |\n", r.title, sizeName(size), vals[0], vals[1], vals[2], ratio(0), ratio(1))
		}
		fmt.Println("ratios are ours / Apache's: below 1 is better for times and allocations, above 1 for rates")
	}

	fmt.Println("\n== targets (issue 4) ==")
	for _, size := range sizes {
		for _, c := range contenders[:2] {
			p99 := results[fmt.Sprintf("%s-%d", c.file, size)]["sync_p99_us"] / 1e3
			fmt.Printf("sync p99 < 1 ms, %-7s %-6s: %.3f ms  %s\n", c.title+",", sizeName(size), p99, verdict(p99 < 1))
		}
	}
	for _, size := range sizes {
		theirs := results[fmt.Sprintf("apache-%d", size)]["async_rate"]
		for _, c := range contenders[:2] {
			r := results[fmt.Sprintf("%s-%d", c.file, size)]["async_rate"] / theirs
			fmt.Printf("async >= 1.5x Apache, %-7s %-6s: %.2fx  %s\n", c.title+",", sizeName(size), r, verdict(r >= 1.5))
		}
	}
	for _, size := range sizes {
		for _, mode := range []string{"sync1", "async"} {
			a := results[fmt.Sprintf("core-%d", size)][mode+"_allocs"]
			fmt.Printf("allocations per sent message <= 2, Go core, %-5s %-6s: %.1f  %s\n", mode+",", sizeName(size), a, verdict(a <= 2))
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

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func sizeName(size int) string {
	if size >= 1024 && size%1024 == 0 {
		return fmt.Sprintf("%d KiB", size/1024)
	}
	return fmt.Sprintf("%d B", size)
}

// readRounds reads DIR/NAME-r*.txt, one file per round, and returns each figure's
// median: the machine is shared, and a round that another process disturbed should not
// decide the table.
func readRounds(dir, name string) (map[string]float64, int, error) {
	files, err := filepath.Glob(filepath.Join(dir, name+"-r*.txt"))
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("no results %s-r*.txt in %s", name, dir)
	}
	all := map[string][]float64{}
	for _, f := range files {
		r, err := readResults(f)
		if err != nil {
			return nil, 0, err
		}
		for k, v := range r {
			all[k] = append(all[k], v)
		}
	}
	out := map[string]float64{}
	for k, vs := range all {
		if len(vs) != len(files) {
			return nil, 0, fmt.Errorf("%s: %s is in %d of %d rounds", name, k, len(vs), len(files))
		}
		slices.Sort(vs)
		if n := len(vs); n%2 == 1 {
			out[k] = vs[n/2]
		} else {
			out[k] = (vs[n/2-1] + vs[n/2]) / 2
		}
	}
	return out, len(files), nil
}

// readResults reads the "key value" lines a run printed.
func readResults(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		out[fields[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	return out, nil
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
