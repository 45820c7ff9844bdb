// Package figures reads what the benchmark runs print, one "key value" line per figure
// and one file per round, for the report commands of bench and bench/consumer.
package figures

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ReadRounds reads DIR/NAME-r*.txt, one file per round, and returns each figure's median
// and the number of rounds: the machine is shared, and a round that another process
// disturbed should not decide the table.
func ReadRounds(dir, name string) (map[string]float64, int, error) {
	files, err := filepath.Glob(filepath.Join(dir, name+"-r*.txt"))
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("no results %s-r*.txt in %s", name, dir)
	}
	all := map[string][]float64{}
	for _, f := range files {
		r, err := Read(f)
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

// Read reads the "key value" lines of one run; other lines are skipped.
func Read(path string) (map[string]float64, error) {
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

// Verdict is how a report says whether a target was reached.
func Verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// SizeName is a body size as the tables print it.
func SizeName(size int) string {
	if size >= 1024 && size%1024 == 0 {
		return fmt.Sprintf("%d KiB", size/1024)
	}
	return fmt.Sprintf("%d B", size)
}
