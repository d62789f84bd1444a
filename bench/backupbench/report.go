package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/hearth-home/hearth/bench/internal/summary"
)

const mib = 1 << 20

// medianOf is the median over a tool's runs of one number.
func medianOf(rs []runResult, f func(runResult) float64) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return median(xs)
}

func secs(d time.Duration) float64 { return d.Seconds() }

func report(b *bench, ds *dataset, tools []tool, skipped []string, results map[string][]runResult) {
	header(b, ds, tools, skipped)
	var names []string
	for _, t := range tools {
		names = append(names, t.name)
	}
	m := func(name string, f func(runResult) float64) float64 { return medianOf(results[name], f) }
	fmt.Println("| medians of", *runs, "runs | "+strings.Join(names, " | ")+" |")
	fmt.Println("|---" + strings.Repeat("|---", len(names)) + "|")
	row := func(label string, f func(name string) string) {
		cells := []string{label}
		for _, n := range names {
			cells = append(cells, f(n))
		}
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
	data := float64(ds.Bytes) / mib
	speed := func(f func(runResult) sample) func(string) string {
		return func(n string) string {
			t := m(n, func(r runResult) float64 { return secs(f(r).wall) })
			return fmt.Sprintf("%.0f MiB/s (%.1f s)", data/t, t)
		}
	}
	wall := func(f func(runResult) sample) func(string) string {
		return func(n string) string {
			return fmt.Sprintf("%.2f s", m(n, func(r runResult) float64 { return secs(f(r).wall) }))
		}
	}
	rssOf := func(f func(runResult) sample) func(string) string {
		return func(n string) string {
			return fmt.Sprintf("%.0f MiB", m(n, func(r runResult) float64 { return float64(f(r).rssKB) / 1024 }))
		}
	}
	size := func(f func(runResult) int64) func(string) string {
		return func(n string) string {
			v := m(n, func(r runResult) float64 { return float64(f(r)) })
			return fmt.Sprintf("%.1f MiB (%.1f%%)", v/mib, 100*v/float64(ds.Bytes))
		}
	}
	initial := func(r runResult) sample { return r.initial }
	rerun := func(r runResult) sample { return r.rerun }
	restore := func(r runResult) sample { return r.restore }
	second := func(r runResult) sample { return r.second }
	row("1. initial backup", speed(initial))
	row("1. client peak RSS, initial backup", rssOf(initial))
	row("1. CPU seconds, initial backup", cpuCell(m, initial))
	row("1. hearthd RSS growth (its peak RSS), initial backup", serverRSSCell(m))
	row("2. no-change rerun", wall(rerun))
	row("2. client peak RSS, rerun", rssOf(rerun))
	row("2. CPU seconds, rerun", cpuCell(m, rerun))
	row("3. full restore", speed(restore))
	row("3. client peak RSS, restore", rssOf(restore))
	row("3. CPU seconds, restore", cpuCell(m, restore))
	row("3. restored data checked", func(n string) string { return verified(results[n]) })
	row("4. second PC backup (90% overlap)", speed(second))
	row("4. CPU seconds, second PC", cpuCell(m, second))
	row("4. second PC: added to repository", size(func(r runResult) int64 { return r.added }))
	row("5. repository after first backup", size(func(r runResult) int64 { return r.repoFirst }))
	row("repository growth on the no-change rerun", func(n string) string {
		return fmt.Sprintf("%.0f KiB", m(n, func(r runResult) float64 { return float64(r.repoRerun-r.repoFirst) / 1024 }))
	})
	fmt.Println()
	ratios(results, m)
	perRun(names, results)
}

func header(b *bench, ds *dataset, tools []tool, skipped []string) {
	tf, bf, tb, bb, cb := ds.stats()
	fmt.Printf("backupbench %s, %d CPUs: %d files, %.0f MiB (%d text-like files, %.0f MiB; %d random, %.0f MiB).\n",
		time.Now().Format(time.RFC3339), runtime.NumCPU(), len(ds.Files), float64(ds.Bytes)/mib, tf, float64(tb)/mib, bf, float64(bb)/mib)
	fmt.Printf("The second PC holds a copy with a tenth of the files in each class replaced by new content (%.0f MiB).\n", float64(cb)/mib)
	fmt.Println("Each run makes a fresh repository per tool in the same folder on the same disk; times include a sync after the command.")
	fmt.Println("Every restore is checked: names and sizes in every run, every byte in the first.")
	fmt.Printf("Load average before: %s; after: %s (with %d CPUs, anything above ~0.5 before means other work skewed the timings).\n",
		b.loadStart, loadAvg(), runtime.NumCPU())
	if b.drop {
		fmt.Println("Page caches: dropped before every timed phase (cold reads).")
	} else {
		fmt.Println("Page caches: NOT dropped (not permitted here); the dataset and repositories are read warm from memory.")
	}
	fmt.Println()
	for _, t := range tools {
		fmt.Printf("- %s %s: %s\n", t.name, t.version, t.settings)
	}
	for _, s := range skipped {
		fmt.Printf("- skipped: %s\n", s)
	}
	fmt.Println()
}

func cpuCell(m func(string, func(runResult) float64) float64, f func(runResult) sample) func(string) string {
	return func(n string) string {
		c := m(n, func(r runResult) float64 { return f(r).cpu })
		if n != "hearth" {
			return fmt.Sprintf("%.1f", c)
		}
		s := m(n, func(r runResult) float64 { return f(r).srvCPU })
		return fmt.Sprintf("%.1f + %.1f hearthd", c, s)
	}
}

func serverRSSCell(m func(string, func(runResult) float64) float64) func(string) string {
	return func(n string) string {
		if n != "hearth" {
			return "-"
		}
		g := m(n, func(r runResult) float64 { return float64(r.initial.srvGrowKB) / 1024 })
		p := m(n, func(r runResult) float64 { return float64(r.initial.srvPeakKB) / 1024 })
		return fmt.Sprintf("%.0f MiB (%.0f MiB)", g, p)
	}
}

func verified(rs []runResult) string {
	for _, r := range rs {
		if r.verifyErr != nil {
			return "WRONG: " + r.verifyErr.Error()
		}
	}
	return "ok"
}

// ratios compares Hearth with the others on what the issue asks.
func ratios(results map[string][]runResult, m func(string, func(runResult) float64) float64) {
	if _, ok := results["hearth"]; !ok {
		return
	}
	wall := func(f func(runResult) sample) func(runResult) float64 {
		return func(r runResult) float64 { return secs(f(r).wall) }
	}
	faster := func(other string, f func(runResult) float64) string {
		if _, ok := results[other]; !ok {
			return "-"
		}
		return fmt.Sprintf("%.2f×", m(other, f)/m("hearth", f))
	}
	smaller := func(other string, f func(runResult) float64) string {
		if _, ok := results[other]; !ok {
			return "-"
		}
		return fmt.Sprintf("%.2f×", m("hearth", f)/m(other, f))
	}
	initial := wall(func(r runResult) sample { return r.initial })
	fmt.Println("| Hearth against | ratio | better when |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| initial backup speed / kopia | %s | above 1 |\n", faster("kopia", initial))
	fmt.Printf("| initial backup speed / restic | %s | above 1 |\n", faster("restic", initial))
	fmt.Printf("| no-change rerun speed / kopia | %s | above 1 |\n", faster("kopia", wall(func(r runResult) sample { return r.rerun })))
	fmt.Printf("| restore speed / restic | %s | above 1 |\n", faster("restic", wall(func(r runResult) sample { return r.restore })))
	fmt.Printf("| second-PC bytes added / restic | %s | below 1 |\n", smaller("restic", func(r runResult) float64 { return float64(r.added) }))
	fmt.Printf("| repository size / restic | %s | below 1 |\n", smaller("restic", func(r runResult) float64 { return float64(r.repoFirst) }))
	fmt.Printf("| client peak RSS (initial backup) / restic | %s | below 1 |\n", smaller("restic", func(r runResult) float64 { return float64(r.initial.rssKB) }))
	// make bench's summary: every ratio above 1 when Hearth is ahead (the peer's time,
	// size or memory over Hearth's), with the goal.
	for _, f := range []struct {
		work, peer, unit string
		of               func(runResult) float64
		goal             float64
	}{
		{"PC backup: first backup", "kopia", "s", initial, 1.5},
		{"PC backup: first backup", "restic", "s", initial, 3},
		{"PC backup: no-change rerun", "kopia", "s", wall(func(r runResult) sample { return r.rerun }), 1},
		{"PC backup: full restore", "restic", "s", wall(func(r runResult) sample { return r.restore }), 1},
		{"PC backup: repository size", "restic", "MiB", func(r runResult) float64 { return float64(r.repoFirst) / mib }, 1},
		{"PC backup: second PC's added bytes", "restic", "MiB", func(r runResult) float64 { return float64(r.added) / mib }, 0},
		{"PC backup: client peak RSS", "restic", "MiB", func(r runResult) float64 { return float64(r.initial.rssKB) / 1024 }, 1},
	} {
		if _, ok := results[f.peer]; !ok {
			continue
		}
		h, p := m("hearth", f.of), m(f.peer, f.of)
		check(summary.Add(summary.Figure{Work: f.work, Hearth: fmt.Sprintf("%.2f %s", h, f.unit),
			Peer: fmt.Sprintf("%s %.2f %s", f.peer, p, f.unit), Ratio: p / h, Goal: f.goal}))
	}
	fmt.Println()
}

// perRun lists every run, so the spread behind the medians shows.
func perRun(names []string, results map[string][]runResult) {
	fmt.Println("| run | initial s | rerun s | restore s | second PC s | repo MiB | added MiB | client RSS MiB |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, n := range names {
		for i, r := range results[n] {
			fmt.Printf("| %s %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %d |\n", n, i+1,
				secs(r.initial.wall), secs(r.rerun.wall), secs(r.restore.wall), secs(r.second.wall),
				float64(r.repoFirst)/mib, float64(r.added)/mib, r.initial.rssKB>>10)
		}
	}
	if h, ok := results["hearth"]; ok && len(h) > 0 {
		fmt.Printf("\nHearth's own report of what the second PC added (plain bytes): %.1f MiB.\n", float64(h[0].reportedAdded)/mib)
	}
}
