package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/hearth-home/hearth/bench/internal/summary"
	"github.com/hearth-home/hearth/internal/human"
)

// report prints the medians as a table, then each peer beside Hearth as a ratio (above
// 1: Hearth is ahead), and adds the ratios to make bench's summary.
func report(tools []tool, skipped []string, results map[string]*result) {
	fmt.Printf("Server backup of %d MiB in %d files to a folder on the same disk, median of %d runs (load %s)\n\n", *sizeMB, *files, *runs, summary.LoadAverage())
	fmt.Println("| tool | version | first backup | peak RSS | no-change rerun | peak RSS | repository |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, t := range tools {
		r := results[t.name]
		fmt.Printf("| %s | %s | %s | %d MiB | %s | %d MiB | %s |\n", t.name, t.version, wall(r.first).Round(time.Millisecond), rss(r.first)>>20,
			wall(r.rerun).Round(time.Millisecond), rss(r.rerun)>>20, human.Bytes(r.size))
	}
	fmt.Println("\nHearth's runs include opening the pool and deriving the key from the passphrase (argon2id, 64 MiB), once a run.")
	for _, s := range skipped {
		fmt.Printf("\nNot compared: %s.\n", s)
	}
	h := results["hearth"]
	fmt.Println()
	for _, t := range tools[1:] {
		p := results[t.name]
		for _, f := range []struct {
			work      string
			hearth    time.Duration
			peer      time.Duration
			hr, peer2 int64
		}{
			{"server backup to a folder, first run", wall(h.first), wall(p.first), 0, 0},
			{"server backup to a folder, no-change rerun", wall(h.rerun), wall(p.rerun), 0, 0},
		} {
			ratio := f.peer.Seconds() / f.hearth.Seconds()
			fmt.Printf("- %s: Hearth %s, %s %s (ratio %.2f)\n", f.work, f.hearth.Round(time.Millisecond), t.name, f.peer.Round(time.Millisecond), ratio)
			check(summary.Add(summary.Figure{Work: f.work, Hearth: fmt.Sprintf("%.2f s", f.hearth.Seconds()),
				Peer: fmt.Sprintf("%s %.2f s", t.name, f.peer.Seconds()), Ratio: ratio}))
		}
		ratio := float64(p.size) / float64(max(h.size, 1))
		fmt.Printf("- repository size: Hearth %s, %s %s (ratio %.2f)\n", human.Bytes(h.size), t.name, human.Bytes(p.size), ratio)
		check(summary.Add(summary.Figure{Work: "server backup repository size", Hearth: human.Bytes(h.size),
			Peer: t.name + " " + human.Bytes(p.size), Ratio: ratio}))
	}
}

func wall(s []sample) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.wall
	}
	return summary.Median(d)
}

func rss(s []sample) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = x.rssKB
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2] << 10
}
