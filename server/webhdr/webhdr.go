// Package webhdr holds the headers every answer that carries a user's bytes gets, so that
// a shared file can never run as one of the server's own pages (stored XSS): one person's
// upload, opened by another in a browser, would otherwise run with the viewer's sign-in.
// The WebDAV drive uses it for every GET and HEAD of a file; any later download or preview
// endpoint must use it too.
//
// The policy: the type comes from the name alone (never sniffed), the browser is told not
// to sniff either, every such answer is sandboxed by its Content-Security-Policy (an
// opaque origin, no scripts, nothing loaded), and only passive types the browser shows by
// itself (pictures other than SVG, sound, video, plain text) may open in the browser; all
// else is a download.
package webhdr

import (
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
)

const (
	// FileCSP is the Content-Security-Policy of an answer carrying a user's file.
	FileCSP = "sandbox; default-src 'none'"
	// PageCSP is the Content-Security-Policy of the server's own pages that show
	// user-given names (folder listings): still sandboxed, no scripts, only their own
	// inline style.
	PageCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
	// Fallback is the type of a file whose name says nothing the browser could show
	// safely.
	Fallback = "application/octet-stream"
)

// inlineTypes are the types of the files a browser shows without running anything the
// file says, by lower-case extension; every other file downloads. Read only.
var inlineTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".bmp":  "image/bmp",
	".ico":  "image/x-icon",
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/wav",
	".flac": "audio/flac",
	".aac":  "audio/aac",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
	".txt":  "text/plain; charset=utf-8",
	".text": "text/plain; charset=utf-8",
	".log":  "text/plain; charset=utf-8",
	".md":   "text/plain; charset=utf-8",
	// The browser's own viewer shows a PDF under the sandbox policy every file gets (an
	// opaque origin that runs nothing of the page's), as Chromium 156 and Firefox do.
	".pdf": "application/pdf",
}

// Extensions lists the extensions of the files shown in the browser whose type starts
// with prefix ("image/"), sorted.
func Extensions(prefix string) []string {
	var out []string
	for ext, t := range inlineTypes {
		if strings.HasPrefix(t, prefix) {
			out = append(out, ext)
		}
	}
	slices.Sort(out)
	return out
}

// Policy is how a file of a name is served.
type Policy struct {
	ContentType string
	Inline      bool // false: Content-Disposition: attachment
}

// For is the policy for a file named name (its last element counts).
func For(name string) Policy {
	ext := strings.ToLower(path.Ext(name))
	if t := inlineTypes[ext]; t != "" {
		return Policy{ContentType: t, Inline: true}
	}
	// The type still tells a WebDAV client what the file is; as a download it cannot
	// run. An extension the system does not know is plain bytes.
	if t := mime.TypeByExtension(ext); ext != "" && t != "" {
		return Policy{ContentType: t}
	}
	return Policy{ContentType: Fallback}
}

// ContentType is the type a file named name is served as.
func ContentType(name string) string { return For(name).ContentType }

// Set puts the headers for the bytes of a file named name on h, replacing any type
// already set (so nothing downstream sniffs).
func Set(h http.Header, name string) {
	p := For(name)
	h.Set("Content-Type", p.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", FileCSP)
	if p.Inline {
		h.Del("Content-Disposition")
	} else {
		h.Set("Content-Disposition", Attachment(path.Base(name)))
	}
}

// SetPage puts the headers of a server page that shows user-given text on h.
func SetPage(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", PageCSP)
}

// Attachment is a Content-Disposition that downloads a file as name (RFC 6266): an ASCII
// filename for old clients and the exact UTF-8 name in filename* (RFC 8187).
func Attachment(name string) string {
	var fallback, exact strings.Builder
	for _, r := range name {
		if r > 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			fallback.WriteRune(r)
		} else {
			fallback.WriteByte('_')
		}
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAttrChar(c) {
			exact.WriteByte(c)
		} else {
			exact.WriteByte('%')
			exact.WriteByte(hex[c>>4])
			exact.WriteByte(hex[c&15])
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + exact.String()
}

// isAttrChar reports whether c may stand unescaped in an RFC 8187 value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
