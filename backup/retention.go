package backup

import (
	"fmt"
	"slices"
	"time"
)

// Policy says which backups of a PC are kept, like Windows Home Server: the newest backup
// of each of the last Daily days that have one, of the last Weekly weeks and of the last
// Monthly months. The newest backup is always kept.
type Policy struct {
	Daily   int `json:"daily"`
	Weekly  int `json:"weekly"`
	Monthly int `json:"monthly"`
}

// DefaultPolicy is what Windows Home Server kept.
var DefaultPolicy = Policy{Daily: 3, Weekly: 3, Monthly: 3}

// Check refuses negative counts and a policy that keeps nothing but the newest.
func (p Policy) Check() error {
	if p.Daily < 0 || p.Weekly < 0 || p.Monthly < 0 || p.Daily > 1000 || p.Weekly > 1000 || p.Monthly > 1000 {
		return fmt.Errorf("keep between 0 and 1000 daily, weekly and monthly backups")
	}
	return nil
}

// Keep returns which of times (one per snapshot, any order) the policy keeps, by index.
// Days, weeks and months are those of loc.
func (p Policy) Keep(times []time.Time, loc *time.Location) []bool {
	order := make([]int, len(times))
	for i := range order {
		order[i] = i
	}
	// Newest first, so the first snapshot seen in a period is the one kept for it.
	slices.SortStableFunc(order, func(a, b int) int { return times[b].Compare(times[a]) })
	keep := make([]bool, len(times))
	if len(order) > 0 {
		keep[order[0]] = true
	}
	bucket := func(n int, key func(time.Time) string) {
		seen := map[string]bool{}
		for _, i := range order {
			if len(seen) >= n {
				return
			}
			k := key(times[i].In(loc))
			if !seen[k] {
				seen[k] = true
				keep[i] = true
			}
		}
	}
	bucket(p.Daily, func(t time.Time) string { return t.Format("2006-01-02") })
	bucket(p.Weekly, func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprint(y, "-", w) })
	bucket(p.Monthly, func(t time.Time) string { return t.Format("2006-01") })
	return keep
}
