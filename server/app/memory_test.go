package app_test

import (
	"context"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

// Many boxes have 1–2 GiB of RAM, and each argon2id hash of a password takes 64 MiB.

// allocated returns the bytes the process has allocated on the heap so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestStartAllocatesLittle: starting the server hashes nothing and reads nothing whole,
// so it does not rise to a peak it keeps as resident memory afterwards.
func TestStartAllocatesLittle(t *testing.T) {
	before := allocated()
	s := apptest.Start(t)
	got := allocated() - before
	t.Logf("start allocated %.1f MiB", float64(got)/(1<<20))
	if n := s.App.Accounts.Stats().Hashed; n != 0 {
		t.Errorf("start ran %d argon2id hashes, want none", n)
	}
	const bound = 32 << 20 // one hash alone is 64 MiB
	if got > bound {
		t.Errorf("start allocated %d MiB, want at most %d", got>>20, bound>>20)
	}
}

// heapPeak samples the heap's live and not yet swept objects until stop is closed, and
// returns the highest it saw.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	return out
}

// TestPasswordSignInsAtOnce: a PC opening a folder by password sends many requests at
// once; they run one argon2id hash between them, not one each, so the heap holds one
// hash's 64 MiB at most. The next requests are let in without one; a changed password
// or a removed user is refused at once.
func TestPasswordSignInsAtOnce(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("ann", "ann-password1", false)
	s.AddUser("bob", "bob-password1", false)
	hashed := func() int64 { return s.App.Accounts.Stats().Hashed }
	propfind := func(user, pw string) int {
		resp, _ := s.Do(user, pw, "PROPFIND", "/dav/"+user+"/", nil, "Depth", "1")
		return resp.StatusCode
	}

	runtime.GC()
	s0 := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s0)
	base := s0[0].Value.Uint64()
	before := hashed()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	const clients = 16
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			if code := propfind("ann", "ann-password1"); code != http.StatusMultiStatus {
				t.Errorf("PROPFIND by password: %d", code)
			}
		})
	}
	wg.Wait()
	close(stop)
	grew := int64(<-peak) - int64(base)
	t.Logf("heap grew by up to %.1f MiB over %.1f MiB", float64(grew)/(1<<20), float64(base)/(1<<20))
	if n := hashed() - before; n != 1 {
		t.Errorf("%d PROPFINDs by password at once ran %d argon2id hashes, want 1", clients, n)
	}
	const bound = 100 << 20 // one hash and the requests; two hashes are 128 MiB
	if grew > bound {
		t.Errorf("the heap grew by %d MiB during %d PROPFINDs by password at once, want at most %d", grew>>20, clients, bound>>20)
	}

	before = hashed()
	if code := propfind("ann", "ann-password1"); code != http.StatusMultiStatus {
		t.Errorf("PROPFIND by password again: %d", code)
	}
	if n := hashed() - before; n != 0 {
		t.Errorf("the next request by a password checked a moment ago ran %d argon2id hashes, want none", n)
	}

	if err := s.Admin().SetPassword(ctx, "ann", "ann-password2"); err != nil {
		t.Fatal(err)
	}
	if code := propfind("ann", "ann-password1"); code != http.StatusUnauthorized {
		t.Errorf("PROPFIND by the old password after a change: %d, want %d", code, http.StatusUnauthorized)
	}
	if code := propfind("ann", "ann-password2"); code != http.StatusMultiStatus {
		t.Errorf("PROPFIND by the new password: %d", code)
	}

	if code := propfind("bob", "bob-password1"); code != http.StatusMultiStatus {
		t.Errorf("PROPFIND by bob: %d", code)
	}
	if err := s.Admin().RemoveUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if code := propfind("bob", "bob-password1"); code != http.StatusUnauthorized {
		t.Errorf("PROPFIND by a removed user: %d, want %d", code, http.StatusUnauthorized)
	}
}
