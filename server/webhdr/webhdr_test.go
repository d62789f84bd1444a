package webhdr

import (
	"net/http"
	"testing"
)

// TestPolicy: active and unknown types download, passive ones open sandboxed, the type
// never depends on the bytes, and every answer forbids sniffing and runs sandboxed.
func TestPolicy(t *testing.T) {
	cases := []struct {
		name, typ string
		inline    bool
	}{
		{"x.html", "text/html; charset=utf-8", false},
		{"X.HTM", "text/html; charset=utf-8", false},
		{"x.xhtml", "application/xhtml+xml", false},
		{"x.svg", "image/svg+xml", false},
		{"x.xml", "text/xml; charset=utf-8", false},
		{"x.js", "text/javascript; charset=utf-8", false},
		{"x.mjs", "text/javascript; charset=utf-8", false},
		{"x.pdf", "application/pdf", true},
		{"noextension", Fallback, false},
		{"x.unknownext", Fallback, false},
		{"dir.d/noext", Fallback, false},
		{"photo.JPG", "image/jpeg", true},
		{"a.png", "image/png", true},
		{"song.mp3", "audio/mpeg", true},
		{"clip.webm", "video/webm", true},
		{"notes.txt", "text/plain; charset=utf-8", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := For(c.name)
			if p.Inline != c.inline {
				t.Errorf("inline %v, want %v", p.Inline, c.inline)
			}
			// The system's table decides the exact spelling of active types; what counts
			// is that the inline ones are exactly ours.
			if c.inline && p.ContentType != c.typ {
				t.Errorf("type %q, want %q", p.ContentType, c.typ)
			}
			if p.ContentType == "" {
				t.Errorf("no type")
			}
			h := http.Header{}
			h.Set("Content-Type", "text/html") // whatever was there is replaced
			Set(h, "/dav/Public/"+c.name)
			if h.Get("Content-Type") != p.ContentType || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != FileCSP {
				t.Errorf("headers %v", h)
			}
			if got := h.Get("Content-Disposition") != ""; got == c.inline {
				t.Errorf("Content-Disposition %q for inline=%v", h.Get("Content-Disposition"), c.inline)
			}
		})
	}
}

func TestAttachment(t *testing.T) {
	cases := map[string]string{
		"x.html":                  `attachment; filename="x.html"; filename*=UTF-8''x.html`,
		"Grüße 2024.svg":          `attachment; filename="Gr__e_2024.svg"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%202024.svg`,
		"a\"b\\c%d;e":             `attachment; filename="a_b_c_d;e"; filename*=UTF-8''a%22b%5Cc%25d%3Be`,
		"evil\r\nSet-Cookie: x=1": `attachment; filename="evil__Set-Cookie:_x=1"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3D1`,
	}
	for name, want := range cases {
		if got := Attachment(name); got != want {
			t.Errorf("Attachment(%q) = %s, want %s", name, got, want)
		}
	}
}
