package links

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

// The data of each page.
type (
	sorryData    struct{ Text string }
	passwordData struct {
		Action string
		Wrong  bool
	}
	fileData   struct{ Name, URL, Size string }
	folderData struct {
		Name    string
		Crumbs  []crumb
		Entries []entry
	}
	crumb struct{ Name, URL string }
	entry struct {
		Name, URL     string
		Dir           bool
		Size, Changed string
	}
	uploadData struct {
		Owner, Folder string
		FilesLeft     int64  // 0: no limit
		BytesLeft     string // "": no limit
		Saved         []string
		Problem       string
	}
)

// csp is the console's own policy: nothing but the server's style sheet and icon, forms
// posting only here, never in a frame. The pages show names people chose, so nothing
// else may run.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// page renders one of the link pages in the console's look.
func (s *Service) page(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		s.opt.Log.Error("a link page failed", "page", name, "err", err)
		http.Error(w, "The server could not show this page. Please try again.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// coalescer says whether an event is the first of its key in a while, so that a link's
// uses are recorded without flooding the log.
type coalescer struct {
	window time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
}

func newCoalescer(window time.Duration) *coalescer {
	return &coalescer{window: window, last: map[string]time.Time{}}
}

func (c *coalescer) first(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.last) > 4096 { // forget the stale ones so memory stays small
		for k, t := range c.last {
			if now.Sub(t) >= c.window {
				delete(c.last, k)
			}
		}
	}
	if t, ok := c.last[key]; ok && now.Sub(t) < c.window && !now.Before(t) {
		return false
	}
	c.last[key] = now
	return true
}
