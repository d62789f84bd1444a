package upload_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/browsertest"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// tab is a Chromium tab on a running server (the few steps these tests need, as in the
// console's browser tests).
type tab struct {
	t *testing.T
	s *apptest.Server
	b *browsertest.Browser
}

func (x *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	x.t.Helper()
	if err := x.b.Do(steps...); err != nil {
		x.t.Fatal(err)
	}
}

func (x *tab) eval(js string) any {
	x.t.Helper()
	v, err := browsertest.Run(x.b, chromedp.Evaluate[any](js, chromedp.EvalAwaitPromise))
	if err != nil {
		x.t.Fatalf("%.200s: %v", js, err)
	}
	return v
}

// wait polls cond in the page until it holds, failing after within.
func (x *tab) wait(within time.Duration, what, cond string) {
	x.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if v, _ := browsertest.Run(x.b, chromedp.Evaluate[bool](`!!(`+cond+`)`)); v {
			return
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("waiting for %s: %v", what, x.eval(`JSON.stringify(window.st || null)`))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signIn signs ann in through the sign-in page and lands on the console's home page.
func (x *tab) signIn() {
	x.t.Helper()
	x.do(chromedp.Navigate(x.s.URL + "/"))
	x.wait(time.Minute, "the sign-in page", `document.readyState === "complete" && document.querySelector("#password")`)
	x.do(chromedp.SetValue("#name", "ann"), chromedp.SetValue("#password", annPW), chromedp.Click("form[action='/signin'] button"))
	x.wait(time.Minute, "the home page", `document.readyState === "complete" && location.pathname === "/" && !document.querySelector("#password")`)
}

// pageTus loads the vendored tus-js-client into the page, as a page of the server's own
// (the CSP lets a script from the server's origin in), and a maker of the test's file.
func (x *tab) pageTus() {
	x.t.Helper()
	x.eval(`new Promise((ok, fail) => { const s = document.createElement("script"); s.src = "/static/tus.min.js"; s.onload = ok; s.onerror = fail; document.head.append(s); })`)
	// The same bytes as pattern() in Go.
	x.eval(`window.makeFile = (size) => {
		const parts = [];
		for (let block = 0; block * 1048576 < size; block++) {
			const n = Math.min(1048576, size - block * 1048576), a = new Uint8Array(n);
			for (let j = 0; j < n; j++) a[j] = (j * 7 + block * 13 + (j >> 8)) & 255;
			parts.push(a);
		}
		return new File(parts, "big.bin", { lastModified: 1600000000000 });
	}; true`)
}

// startBig begins (or resumes, finding the earlier one) the upload of size bytes.
func (x *tab) startBig(size int) {
	x.t.Helper()
	x.eval(fmt.Sprintf(`window.st = { acked: 0, done: false };
		window.up = new tus.Upload(makeFile(%d), {
			endpoint: "/api/v1/uploads", chunkSize: 64 << 20, retryDelays: [0, 1000, 3000], // as upload.js: the first request after a restart may meet a socket of the old server
			metadata: { folder: "Public", filename: "big.bin", mtime: "1600000000000" },
			storeFingerprintForResuming: true, removeFingerprintOnSuccess: true,
			onChunkComplete: (n, acked) => { st.acked = acked; },
			onSuccess: () => { st.done = true; },
			onError: (e) => { st.error = String(e); },
		});
		up.findPreviousUploads().then((prev) => {
			st.previous = prev.length;
			if (prev.length) up.resumeFromPreviousUpload(prev[0]);
			up.start();
		}); true`, size))
}

// TestBrowserResumesBigUpload: Chromium uploads 300 MiB with tus-js-client in 64 MiB
// chunks (as upload.js); at a third the server stops (the page loses it, and its sign-in); the server
// starts again, the person signs in again and chooses the same file: the upload goes on
// from what the server acknowledged (the same upload, not a new one) and the file
// arrives byte for byte, never seen in a listing or over WebDAV before.
func TestBrowserResumesBigUpload(t *testing.T) {
	const size = 300 << 20
	s := apptest.Start(t)
	s.AddUser("ann", annPW, false)
	x := &tab{t: t, s: s, b: s.Browser()}
	x.signIn()
	x.pageTus()
	x.startBig(size)
	x.wait(3*time.Minute, "a third of the upload", fmt.Sprintf("st.acked >= %d || st.error", size/3))
	if where := visible(t, s, "big.bin"); where != nil {
		t.Fatalf("the partial upload is seen in %v", where)
	}
	url := x.eval(`up.url`).(string)
	s.Stop()
	acked := int64(x.eval(`st.acked`).(float64))
	x.wait(time.Minute, "the page to lose the server", `st.error`)

	// The same address, so the page (its origin) finds the server again.
	s.Opt.HTTPSListen = strings.TrimPrefix(s.URL, "https://")
	s.Restart()
	c := appClient(t, s)
	held := c.offset(pathOf(t, url))
	if held < acked || held >= size {
		t.Fatalf("after the restart the server holds %d bytes; the page was told %d were safe", held, acked)
	}
	if where := visible(t, s, "big.bin"); where != nil {
		t.Fatalf("after the restart the partial upload is seen in %v", where)
	}
	x.signIn()
	x.pageTus()
	x.startBig(size)
	x.wait(5*time.Minute, "the upload to finish", `st.done || st.error`)
	if e := x.eval(`st.error || ""`); e != "" {
		t.Fatalf("the resumed upload failed: %v", e)
	}
	if again := x.eval(`up.url`).(string); again != url || x.eval(`st.previous`).(float64) != 1 {
		t.Fatalf("the page began a new upload (%s, was %s) instead of going on", again, url)
	}
	fi, err := s.App.Pool.Stat(context.Background(), "Public/big.bin")
	if err != nil || fi.Size != size || fi.ModTime.UnixMilli() != 1600000000000 {
		t.Fatalf("the file: %+v %v", fi, err)
	}
	f, err := s.App.Pool.Open(context.Background(), "Public/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := sha256.New()
	if _, err := io.Copy(got, f); err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	for off := 0; off < size; off += 1 << 20 {
		want.Write(patternBlock(off >> 20))
	}
	if string(got.Sum(nil)) != string(want.Sum(nil)) {
		t.Fatal("the uploaded file differs from the pattern the page made")
	}
	t.Logf("resumed at %d of %d bytes (the page had %d acknowledged)", held, size, acked)
}

// patternBlock is the pattern's 1 MiB block k.
func patternBlock(k int) []byte {
	b := make([]byte, 1<<20)
	for j := range b {
		b[j] = patternByte(int64(k)<<20 + int64(j))
	}
	return b
}
