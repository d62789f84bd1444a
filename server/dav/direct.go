package dav

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hearth-home/hearth/server/pool"
)

// The methods that carry a file's bytes, and the two simplest changes, are answered here
// straight from the pool: a GET reads the pool's checked blocks, a PUT streams the body
// into the pool's writer, which hashes it as it arrives and writes it once per copy.
// The engine's version of these went through its FileSystem interface, an extra copy
// and a per-request state passed in the context to say why the pool refused.

// serveFile answers GET and HEAD of a file; a folder gets listFolder's page. Range and the
// conditional headers are http.ServeContent's; withFileHeaders makes the answer safe for
// a browser.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	if name == "/" {
		h.listFolder(w, r, name)
		return
	}
	f, err := h.fs.pool.Open(r.Context(), poolPath(name))
	if errors.Is(err, pool.ErrIsDir) {
		h.listFolder(w, r, name)
		return
	}
	if err == nil && f.Info().Size > 0 {
		// A file whose start is damaged on every drive (a small file: any of it) is
		// refused in words before the answer starts, rather than cut off after it began.
		if _, err = f.ReadAt(make([]byte, 1), 0); err != nil {
			f.Close()
			err = fmt.Errorf("%w: %w", errReading, err)
		}
	}
	if err != nil {
		h.poolError(w, r, err, http.StatusNotFound)
		return
	}
	defer f.Close()
	w = withFileHeaders(w, r, name)
	w.Header().Set("ETag", etagOf(f.Info()))
	http.ServeContent(w, r, name, f.Info().ModTime, f)
}

// put stores the request body at name: durable on every copy before the answer, and
// atomic, so an upload cut off leaves the file that was there whole. The pool checks
// ifGen (from If-Match / If-None-Match) again at the commit.
func (h *Handler) put(w http.ResponseWriter, r *http.Request, name string, replacing bool, ifGen *uint64) {
	pw, err := h.fs.pool.Create(r.Context(), poolPath(name), pool.WriteOptions{Size: r.ContentLength, IfGen: ifGen})
	if err != nil {
		h.poolError(w, r, err, http.StatusConflict)
		return
	}
	body := &bodyReader{r: r.Body}
	n, err := pw.ReadFrom(body)
	if err == nil && r.ContentLength >= 0 && n != r.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if body.err != nil {
		// The upload broke off or came too slowly: the client's side, whatever the pool
		// made of it.
		err = fmt.Errorf("%w: %w", io.ErrUnexpectedEOF, body.err)
	}
	if err != nil {
		pw.Abort()
		h.poolError(w, r, err, http.StatusConflict)
		return
	}
	fi, err := pw.Commit(r.Context())
	if err != nil {
		h.poolError(w, r, err, http.StatusConflict)
		return
	}
	w.Header().Set("ETag", etagOf(fi))
	if replacing {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// bodyReader remembers an error of the request body other than its end.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// remove answers DELETE: the file or folder goes, with its dead properties and the locks
// on and below it (a lock does not outlive its resource).
func (h *Handler) remove(w http.ResponseWriter, r *http.Request, name string) {
	p := poolPath(name)
	if err := h.fs.pool.Remove(r.Context(), p); err != nil {
		h.poolError(w, r, err, http.StatusNotFound)
		return
	}
	h.locks.dropUnder(name)
	if err := h.fs.props.deleteAll(r.Context(), p); err != nil {
		h.poolError(w, r, fmt.Errorf("delete the properties of %s: %w", p, err), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mkcol answers MKCOL: 405 for a name in use, 409 when the parent folder is missing, 415
// for a body (RFC 4918 9.3 defines none).
func (h *Handler) mkcol(w http.ResponseWriter, r *http.Request, name string) {
	if r.ContentLength > 0 {
		http.Error(w, "MKCOL takes no body.", http.StatusUnsupportedMediaType)
		return
	}
	_, err := h.fs.pool.Mkdir(r.Context(), poolPath(name), time.Time{})
	switch {
	case errors.Is(err, pool.ErrExist):
		http.Error(w, "Something of that name is there already.", http.StatusMethodNotAllowed)
	case err != nil:
		h.poolError(w, r, err, http.StatusConflict)
	default:
		w.WriteHeader(http.StatusCreated)
	}
}

// poolError answers a pool error in the words statusFor has for it; a name that is not
// there gets code (404 or 409, as the method needs) with its status text.
func (h *Handler) poolError(w http.ResponseWriter, r *http.Request, err error, code int) {
	c, msg := statusFor(err)
	switch {
	case errors.Is(err, pool.ErrNotFound), errors.Is(err, pool.ErrNoShare):
		c, msg = code, http.StatusText(code)
	case c == 0:
		c, msg = http.StatusInternalServerError, "The server could not finish this; nothing was changed. Please try again."
	}
	if c >= 500 && h.log != nil {
		h.log.Warn("webdav", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	http.Error(w, msg, c)
}
