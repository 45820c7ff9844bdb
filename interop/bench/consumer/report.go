package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rocketmq-go/librocketmq/interop/bench/figures"
)

// The three consumers, in the order of the table's columns. Result files are
// DIR/<phase>-<name>-<size>-r<round>.txt, phase being tput, lat or rss.
var contenders = []struct{ file, title string }{
	{"c", "C API"},
	{"core", "Go core"},
	{"apache", "Apache Go"},
}

type row struct {
	phase, key, title string
	scale             float64
	digits            int
}

func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory of the result files")
	sizesFlag := fs.String("sizes", "100,1024", "body sizes, comma-separated")
	rssSize := fs.Int("rss-size", 100, "body size of the backlog run (0: none was run)")
	backlog := fs.Int("backlog", 1000000, "messages of the backlog run (for the captions)")
	stored := fs.Int("stored", 200000, "messages consumed by the throughput figure (for the captions)")
	rate := fs.Int("rate", 10000, "send rate of the latency figure (for the captions)")
	p99Target := fs.Float64("p99-target-ms", 10, "end-to-end p99 target")
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
	// results["tput-c-100"] is the medians over the rounds; missing files are n/a.
	results := map[string]map[string]float64{}
	rounds := map[string]int{}
	load := func(phase, c string, size int) {
		name := fmt.Sprintf("%s-%s-%d", phase, c, size)
		if r, n, err := figures.ReadRounds(*dir, name); err == nil {
			results[name] = r
			rounds[phase] = max(rounds[phase], n)
		}
	}
	for _, size := range sizes {
		for _, c := range contenders {
			load("tput", c.file, size)
			load("lat", c.file, size)
		}
	}
	if *rssSize > 0 {
		for _, c := range contenders {
			load("rss", c.file, *rssSize)
		}
	}
	get := func(phase, c string, size int, key string) (float64, bool) {
		v, ok := results[fmt.Sprintf("%s-%s-%d", phase, c, size)][key]
		return v, ok
	}

	rows := []row{
		{"tput", "consume_rate", fmt.Sprintf("consume %d stored msgs (msgs/s)", *stored), 1, 0},
		{"tput", "consume_cpu_us", "client CPU per msg consumed (µs)", 1, 1},
		{"lat", "e2e_p50_ms", fmt.Sprintf("end-to-end p50 at %d msgs/s (ms)", *rate), 1, 2},
		{"lat", "e2e_p99_ms", fmt.Sprintf("end-to-end p99 at %d msgs/s (ms)", *rate), 1, 2},
		{"lat", "e2e_max_ms", fmt.Sprintf("end-to-end max at %d msgs/s (ms)", *rate), 1, 1},
	}
	rssRows := []row{
		{"rss", "consume_rate", fmt.Sprintf("consume a %d-msg backlog (msgs/s)", *backlog), 1, 0},
		{"rss", "rss_hwm_q1_kib", "VmHWM after its first quarter (MiB)", 1.0 / 1024, 1},
		{"rss", "rss_hwm_kib", "VmHWM at its end (MiB)", 1.0 / 1024, 1},
	}
	var md strings.Builder
	fmt.Fprintf(&md, "| figure | ours, C API | ours, Go core | Apache Go client | ratio C API / Apache | ratio Go core / Apache |\n")
	fmt.Fprintf(&md, "|---|---|---|---|---|---|\n")
	line := func(r row, size int) {
		vals := make([]string, len(contenders))
		raw := make([]float64, len(contenders))
		for i, c := range contenders {
			v, ok := get(r.phase, c.file, size, r.key)
			raw[i] = v
			vals[i] = "n/a"
			if ok {
				vals[i] = strconv.FormatFloat(v*r.scale, 'f', r.digits, 64)
			}
		}
		ratio := func(i int) string {
			if vals[i] == "n/a" || vals[2] == "n/a" || raw[2] == 0 {
				return "n/a"
			}
			return strconv.FormatFloat(raw[i]/raw[2], 'f', 2, 64)
		}
		fmt.Printf("%-44s %11s %11s %11s %9s %9s\n", r.title, vals[0], vals[1], vals[2], ratio(0), ratio(1))
		fmt.Fprintf(&md, "| %s, %s | %s | %s | %s | %s | %s |\n", r.title, figures.SizeName(size), vals[0], vals[1], vals[2], ratio(0), ratio(1))
	}
	header := func() {
		fmt.Printf("%-44s %11s %11s %11s %9s %9s\n", "figure", "C API", "Go core", "Apache Go", "C/Apache", "core/Apa")
	}
	for _, size := range sizes {
		fmt.Printf("\n== consumer, %s bodies (throughput: medians of %d rounds; latency: %d) ==\n",
			figures.SizeName(size), rounds["tput"], rounds["lat"])
		header()
		for _, r := range rows {
			line(r, size)
		}
	}
	if *rssSize > 0 {
		fmt.Printf("\n== consumer memory, a %d-message backlog of %s bodies, default flow control ==\n", *backlog, figures.SizeName(*rssSize))
		header()
		for _, r := range rssRows {
			line(r, *rssSize)
		}
	}
	fmt.Println("ratios are ours / Apache's: below 1 is better for times, CPU and memory, above 1 for rates")

	fmt.Println("\n== targets (issue 5) ==")
	for _, size := range sizes {
		for _, c := range contenders[:2] {
			if p99, ok := get("lat", c.file, size, "e2e_p99_ms"); ok {
				fmt.Printf("end-to-end p99 < %g ms at %d msgs/s, %-8s %-6s: %.2f ms  %s\n", *p99Target, *rate,
					c.title+",", figures.SizeName(size), p99, figures.Verdict(p99 < *p99Target))
			}
		}
	}
	for _, size := range sizes {
		theirs, ok := get("tput", "apache", size, "consume_rate")
		for _, c := range contenders[:2] {
			if ours, ok2 := get("tput", c.file, size, "consume_rate"); ok && ok2 && theirs > 0 {
				fmt.Printf("consume throughput >= 1.5x Apache, %-8s %-6s: %.2fx  %s\n", c.title+",", figures.SizeName(size),
					ours/theirs, figures.Verdict(ours/theirs >= 1.5))
			}
		}
	}
	if *rssSize > 0 {
		// Bounded: the peak after the whole backlog is within 25% (+8 MiB) of the peak after
		// its first quarter, i.e. it did not grow with the messages still waiting.
		for _, c := range contenders {
			end, ok := get("rss", c.file, *rssSize, "rss_hwm_kib")
			q1, ok2 := get("rss", c.file, *rssSize, "rss_hwm_q1_kib")
			if !ok || !ok2 || q1 <= 0 {
				continue
			}
			note := ""
			if c.file == "apache" {
				note = " (theirs, for comparison)"
			}
			fmt.Printf("RSS bounded under a %d-msg backlog, %-9s VmHWM %.1f MiB after 1/4, %.1f MiB at the end: %s%s\n",
				*backlog, c.title+",", q1/1024, end/1024, figures.Verdict(end <= 1.25*q1+8*1024), note)
		}
	}
	if *markdown != "" {
		return os.WriteFile(*markdown, []byte(md.String()), 0o644)
	}
	return nil
}
