package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/server/pool"
)

// TestUploadThroughTwoDrops: a family member uploads a video from the Files page over a
// connection that drops twice (the server stops and starts again, forgetting the
// session; then the page is closed), choosing the file again each time. It goes on
// from where the server had it, arrives whole and duplicated, and nothing half-written
// is ever seen in the folder. `make acceptance` runs it with 10 GiB.
func TestUploadThroughTwoDrops(t *testing.T) {
	uploadThroughTwoDrops(t, 384<<20)
}

func uploadThroughTwoDrops(t *testing.T, size int64) {
	ctx := context.Background()
	s, disk := start(t)
	s.AddUser("mum", pw, false)
	if _, err := s.Admin().AddDrive(ctx, disk, "Second"); err != nil {
		t.Fatal(err)
	}
	two := 2
	if _, err := s.Admin().SetShare(ctx, "Videos", pool.ShareSettings{Copies: &two}); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "holiday.mkv")
	want := writeVideo(t, src, size)
	t.Logf("made %s of %d bytes", src, size)

	x := newTab(t, s)
	choose := func(signIn bool) {
		if signIn {
			x.signIn("/files/Videos/", "mum", pw)
		} else {
			x.open("/files/Videos/")
		}
		x.settle(`document.querySelectorAll("[data-upload] input[type=file]").length === 2`)
		x.do(chromedp.SetUploadFiles(`[data-upload] input[type=file]:not([webkitdirectory])`, []string{src}))
	}
	percent := func() int {
		v, _ := x.eval(`Number(document.querySelector("[data-upload] progress")?.value || 0)`).(float64)
		return int(v)
	}
	status := func() string {
		st, _ := x.eval(`document.querySelector("[data-upload] .upload-status")?.textContent || ""`).(string)
		return st
	}
	// waitFor waits for cond up to within (an hour for the 10 GiB of make acceptance).
	waitFor := func(what string, within time.Duration, cond func() bool) {
		t.Helper()
		last := time.Now()
		start := last
		for deadline := time.Now().Add(within); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %q", what, status())
			}
			if time.Since(last) > 30*time.Second {
				t.Logf("%v: waiting for %s: %q", time.Since(start).Round(time.Second), what, status())
				last = time.Now()
			}
		}
	}
	unseen := func(when string) {
		t.Helper()
		if _, err := s.App.Pool.Stat(ctx, "Videos/holiday.mkv"); err == nil {
			t.Fatalf("%s: the partial upload is seen in the folder", when)
		}
		if list, _ := s.App.Pool.List(ctx, "Videos"); len(list) != 0 {
			t.Fatalf("%s: the folder lists %v", when, list)
		}
	}
	// After each drop the page goes on from what the server holds, not from the start:
	// the first PATCH after it starts at or past the last one before it (whose start the
	// server had acknowledged). The browser's own requests are watched for that.
	var mu sync.Mutex
	var patches []int64
	err := x.b.Listen(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request.Method == "PATCH" {
			off, _ := strconv.ParseInt(fmt.Sprint(e.Request.Headers["Upload-Offset"]), 10, 64)
			mu.Lock()
			patches = append(patches, off)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	lastPatch := func() (int64, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(patches) == 0 {
			return -1, 0
		}
		return patches[len(patches)-1], len(patches)
	}
	// sending waits until the page starts sending the file from byte at or past from: a
	// drop then comes while that request is under way.
	sending := func(from int64) {
		t.Helper()
		for deadline := time.Now().Add(time.Hour); ; time.Sleep(5 * time.Millisecond) {
			if off, _ := lastPatch(); off >= from {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for the page to send byte %d: %q", from, status())
			}
		}
	}
	resumed := func(before int64, n int) {
		t.Helper()
		waitFor("the page to send again", time.Hour, func() bool { _, m := lastPatch(); return m > n })
		mu.Lock()
		first := patches[n]
		mu.Unlock()
		if first <= 0 || first < before {
			t.Fatalf("after the drop the page sent from byte %d; the server had acknowledged up to %d", first, before)
		}
		t.Logf("went on from byte %d (%d%%)", first, first*100/size)
	}
	began := time.Now()
	choose(true)

	// The first drop: the server stops at a third and starts again (its sessions go too).
	sending(size / 3)
	s.Stop()
	drop1 := percent()
	off1, n1 := lastPatch()
	t.Logf("drop 1 (server stopped) at %d%% after %v", drop1, time.Since(began).Round(time.Second))
	time.Sleep(5 * time.Second)
	s.Opt.HTTPSListen = s.URL[len("https://"):]
	s.Restart()
	unseen("after the restart")
	waitFor("the page to give up", 4*time.Minute, func() bool { return bytes.HasPrefix([]byte(status()), []byte("Not uploaded")) })
	t.Logf("the page says: %q", status())
	choose(true) // the server forgot the session when it stopped
	resumed(off1, n1)

	// The second drop: at two thirds the page is closed; the person comes back to it.
	sending(2 * size / 3)
	x.do(chromedp.Navigate("about:blank"))
	off2, n2 := lastPatch()
	t.Logf("drop 2 (page closed) at byte %d after %v", off2, time.Since(began).Round(time.Second))
	unseen("with the page closed")
	time.Sleep(5 * time.Second)
	choose(false)
	resumed(off2, n2)
	waitFor("the upload to finish", time.Hour, func() bool {
		st := status()
		return st == "Done" || bytes.HasPrefix([]byte(st), []byte("Not uploaded"))
	})
	took := time.Since(began)

	fi, err := s.App.Pool.Stat(ctx, "Videos/holiday.mkv")
	if err != nil || fi.Size != size || fi.Copies != 2 {
		t.Fatalf("the video: %+v, %v; want %d bytes in 2 copies", fi, err, size)
	}
	f, err := s.App.Pool.Open(ctx, "Videos/holiday.mkv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Sum(nil), want) {
		t.Fatal("the video in the pool differs from the one chosen")
	}
	t.Logf("%d bytes arrived whole in 2 copies, through two drops, in %v (%.0f MB/s overall)", size, took.Round(time.Second), float64(size)/took.Seconds()/1e6)
}

// writeVideo writes size bytes in which every 1 MiB block differs (its number is in it)
// and returns their SHA-256.
func writeVideo(t *testing.T, path string, size int64) []byte {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	block := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(block)) {
		for i := range block {
			block[i] = byte(i*7 + int(off>>20)*13)
		}
		binary.BigEndian.PutUint64(block, uint64(off))
		n := min(int64(len(block)), size-off)
		f.Write(block[:n])
		h.Write(block[:n])
	}
	return h.Sum(nil)
}
