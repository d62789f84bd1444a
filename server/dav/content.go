package dav

import (
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/server/webhdr"
)

// fileHeaders makes an answer to GET or HEAD that carries a file's bytes (or would, for
// HEAD and 304) safe for a browser to receive: its type comes from the name, never from
// the bytes, and it is sandboxed or downloaded as webhdr decides. The engine sets the type
// it likes just before answering, so the headers are put on at WriteHeader. Every other
// answer (errors, multistatus) keeps the sandbox and nosniff ServeHTTP gave it.
type fileHeaders struct {
	http.ResponseWriter
	name string
	done bool
}

func withFileHeaders(w http.ResponseWriter, r *http.Request, name string) http.ResponseWriter {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return w
	}
	// Set now too: http.ServeContent reads the type before it answers (for the parts of a
	// multi-range answer).
	webhdr.Set(w.Header(), name)
	return &fileHeaders{ResponseWriter: w, name: name}
}

func (w *fileHeaders) WriteHeader(code int) {
	if !w.done {
		w.done = true
		h := w.Header()
		switch {
		case code == http.StatusPartialContent && strings.HasPrefix(h.Get("Content-Type"), "multipart/"):
			ct := h.Get("Content-Type")
			webhdr.Set(h, w.name)
			h.Set("Content-Type", ct) // the parts carry the file's type
		case code >= 200 && code < 300, code == http.StatusNotModified:
			webhdr.Set(h, w.name)
		default:
			// An error says so in words: not as a download, not as the file's type.
			h.Del("Content-Disposition")
			if h.Get("Content-Type") == webhdr.ContentType(w.name) {
				h.Set("Content-Type", "text/plain; charset=utf-8")
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *fileHeaders) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *fileHeaders) Unwrap() http.ResponseWriter { return w.ResponseWriter }
