package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/browsertest"
	"github.com/hearth-home/hearth/server/app/apptest"
)

const pw = "correct horse"

// tab is one Chromium tab on a running server, with the steps the tests take in it.
type tab struct {
	t *testing.T
	s *apptest.Server
	b *browsertest.Browser
}

func newTab(t *testing.T, s *apptest.Server) *tab {
	return &tab{t: t, s: s, b: s.Browser()}
}

func (x *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	x.t.Helper()
	if err := x.b.Do(steps...); err != nil {
		x.t.Fatal(err)
	}
}

// open goes to a page of the server and waits for it.
func (x *tab) open(path string) {
	x.t.Helper()
	x.do(chromedp.Navigate(x.s.URL + path))
	x.settle(`document.querySelector("main h1")`)
}

// settle waits until the page has loaded and the condition holds. A page that is still
// navigating (a form's redirect) stops a check midway; it is asked again.
func (x *tab) settle(cond string) {
	x.t.Helper()
	if err := x.b.Settle(cond); err != nil {
		x.t.Fatal(err)
	}
}

// submit clicks a button and waits for the page the form leads to.
func (x *tab) submit(button string) {
	x.t.Helper()
	x.eval(`window.__before = true`)
	x.do(chromedp.Click(button))
	x.settle(`!window.__before && document.querySelector("main h1")`)
}

func (x *tab) set(sel, value string) {
	x.t.Helper()
	x.do(chromedp.SetValue(sel, value))
}

func (x *tab) text(sel string) string {
	x.t.Helper()
	s, err := browsertest.Run(x.b, chromedp.Text(sel))
	if err != nil {
		x.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (x *tab) eval(js string) any {
	x.t.Helper()
	v, err := browsertest.Run(x.b, chromedp.Evaluate[any](js))
	if err != nil {
		x.t.Fatalf("%s: %v", js, err)
	}
	return v
}

func (x *tab) location() string {
	x.t.Helper()
	u, err := browsertest.Run(x.b, chromedp.Location())
	if err != nil {
		x.t.Fatal(err)
	}
	return strings.TrimPrefix(u, x.s.URL)
}

// signIn signs in through the sign-in page, starting from path, and lands there.
func (x *tab) signIn(path, name, password string) {
	x.t.Helper()
	x.open(path)
	if !strings.HasPrefix(x.location(), "/signin") {
		x.t.Fatalf("%s before signing in: at %s, want the sign-in page", path, x.location())
	}
	x.set("#name", name)
	x.set("#password", password)
	x.submit("form[action='/signin'] button")
	if got := x.location(); got != path {
		x.t.Fatalf("after signing in: at %s, want %s", got, path)
	}
}

// flash is the message the page shows after a form.
func (x *tab) flash() string {
	x.t.Helper()
	return x.text(".flash")
}

// shots takes a screenshot of the page as it is, at desktop and phone widths, light and
// dark, into $HEARTH_SCREENSHOTS when set (make test keeps them in build/screenshots).
func (x *tab) shots(name string) {
	x.t.Helper()
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		for _, scheme := range []string{"light", "dark"} {
			setup := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
					Width: size.width, Height: size.height, DeviceScaleFactor: 1, Mobile: size.mobile})
				if err == nil {
					_, err = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
				}
				return err
			})
			x.do(setup)
			img, err := browsertest.Run(x.b, chromedp.FullScreenshot(80))
			if err != nil {
				x.t.Fatalf("screenshot %s: %v", name, err)
			}
			if dir != "" {
				os.MkdirAll(dir, 0o755)
				file := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.jpg", name, size.name, scheme))
				if err := os.WriteFile(file, img, 0o644); err != nil {
					x.t.Fatal(err)
				}
			}
		}
	}
	x.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}))
}

// accessible checks what a person with a screen reader or only a keyboard relies on:
// the page has a language, a title and one main heading; every control has a name;
// every image has a text; and pressing Tab reaches every control that is shown.
func (x *tab) accessible(page string) {
	x.t.Helper()
	problems, err := browsertest.Run(x.b, chromedp.Evaluate[[]string](accessibilityScript))
	if err != nil {
		x.t.Fatalf("%s: accessibility check: %v", page, err)
	}
	for _, p := range problems {
		x.t.Errorf("%s: %s", page, p)
	}
	// The keyboard: Tab from the top until focus comes round again.
	x.eval(`window.__reached = new Set(); document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`)
	n, err := browsertest.Run(x.b, chromedp.Evaluate[int](`document.querySelectorAll(`+focusable+`).length`))
	if err != nil {
		x.t.Fatal(err)
	}
	for range 2*n + 5 { // a time field takes a stop for each of its parts
		x.do(chromedp.KeyEvent("\t"), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.activeElement && window.__reached.add(document.activeElement)`))
			return err
		}))
	}
	missed, err := browsertest.Run(x.b, chromedp.Evaluate[[]string](`[...document.querySelectorAll(`+focusable+`)]
		.filter(e => e.checkVisibility() && !window.__reached.has(e)).map(e => e.outerHTML.slice(0, 120))`))
	if err != nil {
		x.t.Fatal(err)
	}
	for _, m := range missed {
		x.t.Errorf("%s: the keyboard never reaches %s", page, m)
	}
}

const focusable = `"a[href], button, input:not([type=hidden]):not([hidden]), select, textarea, summary"`

const accessibilityScript = `(() => {
	const out = [];
	if (!document.documentElement.lang) out.push("the page has no language");
	if (!document.title.trim()) out.push("the page has no title");
	if (document.querySelectorAll("h1").length !== 1) out.push("the page has " + document.querySelectorAll("h1").length + " main headings");
	const name = e => (e.getAttribute("aria-label") || "").trim() ||
		[...(e.labels || [])].map(l => l.textContent).join(" ").trim() ||
		(e.getAttribute("aria-labelledby") || "").split(" ").map(id => (document.getElementById(id) || {}).textContent || "").join(" ").trim() ||
		(e.tagName === "INPUT" && ["submit", "button"].includes(e.type) ? e.value : "") || e.textContent.trim() || e.getAttribute("title") || "";
	for (const e of document.querySelectorAll("input:not([type=hidden]):not([hidden]), select, textarea"))
		if (!name(e) || (e.tagName !== "SELECT" && e.labels && e.labels.length === 0 && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby")))
			out.push("a control has no label: " + e.outerHTML.slice(0, 120));
	for (const e of document.querySelectorAll("button, a[href], summary"))
		if (!name(e) && !e.querySelector("img[alt]:not([alt=''])")) out.push("a button or link has no words: " + e.outerHTML.slice(0, 120));
	for (const e of document.querySelectorAll("img")) if (!e.hasAttribute("alt")) out.push("an image has no alt text: " + e.outerHTML.slice(0, 120));
	return out;
})()`

// download clicks a link that downloads a file and returns the file's bytes.
func (x *tab) download(link string) []byte {
	x.t.Helper()
	b, err := x.b.Download(x.t.TempDir(), link)
	if err != nil {
		x.t.Fatal(err)
	}
	return b
}

// weight is what the page just opened weighs on a first visit: the page and everything
// it loaded (cached or not), as sent.
func (x *tab) weight() int {
	x.t.Helper()
	n, err := browsertest.Run(x.b, chromedp.Evaluate[int](`performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
		.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0)`))
	if err != nil {
		x.t.Fatal(err)
	}
	return n
}

// clickSummary opens the first closed disclosure (a "Remove…" that asks to confirm)
// whose words are these.
func clickSummary(words string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
			const s = [...document.querySelectorAll("details:not([open]) > summary")].find(s => s.textContent.trim() === %q);
			if (!s) return false;
			s.click();
			return true;
		})()`, words)))
		if err == nil && !ok {
			err = fmt.Errorf("no closed %q to open", words)
		}
		return err
	})
}
