package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

func put(t *testing.T, p *pool.Pool, path string, data []byte) {
	t.Helper()
	var dirs []string
	for dir := safepath.Parent(path); strings.Contains(dir, "/"); dir = safepath.Parent(dir) {
		dirs = append([]string{dir}, dirs...)
	}
	for _, dir := range dirs {
		if _, err := p.Mkdir(context.Background(), dir, time.Time{}); err != nil && !errors.Is(err, pool.ErrExist) {
			t.Fatal(err)
		}
	}
	if _, err := p.WriteFile(context.Background(), path, bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
}

// A family member works with the family's files in the browser: opens a folder, makes
// one, renames, copies, moves and deletes (and undoes the delete), downloads a selection
// as a zip, and brings back a previous version; each checked on the pool itself.
func TestFilesInTheBrowser(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	p := s.App.Pool
	put(t, p, "Documents/letters/grandma.txt", []byte("Dear Grandma"))
	put(t, p, "Documents/list.txt", []byte("milk"))
	put(t, p, "Documents/list.txt", []byte("milk, bread")) // the first is a previous version now
	put(t, p, "Documents/letters/school.txt", []byte("Dear Mrs Smith"))
	put(t, p, "Documents/recipe.txt", []byte("flour, eggs"))
	ctx := context.Background()
	exists := func(path string) bool { _, err := p.Stat(ctx, path); return err == nil }

	x := newTab(t, s)
	x.signIn("/files/Documents/", "mum", pw)
	if got := x.text("main table"); !strings.Contains(got, "letters/") || !strings.Contains(got, "recipe.txt") {
		t.Fatalf("the Documents folder shows %q", got)
	}
	// A new folder.
	x.do(chromedp.Click("details.panel > summary"))
	x.set("#new-folder", "Taxes 2026")
	x.submit("form[action='/files/op/mkdir'] button")
	if !exists("Documents/Taxes 2026") {
		t.Fatalf("no folder made; the page says %q", x.flash())
	}
	// Copy the letters into it, then move recipe.txt there, then rename it.
	choose := func(path string) { x.do(chromedp.Click(fmt.Sprintf(`input[name=path][value=%q]`, path))) }
	choose("Documents/letters")
	x.set("#to", "Documents/Taxes 2026")
	x.submit("button[formaction='/files/op/copy']")
	if !exists("Documents/Taxes 2026/letters/grandma.txt") || !exists("Documents/letters/grandma.txt") {
		t.Fatalf("the copy: the page says %q", x.flash())
	}
	choose("Documents/recipe.txt")
	x.set("#to", "Documents/Taxes 2026")
	x.submit("button[formaction='/files/op/move']")
	if exists("Documents/recipe.txt") || !exists("Documents/Taxes 2026/recipe.txt") {
		t.Fatalf("the move: the page says %q", x.flash())
	}
	x.open("/files/Documents/Taxes%202026/")
	choose("Documents/Taxes 2026/recipe.txt")
	x.set("#rename", "pancakes.txt")
	x.submit("button[formaction='/files/op/rename']")
	if !exists("Documents/Taxes 2026/pancakes.txt") {
		t.Fatalf("the rename: the page says %q", x.flash())
	}
	// Delete the copied letters, and undo it.
	choose("Documents/Taxes 2026/letters")
	x.submit("button[formaction='/files/op/delete']")
	if exists("Documents/Taxes 2026/letters/grandma.txt") {
		t.Fatal("the letters are still there after the delete")
	}
	x.submit("form[action='/files/op/undo'] button")
	if !exists("Documents/Taxes 2026/letters/grandma.txt") || !exists("Documents/Taxes 2026/letters/school.txt") {
		t.Fatalf("the undo did not bring the letters back; the page says %q", x.flash())
	}
	// Download the folder as a zip.
	x.open("/files/Documents/letters/")
	got := unzip(t, x.download("a[href^='/zip?path=']"))
	if string(got["letters/grandma.txt"]) != "Dear Grandma" || string(got["letters/school.txt"]) != "Dear Mrs Smith" || len(got) != 2 {
		t.Fatalf("the zip holds %v", keys(got))
	}
	// And two files chosen, as the form sends them.
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	code, body, _ := v.post("/zip", map[string][]string{"path": {"Documents/letters/grandma.txt", "Documents/letters/school.txt"}})
	if got := unzip(t, []byte(body)); code != 200 || string(got["grandma.txt"]) != "Dear Grandma" || string(got["school.txt"]) != "Dear Mrs Smith" || len(got) != 2 {
		t.Fatalf("the chosen files' zip: %d, %v", code, keys(got))
	}
	// The previous version of the list, brought back.
	x.open("/versions/Documents/list.txt")
	x.submit("main form[action^='/versions/'] button")
	f, err := p.Open(ctx, "Documents/list.txt")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(f)
	f.Close()
	if b.String() != "milk" {
		t.Fatalf("after restoring the first version the list is %q", b.String())
	}
}

// Nobody reaches a share they may not read, by any address, and a read-only share
// offers no change and takes none.
func TestFilesFollowAccess(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, false)
	s.AddUser("kid", pw, false)
	put(t, s.App.Pool, "dad/secret.txt", []byte("the presents are in the garage"))
	put(t, s.App.Pool, "Software/setup.exe", []byte("MZ"))
	kid := newVisitor(t, s)
	kid.signIn("kid", pw)
	for _, u := range []string{"/files/dad/", "/files/dad/secret.txt", "/files/Public/..%2Fdad/secret.txt", "/versions/dad/secret.txt",
		"/deleted/dad", "/thumb/dad/secret.txt", "/files/Backups/"} {
		if code, body, _ := kid.get(u); code == 200 || strings.Contains(body, "presents") {
			t.Errorf("kid opened %s: %d", u, code)
		}
	}
	if _, body, _ := kid.get("/files"); strings.Contains(body, ">dad<") {
		t.Error("kid's Files lists dad's own folder")
	}
	if code, body, _ := kid.get("/files/Software/"); code != 200 || strings.Contains(body, "/files/op/delete") {
		t.Errorf("kid's read-only Software: %d, offers a delete: %v", code, strings.Contains(body, "/files/op/delete"))
	}
	if code, _, _ := kid.post("/files/op/delete", map[string][]string{"path": {"Software/setup.exe"}, "back": {"/files/Software/"}}); code != 403 {
		t.Errorf("kid deleting in the read-only Software: %d", code)
	}
	if code, _, _ := kid.post("/zip", map[string][]string{"path": {"dad/secret.txt"}}); code == 200 {
		t.Error("kid zipped dad's file")
	}
	if _, err := s.App.Pool.Stat(context.Background(), "Software/setup.exe"); err != nil {
		t.Errorf("setup.exe after kid's attempts: %v", err)
	}
}

// The grid shows a picture's thumbnail, made on the server and cached off the shares.
func TestPictureThumbnails(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	img := image.NewRGBA(image.Rect(0, 0, 1200, 800))
	for y := range 800 {
		for x := range 1200 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	put(t, s.App.Pool, "Pictures/beach.png", buf.Bytes())
	x := newTab(t, s)
	x.signIn("/files/Pictures/?view=grid", "mum", pw)
	x.settle(`document.querySelector(".grid img") && document.querySelector(".grid img").complete && document.querySelector(".grid img").naturalWidth > 0`)
	if w := x.eval(`document.querySelector(".grid img").naturalWidth`); w != float64(256) {
		t.Errorf("the thumbnail is %v pixels wide, want 256", w)
	}
	if shares, _ := s.App.Pool.List(context.Background(), "Pictures"); len(shares) != 1 {
		t.Errorf("the Pictures share holds %d entries after the thumbnail; the cache must not be on the shares", len(shares))
	}
}

// A large folder opens page by page; the time it takes is logged (never a pass or fail:
// these machines are noisy). 10,000 entries here (making 50,000 takes two minutes);
// 500 a page.
func TestLargeFolder(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	ctx := context.Background()
	if _, err := s.App.Pool.Mkdir(ctx, "Public/many", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for i := range 10_000 {
		if _, err := s.App.Pool.Mkdir(ctx, fmt.Sprintf("Public/many/f%05d", i), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	began := time.Now()
	code, body, _ := v.get("/files/Public/many/?page=20")
	took := time.Since(began)
	if code != 200 || !strings.Contains(body, "f09999") || !strings.Contains(body, "Page 20 of 20") || strings.Contains(body, "f09499") {
		t.Fatalf("the last page of 10,000: %d", code)
	}
	t.Logf("the last of 20 pages of a 10,000-entry folder: %v, %d bytes", took, len(body))
}

// wav is a tone of the given seconds as a WAV file (8 kHz, 8-bit mono).
func wav(seconds int) []byte {
	n := 8000 * seconds
	var b bytes.Buffer
	le := func(v uint32, size int) {
		for i := range size {
			b.WriteByte(byte(v >> (8 * i)))
		}
	}
	b.WriteString("RIFF")
	le(uint32(36+n), 4)
	b.WriteString("WAVEfmt ")
	le(16, 4)
	le(1, 2)    // PCM
	le(1, 2)    // mono
	le(8000, 4) // samples a second
	le(8000, 4) // bytes a second
	le(1, 2)
	le(8, 2)
	b.WriteString("data")
	le(uint32(n), 4)
	for i := range n {
		b.WriteByte(byte(128 + 60*((i/10)%2*2-1)))
	}
	return b.Bytes()
}

// Sound plays in the page, and seeks: the file is sent in ranges.
func TestMediaPlaysInThePage(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	put(t, s.App.Pool, "Music/tone.wav", wav(3))
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	req, _ := http.NewRequest("GET", s.URL+"/files/Music/tone.wav", nil)
	req.Header.Set("Range", "bytes=100-199")
	if code, body, _ := v.do(req); code != http.StatusPartialContent || len(body) != 100 {
		t.Fatalf("a range of the file: %d, %d bytes", code, len(body))
	}
	x := newTab(t, s)
	x.signIn("/files/Music/", "mum", pw)
	x.do(chromedp.Click(`a[href="/view/Music/tone.wav"]`))
	x.settle(`document.querySelector("audio") && document.querySelector("audio").readyState >= 1`)
	if d := x.eval(`document.querySelector("audio").duration`).(float64); d < 2.9 || d > 3.1 {
		t.Fatalf("the sound lasts %v s in the page, want 3", d)
	}
	x.eval(`document.querySelector("audio").currentTime = 2`)
	x.settle(`!document.querySelector("audio").seeking && document.querySelector("audio").currentTime >= 2`)
}

// A file chosen on a folder's page goes up (resumable, through tus) and appears in the
// folder's list without a reload.
func TestUploadOnTheFolderPage(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	src := filepath.Join(t.TempDir(), "holiday notes.txt")
	data := bytes.Repeat([]byte("sun, sea, sand. "), 70_000) // about 1 MiB
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	x := newTab(t, s)
	x.signIn("/files/Documents/", "mum", pw)
	x.eval(`window.__same = true`)
	x.do(chromedp.Click("details.panel > summary"))
	x.settle(`document.querySelector("[data-upload] input[type=file]:not([webkitdirectory])")`)
	x.do(chromedp.SetUploadFiles(`[data-upload] input[type=file]:not([webkitdirectory])`, []string{src}))
	x.settle(`[...document.querySelectorAll("main table a")].some(a => a.textContent === "holiday notes.txt")`)
	if x.eval(`window.__same === true`) != true {
		t.Error("the page was loaded again; the new file should appear in place")
	}
	f, err := s.App.Pool.Open(context.Background(), "Documents/holiday notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got bytes.Buffer
	got.ReadFrom(f)
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("the uploaded file: %d bytes, want the %d chosen", got.Len(), len(data))
	}
}

// Search finds a file by a fragment of its name, accents and case aside, and never one
// in a share the person may not read.
func TestSearchInTheBrowser(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, false)
	s.AddUser("kid", pw, false)
	put(t, s.App.Pool, "Pictures/summer/Été à Paris.jpg", []byte("a picture"))
	put(t, s.App.Pool, "dad/Paris presents.txt", []byte("the presents are in the garage"))
	x := newTab(t, s)
	x.signIn("/files", "kid", pw)
	x.set("#find", "ete a par")
	x.submit("form[action='/search'] button")
	got := x.text("main")
	if !strings.Contains(got, "Été à Paris.jpg") || !strings.Contains(got, "Pictures › summer") {
		t.Fatalf("searching for a fragment: %q", got)
	}
	x.open("/search?q=paris")
	if got := x.text("main"); strings.Contains(got, "presents") || !strings.Contains(got, "Été à Paris.jpg") {
		t.Fatalf("kid's search shows %q; never a file of dad's own folder", got)
	}
}

// A picture too large to decode safely on a small box gets no thumbnail (the page shows
// its name), and the server stays up: its header alone says its size.
func TestNoThumbnailForAHugePicture(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	// A 16-bit PNG of 6,000 × 5,000 would take 240 MB to decode.
	img := image.NewNRGBA64(image.Rect(0, 0, 6000, 5000))
	var buf bytes.Buffer
	png.Encode(&buf, img)
	put(t, s.App.Pool, "Pictures/huge.png", buf.Bytes())
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	if code, _, _ := v.get("/thumb/Pictures/huge.png"); code != http.StatusNotFound {
		t.Fatalf("the thumbnail of a 240 MB picture: %d, want none", code)
	}
	if code, _, _ := v.get("/files/Pictures/"); code != 200 {
		t.Fatalf("the folder after: %d", code)
	}
}

// A picture's page steps to the previous and next pictures of its folder in name order,
// past other files; a folder's page sorts as asked, and a page past the end (the folder
// shrank) shows the last one.
func TestPicturesAndPagesInOrder(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	p := s.App.Pool
	for name, size := range map[string]int{"a.jpg": 3, "b.txt": 1, "C.png": 4, "d.JPG": 2, "e.txt": 5} {
		put(t, p, "Public/Trip/"+name, bytes.Repeat([]byte{1}, size))
	}
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	_, body, _ := v.get("/view/Public/Trip/C.png")
	if !strings.Contains(body, `href="/view/Public/Trip/a.jpg" rel="prev"`) || !strings.Contains(body, `href="/view/Public/Trip/d.JPG" rel="next"`) {
		t.Errorf("C.png's page does not step to a.jpg and d.JPG:\n%s", body)
	}
	_, body, _ = v.get("/files/Public/Trip/?sort=size&desc=1&page=7")
	var order []int
	for _, name := range []string{"e.txt", "C.png", "a.jpg", "d.JPG", "b.txt"} {
		order = append(order, strings.Index(body, ">"+name+"<"))
	}
	if !slices.IsSorted(order) || order[0] < 0 {
		t.Errorf("by size, largest first, page past the end: the names stand at %v in the page:\n%s", order, body)
	}
}

// A video seeks in the page because its file is sent in ranges: each range asked is
// answered 206 with exactly those bytes of the file, under the sandbox every file gets.
func TestVideoIsSentInRanges(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	video := make([]byte, 300_000)
	for i := range video {
		video[i] = byte(i*7 + i/251)
	}
	put(t, s.App.Pool, "Videos/Holiday/beach.mp4", video)
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	if _, body, _ := v.get("/view/Videos/Holiday/beach.mp4"); !strings.Contains(body, `<video src="/files/Videos/Holiday/beach.mp4" controls`) {
		t.Fatalf("the video's page plays no video:\n%s", body)
	}
	for _, tc := range []struct {
		ask        string
		from, upto int // the bytes wanted, upto excluded
	}{
		{"bytes=0-1", 0, 2}, // what a browser asks first
		{"bytes=150000-", 150_000, 300_000},
		{"bytes=123456-124455", 123_456, 124_456},
		{"bytes=-1000", 299_000, 300_000},
	} {
		req, _ := http.NewRequest("GET", s.URL+"/files/Videos/Holiday/beach.mp4", nil)
		req.Header.Set("Range", tc.ask)
		resp, err := v.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf("bytes %d-%d/%d", tc.from, tc.upto-1, len(video))
		if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != want || !bytes.Equal(body, video[tc.from:tc.upto]) {
			t.Errorf("%s: %d, %q, %d bytes; want 206, %q and those %d bytes of the file", tc.ask, resp.StatusCode, resp.Header.Get("Content-Range"), len(body), want, tc.upto-tc.from)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "video/mp4" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: sent as %q under %q, want video/mp4 in the sandbox", tc.ask, ct, resp.Header.Get("Content-Security-Policy"))
		}
	}
}
