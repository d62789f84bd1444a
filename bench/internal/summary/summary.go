// Package summary gathers the figures each of make bench's comparisons measured into one
// file, so that the run ends with one table: each figure, the peer's beside it, the ratio,
// the goal and the machine's load when it was measured.
package summary

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// EnvFile names the file the figures of one make bench run are added to.
const EnvFile = "HEARTH_BENCH_SUMMARY"

// Figure is one comparison. Ratio is how many times better Hearth did than the peer, so
// that above 1 is ahead for every kind of figure: the peer's time over Hearth's, Hearth's
// speed over the peer's, the peer's memory or size over Hearth's.
type Figure struct {
	Work   string  `json:"work"`
	Hearth string  `json:"hearth"`
	Peer   string  `json:"peer"`
	Ratio  float64 `json:"ratio"`
	Goal   float64 `json:"goal,omitempty"` // the ratio to reach; 0 when there is none
	Load   string  `json:"load"`
}

// Add appends f to the run's file, when make bench names one; the load average is read
// now, as the figure was just measured.
func Add(f Figure) error {
	path := os.Getenv(EnvFile)
	if path == "" {
		return nil
	}
	if f.Load == "" {
		f.Load = LoadAverage()
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("the bench summary: %w", err)
	}
	if _, err := out.Write(append(b, '\n')); err != nil {
		out.Close()
		return fmt.Errorf("the bench summary: %w", err)
	}
	return out.Close()
}

// LoadAverage is the machine's one-minute load average ("?" where there is none).
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// Median is the middle of the durations (the mean of the middle two for an even count).
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Read reads the figures of a run's file.
func Read(path string) ([]Figure, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Figure
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var f Figure
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Table is the figures as one Markdown table, with whether each goal is met.
func Table(figs []Figure) string {
	var b strings.Builder
	b.WriteString("| work | Hearth | peer | ratio (above 1: Hearth ahead) | goal | met | load |\n|---|---|---|---|---|---|---|\n")
	met, goals := 0, 0
	for _, f := range figs {
		goal, ok := "", ""
		if f.Goal > 0 {
			goals++
			goal = fmt.Sprintf("≥ %.2f×", f.Goal)
			ok = "no"
			if f.Ratio >= f.Goal {
				ok = "yes"
				met++
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f× | %s | %s | %s |\n", f.Work, f.Hearth, f.Peer, f.Ratio, goal, ok, f.Load)
	}
	fmt.Fprintf(&b, "\n%d of %d goals met.\n", met, goals)
	return b.String()
}
