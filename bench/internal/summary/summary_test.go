package summary

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAddReadTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.jsonl")
	t.Setenv(EnvFile, path)
	for _, f := range []Figure{
		{Work: "PUT 1 GiB", Hearth: "900 MB/s", Peer: "copy 1000 MB/s", Ratio: 0.9, Goal: 0.9},
		{Work: "first backup", Hearth: "5.7 s", Peer: "kopia 4.5 s", Ratio: 0.79, Goal: 1.5},
		{Work: "rerun", Hearth: "0.5 s", Peer: "kopia 0.7 s", Ratio: 1.4},
	} {
		if err := Add(f); err != nil {
			t.Fatal(err)
		}
	}
	figs, err := Read(path)
	if err != nil || len(figs) != 3 || figs[1].Work != "first backup" || figs[0].Load == "" {
		t.Fatalf("read back %+v, %v", figs, err)
	}
	table := Table(figs)
	for _, want := range []string{"| PUT 1 GiB | 900 MB/s | copy 1000 MB/s | 0.90× | ≥ 0.90× | yes |", "| first backup | 5.7 s | kopia 4.5 s | 0.79× | ≥ 1.50× | no |", "1 of 2 goals met."} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{{nil, 0}, {[]time.Duration{3, 1, 2}, 2}, {[]time.Duration{4, 1, 3, 2}, 2}} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
