package pool_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// The status's counts come from the catalog's counters, judged against the drives'
// states: with a drive gone, the files whose only copies were on it are unavailable
// (listed by name), and those left with fewer copies than their share wants are counted.
func TestStatusCountsFilesAtRisk(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Two", 2)
	e.Share("One", 1)
	var paths []string
	for i := range 12 {
		for _, share := range []string{"Two", "One"} {
			p := fmt.Sprintf("%s/f%02d", share, i)
			e.Put(p, []byte(p))
			paths = append(paths, p)
		}
	}
	ctx := context.Background()
	st, err := e.Pool.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 24 || st.NotDuplicated != 0 || len(st.Unavailable) != 0 {
		t.Fatalf("status of a healthy pool: %d files, %d not duplicated, unavailable %v", st.Files, st.NotDuplicated, st.Unavailable)
	}
	// The drive to take away: the one holding the most single copies.
	only := map[int]int{}
	for _, p := range paths {
		if h := e.Holders(p); len(h) == 1 {
			only[h[0]]++
		}
	}
	gone := 0
	for i := range e.Drives {
		if only[i] > only[gone] {
			gone = i
		}
	}
	var wantLost []string
	wantShort := 0
	for _, p := range paths {
		h := slices.DeleteFunc(e.Holders(p), func(i int) bool { return i == gone })
		want := 1
		if p[:3] == "Two" {
			want = 2
		}
		switch {
		case len(h) == 0:
			wantLost = append(wantLost, p)
		case len(h) < want:
			wantShort++
		}
	}
	if len(wantLost) == 0 || wantShort == 0 {
		t.Fatalf("the files were not spread over the drives: lost %v, short %d", wantLost, wantShort)
	}
	e.Close()
	if err := os.Rename(e.Drives[gone], e.Drives[gone]+".away"); err != nil {
		t.Fatal(err)
	}
	e.Open()
	st, err = e.Pool.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.NotDuplicated != wantShort {
		t.Errorf("%d files counted short of copies, want %d", st.NotDuplicated, wantShort)
	}
	slices.Sort(st.Unavailable)
	if !slices.Equal(st.Unavailable, wantLost) {
		t.Errorf("unavailable %v, want %v", st.Unavailable, wantLost)
	}
	if st.Files != 24 {
		t.Errorf("%d files, want 24", st.Files)
	}
}
