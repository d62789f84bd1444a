package backup

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Policy says which backups of a PC are kept. Backups are grouped by what they backed up
// (their folders), as restic groups them, so a backup of other folders never pushes one of
// these out. In each group the newest Last are kept, and the newest of each of the last
// Daily days, Weekly weeks and Monthly months that have one, like Windows Home Server.
// The newest backup of a group and pinned backups are always kept.
type Policy struct {
	Last    int `json:"last"`
	Daily   int `json:"daily"`
	Weekly  int `json:"weekly"`
	Monthly int `json:"monthly"`
}

// DefaultPolicy keeps the last five backups of each group besides what Windows Home
// Server kept.
var DefaultPolicy = Policy{Last: 5, Daily: 3, Weekly: 3, Monthly: 3}

// Check refuses negative and absurd counts.
func (p Policy) Check() error {
	for _, n := range []int{p.Last, p.Daily, p.Weekly, p.Monthly} {
		if n < 0 || n > 1000 {
			return fmt.Errorf("keep between 0 and 1000 last, daily, weekly and monthly backups")
		}
	}
	return nil
}

// String says the rule in words.
func (p Policy) String() string {
	return fmt.Sprintf("the last %d, %d daily, %d weekly and %d monthly of each set of folders", p.Last, p.Daily, p.Weekly, p.Monthly)
}

// Candidate is a backup the policy judges.
type Candidate struct {
	Time   time.Time
	Paths  []string
	Pinned bool
}

// Verdict is the policy's decision on one backup, and why.
type Verdict struct {
	Keep bool
	Why  string
}

// GroupKey names the group of a backup of paths: the folders, in any order.
func GroupKey(paths []string) string {
	p := slices.Clone(paths)
	slices.Sort(p)
	return strings.Join(slices.Compact(p), "\x00")
}

// Apply decides, for each candidate by index, whether the policy keeps it. Days, weeks and
// months are those of loc.
func (p Policy) Apply(cands []Candidate, loc *time.Location) []Verdict {
	out := make([]Verdict, len(cands))
	groups := map[string][]int{}
	for i, c := range cands {
		k := GroupKey(c.Paths)
		groups[k] = append(groups[k], i)
	}
	for _, members := range groups {
		p.applyGroup(cands, members, loc, out)
	}
	return out
}

// applyGroup judges one group's members, newest first.
func (p Policy) applyGroup(cands []Candidate, members []int, loc *time.Location, out []Verdict) {
	slices.SortStableFunc(members, func(a, b int) int { return cands[b].Time.Compare(cands[a].Time) })
	keep := func(i int, why string) {
		if !out[i].Keep {
			out[i] = Verdict{Keep: true, Why: why}
		}
	}
	for _, i := range members {
		if cands[i].Pinned {
			keep(i, "pinned: kept until unpinned")
		}
	}
	keep(members[0], "the newest backup of these folders")
	for _, i := range members[:min(p.Last, len(members))] {
		keep(i, fmt.Sprintf("one of the last %d backups of these folders", p.Last))
	}
	bucket := func(n int, name string, key func(time.Time) string) {
		seen := map[string]bool{}
		for _, i := range members {
			if len(seen) >= n {
				return
			}
			k := key(cands[i].Time.In(loc))
			if !seen[k] {
				seen[k] = true
				keep(i, fmt.Sprintf("the newest backup of its %s (%d %s kept)", name, n, name+"s"))
			}
		}
	}
	bucket(p.Daily, "day", func(t time.Time) string { return t.Format("2006-01-02") })
	bucket(p.Weekly, "week", func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprint(y, "-", w) })
	bucket(p.Monthly, "month", func(t time.Time) string { return t.Format("2006-01") })
	for _, i := range members {
		if !out[i].Keep {
			out[i].Why = "older than " + p.String()
		}
	}
}
