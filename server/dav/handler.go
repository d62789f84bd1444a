// Package dav serves the pool as a WebDAV drive at /dav/. A thin layer checks paths, access
// and locks, and answers what carries a file's bytes (GET, HEAD, PUT) and the simple
// changes (DELETE, MKCOL) straight from the pool, LOCK and PROPFIND too (direct.go,
// lock.go, propfind.go); golang.org/x/net/webdav does COPY, MOVE and PROPPATCH over the
// pool, with fixes for what it gets wrong (each fix has its test). The PCs' backups
// appear read-only under /dav/Backups/ (see backups.go).
package dav

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupfs"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/hearth-home/hearth/server/webhdr"
	"golang.org/x/net/webdav"
)

// MaxXMLBody bounds the XML body of PROPFIND, PROPPATCH and LOCK requests.
const MaxXMLBody = 1 << 20

// Handler is the WebDAV drive. The request's context must carry a Principal.
type Handler struct {
	fs      *poolFS
	locks   *lockSystem
	backups backupfs.Store
	// backupLocks is the lock system the backup view's engine is given; it holds
	// nothing, since every LOCK there is refused.
	backupLocks webdav.LockSystem
	log         *slog.Logger
}

// New returns the WebDAV drive over p, keeping locks and properties in cat, with the PCs'
// backups read-only under Backups (none when backups is nil).
func New(ctx context.Context, p *pool.Pool, cat *catalog.Catalog, backups backupfs.Store, log *slog.Logger) (*Handler, error) {
	ls, err := newLockSystem(ctx, cat, log)
	if err != nil {
		return nil, fmt.Errorf("load WebDAV locks: %w", err)
	}
	fs := &poolFS{pool: p, props: &propStore{cat: cat}, quota: &quota{pool: p}}
	h := &Handler{fs: fs, locks: ls, backups: backups, backupLocks: webdav.NewMemLS(), log: log}
	ls.etag = func(name string) string {
		fi, err := p.Stat(context.Background(), poolPath(name))
		if err != nil {
			return ""
		}
		return etagOf(fi)
	}
	fs.locks = ls
	return h, nil
}

func (h *Handler) logEngine(r *http.Request, err error) {
	if err != nil && h.log != nil {
		h.log.Debug("webdav", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// need is the access a method needs in the share its URL names. A COPY only reads
// there; its destination needs full access.
func need(method string) auth.Level {
	switch method {
	case "GET", "HEAD", "OPTIONS", "PROPFIND", "COPY":
		return auth.Read
	}
	return auth.Full
}

// changes reports whether a method changes the names it touches, so that locks on them
// must be honoured. LOCK and UNLOCK check their own locks.
func changes(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "PROPFIND", "LOCK", "UNLOCK":
		return false
	}
	return true
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("MS-Author-Via", "DAV")
	w.Header().Set("DAV", "1, 2")
	// Every answer may carry a user's words (names, properties, file bytes): none may run
	// as a page of this server. GET and HEAD of a file and the listing page refine this.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", webhdr.FileCSP)
	pr, ok := auth.PrincipalOf(r.Context())
	if !ok {
		http.Error(w, "Please sign in.", http.StatusUnauthorized)
		return
	}
	name, err := nameOf(r.URL)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if inBackups(name) {
		h.serveBackups(w, r, pr, name)
		return
	}
	if code, msg := h.allowed(pr, r.Method, name); code != 0 {
		http.Error(w, msg, code)
		return
	}
	dst := ""
	if r.Method == "COPY" || r.Method == "MOVE" {
		if dst, err = destinationOf(r.Header.Get("Destination")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if code, msg := h.allowed(pr, "PUT", dst); code != 0 {
			http.Error(w, msg, code)
			return
		}
		if r.Method == "MOVE" && r.Header.Get("Overwrite") == "" {
			r.Header.Set("Overwrite", "T") // RFC 4918 10.6: absent means T; the engine reads F
		}
	}
	if dst != "" && (dst == name || strings.HasPrefix(dst, name+"/")) {
		http.Error(w, "A folder cannot be copied or moved into itself.", http.StatusForbidden)
		return
	}
	if isShareRoot(name) && (r.Method == "DELETE" || r.Method == "MOVE") || isShareRoot(dst) {
		http.Error(w, "A share itself cannot be deleted, moved or replaced here; an administrator manages shares.", http.StatusForbidden)
		return
	}
	switch r.Method {
	case "PROPFIND":
		r.Body = http.MaxBytesReader(w, r.Body, MaxXMLBody)
	case "PROPPATCH":
		r.Body = http.MaxBytesReader(w, r.Body, maxPropPatchBody)
	case "LOCK":
		r.Body = http.MaxBytesReader(w, r.Body, maxLockBody)
	}
	if changes(r.Method) {
		if code, msg := h.lockCheck(r, pr, name, dst); code == webdav.StatusLocked {
			writeLocked(w, Prefix+msg)
			return
		} else if code != 0 {
			http.Error(w, msg, code)
			return
		}
	}
	switch r.Method {
	case "GET", "HEAD":
		h.serveFile(w, r, name)
		return
	case "PUT", "DELETE":
		h.changeFile(w, r, name)
		return
	case "MKCOL":
		h.mkcol(w, r, name)
		return
	case "POST":
		http.Error(w, "A file here is read with GET and saved with PUT.", http.StatusMethodNotAllowed)
		return
	case "LOCK":
		h.lock(w, r, name)
		return
	case "UNLOCK":
		h.unlock(w, r, pr, name)
		return
	case "PROPFIND", "PROPPATCH":
		if err := checkXML(r); err != nil {
			h.bodyRefused(w, r, err, "request")
			return
		}
		if r.Method == "PROPFIND" {
			h.propfind(w, r, name)
			return
		}
	}
	// What is left (COPY, MOVE, PROPPATCH, OPTIONS) the engine does, over a file system
	// of this request's own that remembers why the pool refused something.
	st := &reqState{method: r.Method, name: name, dst: dst}
	fs := *h.fs
	fs.st = st
	engine := &webdav.Handler{Prefix: Prefix, FileSystem: &fs, LockSystem: h.locks, Logger: h.logEngine}
	engine.ServeHTTP(&responseWriter{ResponseWriter: w, st: st}, r)
}

// changeFile answers PUT and DELETE after their If-Match and If-None-Match (which the
// engine ignored), reading the file's state once.
func (h *Handler) changeFile(w http.ResponseWriter, r *http.Request, name string) {
	conditional := r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != ""
	var cur *pool.FileInfo
	if r.Method == "PUT" || conditional {
		fi, err := h.fs.pool.Stat(r.Context(), poolPath(name))
		switch {
		case err == nil:
			cur = &fi
		case !errors.Is(err, pool.ErrNotFound) && conditional:
			http.Error(w, "The server could not read the file's state; please try again.", http.StatusInternalServerError)
			return
		}
	}
	ifGen, code := preconditions(r, cur)
	if code != 0 {
		http.Error(w, "The file changed since you last read it (If-Match / If-None-Match).", code)
		return
	}
	if r.Method == "DELETE" {
		h.remove(w, r, name)
		return
	}
	h.put(w, r, name, cur != nil, ifGen)
}

// allowed checks that pr may use method on name; it answers 404 for a share pr may not see,
// so its name is not given away.
func (h *Handler) allowed(pr auth.Principal, method, name string) (int, string) {
	share, rest, ok := cutShare(name)
	if !ok {
		if need(method) > auth.Read {
			return http.StatusForbidden, "The top folder holds the shares; open a share to add or change files."
		}
		return 0, ""
	}
	if share == backupstore.Share {
		// Reads there are answered by the backup view; what is asked here is a write (the
		// destination of a COPY or MOVE).
		return http.StatusForbidden, backupsReadOnly
	}
	switch method {
	case "MKCOL", "PUT", "DELETE", "MOVE":
		if rest == "" {
			return http.StatusForbidden, "Shares are made, renamed and removed by an administrator (hearthd share add)."
		}
	}
	l := pr.Level(share)
	switch {
	case l == auth.None:
		return http.StatusNotFound, "There is no share of that name you may open."
	case l < need(method):
		return http.StatusForbidden, fmt.Sprintf("You may read the share %s but not change it; ask an administrator for full access.", share)
	}
	return 0, ""
}

// lockCheck decides, before the engine runs, whether the locks allow a changing request:
// every name it changes (and, for DELETE, MOVE and COPY, everything below the names it
// removes or replaces) must be unlocked, or locked by a lock whose token a true list of
// the If header submits. It answers 412 when the If header has lists and none is true,
// and 423 (with the locked name) when a lock stands in the way. A list about a resource
// the user cannot read counts as false: its entity tags must not tell them anything.
func (h *Handler) lockCheck(r *http.Request, pr auth.Principal, name, dst string) (int, string) {
	var lists []ifList
	if hdr := r.Header.Get("If"); hdr != "" {
		var ok bool
		if lists, ok = parseIf(hdr); !ok {
			return http.StatusBadRequest, "The If header is malformed."
		}
		var tokens []string
		for i := range lists {
			lists[i].resource = h.ifResource(r, pr, name, lists[i].resource)
			for _, c := range lists[i].conds {
				if !c.Not && c.Token != "" {
					tokens = append(tokens, c.Token)
				}
			}
		}
		// A lock token works only for the user who took the lock (RFC 4918 6.4), though
		// lockdiscovery shows it to everyone who may read the file. An administrator
		// breaks a lock with UNLOCK, not by writing through it.
		if owner := h.locks.foreign(tokens, pr.Name); owner != "" {
			return http.StatusForbidden, foreignLock(owner)
		}
	}
	var targets []lockTarget
	switch r.Method {
	case "DELETE":
		targets = []lockTarget{{name, true}}
	case "MOVE":
		targets = []lockTarget{{name, true}, {dst, true}}
	case "COPY":
		targets = []lockTarget{{dst, true}}
	default:
		targets = []lockTarget{{name, false}}
	}
	anyTrue, root, locked := h.locks.blocked(time.Now(), targets, lists)
	if len(lists) > 0 && !anyTrue {
		return http.StatusPreconditionFailed, "None of the conditions of the If header holds."
	}
	if locked {
		return webdav.StatusLocked, root
	}
	return 0, ""
}

// ifResource resolves the resource tag of an If list to a WebDAV name ("" when the list
// cannot be true for this request).
func (h *Handler) ifResource(r *http.Request, pr auth.Principal, name, tag string) string {
	if tag == "" {
		return name
	}
	u, err := url.Parse(tag)
	if err != nil || (u.Host != "" && u.Host != r.Host) {
		return ""
	}
	n, err := nameOf(u)
	if err != nil {
		return ""
	}
	if share, _, ok := cutShare(n); !ok || !shareReadable(pr, share) {
		return ""
	}
	return n
}

func isShareRoot(name string) bool {
	_, rest, ok := cutShare(name)
	return ok && rest == ""
}

// preconditions evaluates If-Match and If-None-Match for PUT and DELETE. For a PUT it
// also returns the generation the pool must find at the commit, so the file is still the
// one the condition was met on.
func preconditions(r *http.Request, cur *pool.FileInfo) (*uint64, int) {
	im, inm := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
	if im == "" && inm == "" {
		return nil, 0
	}
	etag := ""
	if cur != nil {
		etag = etagOf(*cur)
	}
	if im != "" && (cur == nil || !etagMatches(im, etag)) {
		return nil, http.StatusPreconditionFailed
	}
	if inm != "" && cur != nil && etagMatches(inm, etag) {
		return nil, http.StatusPreconditionFailed
	}
	gen := uint64(0)
	if cur != nil {
		gen = cur.Gen
	}
	return &gen, 0
}

// etagMatches reports whether a list of entity tags (or "*") names etag. Weak tags
// compare by value for If-None-Match, as RFC 9110 allows; a strong tag is what we give.
func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

func writeLocked(w http.ResponseWriter, root string) {
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(webdav.StatusLocked)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<D:error xmlns:D="DAV:"><D:lock-token-submitted><D:href>%s</D:href></D:lock-token-submitted></D:error>
`, xmlEscape(root))
}

// xmlEscape makes text safe inside an XML element or attribute.
func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// statusFor is the answer for a pool error the engine would report as a generic failure;
// 0 means the engine's own answer (or the caller's) is the right one.
func statusFor(err error) (int, string) {
	switch {
	case errors.Is(err, pool.ErrPoolFull), errors.Is(err, syscall.ENOSPC):
		return webdav.StatusInsufficientStorage, "The server's drives are full. Delete something or add a drive, then try again."
	case errors.Is(err, pool.ErrDamaged):
		return http.StatusInternalServerError, "This file is damaged on every drive of the server, so it cannot be read. Bring it back from a previous version or a backup."
	case errors.Is(err, pool.ErrChanged) && errors.Is(err, errReading):
		return http.StatusServiceUnavailable, "The file changed while it was being read. Please try again."
	case errors.Is(err, pool.ErrChanged):
		return http.StatusPreconditionFailed, "The file changed while you were saving it; nothing was overwritten."
	case errors.Is(err, pool.ErrNoDrives):
		return http.StatusServiceUnavailable, "The server has no working drive right now."
	case errors.Is(err, safepath.ErrInvalid):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, pool.ErrShareRoot), errors.Is(err, pool.ErrRefused):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, pool.ErrIsDir), errors.Is(err, pool.ErrNotDir):
		return http.StatusConflict, err.Error()
	case errors.Is(err, drive.ErrUnsafe):
		return http.StatusConflict, "Something that is not a plain file or folder (a link, say) is in the way of this name on a drive; nothing was changed. An administrator should look at the drive."
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "The upload did not arrive whole; nothing was changed. Please try again."
	case errors.Is(err, pool.ErrNotFound), errors.Is(err, pool.ErrExist), errors.Is(err, context.Canceled):
		return 0, ""
	}
	return http.StatusInternalServerError, "The server could not finish this; nothing was changed. Please try again."
}

// responseWriter turns the engine's generic failures into answers that say what the pool
// said.
type responseWriter struct {
	http.ResponseWriter
	st      *reqState
	swallow bool
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 400 {
		if err := w.st.poolErr(); err != nil {
			if c, msg := statusFor(err); c != 0 {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.ResponseWriter.WriteHeader(c)
				fmt.Fprintln(w.ResponseWriter, msg)
				w.swallow = true
				return
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
