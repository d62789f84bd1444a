package console_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pngOf is a small picture of one colour.
func pngOf(t *testing.T, c color.RGBA, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A folder's slideshow runs by itself over its pictures only (not its SVG, which the
// browser would run, nor its other files), under the console's Content-Security-Policy:
// it moves on by itself, fetches the next picture ahead, pauses on Space, steps back on
// the left arrow and leaves on Escape to the picture it was on.
func TestSlideshow(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	p := s.App.Pool
	put(t, p, "Pictures/Trip/a.png", pngOf(t, color.RGBA{200, 40, 40, 255}, 640, 480))
	put(t, p, "Pictures/Trip/B.png", pngOf(t, color.RGBA{40, 160, 40, 255}, 480, 640))
	put(t, p, "Pictures/Trip/c.png", pngOf(t, color.RGBA{40, 40, 200, 255}, 800, 400))
	put(t, p, "Pictures/Trip/drawing.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	put(t, p, "Pictures/Trip/notes.txt", []byte("the beach"))
	put(t, p, "Pictures/Trip/Sub/d.png", pngOf(t, color.RGBA{1, 2, 3, 255}, 10, 10))

	v := newVisitor(t, s)
	v.signIn("mum", pw)
	resp, err := v.c.Get(s.URL + "/slideshow/Pictures/Trip/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, body, _ := v.get("/slideshow/Pictures/Trip/")
	if code != 200 || resp.StatusCode != 200 {
		t.Fatalf("the slideshow page: %d", code)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("the slideshow's Content-Security-Policy %q must allow only the server's own script files", csp)
	}
	for _, no := range []string{"drawing.svg", "notes.txt", "d.png"} {
		if strings.Contains(body, no) {
			t.Errorf("the slideshow names %s; only the folder's pictures the browser shows safely belong in it", no)
		}
	}
	if _, body, _ := v.get("/slideshow/Pictures/Trip/?from=B.png"); !strings.Contains(body, `data-start="1"`) {
		t.Errorf("the slideshow from B.png does not start at the second picture:\n%s", body)
	}
	// Another's private pictures are never shown to one who may not read them.
	s.AddUser("kid", pw, false)
	put(t, p, "mum/Secret/present.png", pngOf(t, color.RGBA{9, 9, 9, 255}, 10, 10))
	kid := newVisitor(t, s)
	kid.signIn("kid", pw)
	if code, body, _ := kid.get("/slideshow/mum/Secret/"); code != http.StatusNotFound || strings.Contains(body, "present.png") {
		t.Errorf("kid's slideshow of mum's private folder: %d", code)
	}
	if code, _, _ := v.get("/slideshow/Documents/"); code != http.StatusNotFound {
		t.Errorf("the slideshow of a folder without pictures: %d, want 404", code)
	}
	if _, body, _ := v.get("/view/Pictures/Trip/B.png"); !strings.Contains(body, `href="/slideshow/Pictures/Trip/?from=B.png"`) {
		t.Errorf("a picture's page has no slideshow from it:\n%s", body)
	}

	x := newTab(t, s)
	x.signIn("/files/Pictures/Trip/", "mum", pw)
	x.do(chromedp.Click(`a.button[href^="/slideshow/"]`))
	shows := func(name string) string {
		return `document.querySelector("[data-slide]") && document.querySelector("[data-slide]").src.endsWith("/Trip/` + name + `") && document.querySelector("[data-slide]").complete && document.querySelector("[data-slide]").naturalWidth > 0`
	}
	x.settle(shows("a.png"))
	if n := x.eval(`document.querySelectorAll("[data-slides] a").length`); n != float64(3) {
		t.Errorf("the slideshow holds %v pictures, want the folder's 3", n)
	}
	// The whole window.
	if full := x.eval(`(() => { const r = document.querySelector("[data-slideshow]").getBoundingClientRect(); return r.top === 0 && r.left === 0 && r.width === innerWidth && r.height === innerHeight })()`); full != true {
		t.Error("the slideshow does not cover the window")
	}
	// By itself to the second, with the third fetched ahead of need.
	x.settle(shows("B.png"))
	x.do(chromedp.KeyEvent(" "))
	x.settle(`document.querySelector("[data-slideshow]").dataset.playing === "false"`)
	if got := x.eval(`document.querySelector("[data-slide]").src`).(string); !strings.HasSuffix(got, "/Trip/B.png") {
		t.Fatalf("paused on %s, want B.png", got)
	}
	// Paused on the second, the third has been fetched all the same.
	x.settle(`performance.getEntriesByType("resource").some(e => e.name.endsWith("/files/Pictures/Trip/c.png"))`)
	if !strings.Contains(x.text("[data-caption]"), "paused") {
		t.Errorf("a paused slideshow says %q", x.text("[data-caption]"))
	}
	x.accessible("slideshow")
	x.do(chromedp.KeyEvent(kb.ArrowLeft))
	x.settle(shows("a.png"))
	x.shots("slideshow")
	if got := x.eval(`document.querySelector("[data-slideshow]").dataset.playing`); got != "false" {
		t.Errorf("stepping back carried on a paused slideshow: playing %v", got)
	}
	x.do(chromedp.KeyEvent(kb.Escape))
	x.settle(`location.pathname === "/view/Pictures/Trip/a.png"`)
}
