package dav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
	"golang.org/x/net/webdav"
)

// maxLockTimeout caps how long a lock lasts without a refresh: a client that vanished
// must not keep a file locked for ever.
const maxLockTimeout = 7 * 24 * time.Hour

// Limits on what LOCK keeps in the catalog, on the server's system disk and outside any
// share's space: a lock's owner element (clients put a name or an address there) and the
// locks one user holds at once (a PC locks the few documents open on it).
const (
	maxLockBody     = 64 << 10
	maxOwnerXML     = 4 << 10
	maxLocksPerUser = 1000
)

var errTooManyLocks = errors.New("too many locks")

// foreignLock is the answer to using a lock token of someone else's lock.
func foreignLock(owner string) string {
	return fmt.Sprintf("That lock belongs to %s, and only they can use it: wait until they unlock the file, or ask an administrator to lift the lock.", owner)
}

// Why checkXML (or LOCK) refused a body that arrived whole; bodyRefused words each.
var (
	errNotXML         = errors.New("the request body is not valid XML")
	errEmptyNamespace = errors.New("an XML prefix is bound to an empty namespace, which XML does not allow")
)

// bodyRefused answers a request (what it is: "lock request", "request") whose body was
// refused: larger than the limit (413), cut off or too slow (the body deadline), or not
// XML the server takes. The cause goes to the log; the client gets plain words, never a
// Go error such as "read tcp 192.0.2.7:443->…: i/o timeout".
func (h *Handler) bodyRefused(w http.ResponseWriter, r *http.Request, err error, what string) {
	if h.log != nil {
		h.log.Info("refused a WebDAV request body", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	code, msg := http.StatusBadRequest, "This "+what+" was cut off or came too slowly; nothing was changed. Please try again."
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		code, msg = http.StatusRequestEntityTooLarge, "This "+what+" is larger than the server accepts; nothing was changed."
	} else if errors.Is(err, errEmptyNamespace) {
		msg = "This " + what + " binds an XML prefix to an empty namespace, which XML does not allow; nothing was changed."
	} else if errors.Is(err, errNotXML) {
		msg = "This " + what + " is not valid XML; nothing was changed."
	}
	http.Error(w, msg, code)
}

// lockInfo is the body of a LOCK request.
type lockInfo struct {
	XMLName   xml.Name  `xml:"DAV: lockinfo"`
	Exclusive *struct{} `xml:"DAV: lockscope>exclusive"`
	Shared    *struct{} `xml:"DAV: lockscope>shared"`
	Write     *struct{} `xml:"DAV: locktype>write"`
	Owner     struct {
		InnerXML string `xml:",innerxml"`
	} `xml:"DAV: owner"`
}

// lock answers LOCK itself: the engine knows no shared locks, reports the lock root
// without the /dav prefix, and keeps locks only in memory.
func (h *Handler) lock(w http.ResponseWriter, r *http.Request, name string) {
	now := time.Now()
	timeout := parseTimeout(r.Header.Get("Timeout"))
	pr, _ := auth.PrincipalOf(r.Context())
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.bodyRefused(w, r, fmt.Errorf("read the lock request: %w", err), "lock request")
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		h.refresh(w, r, pr, name, now, timeout)
		return
	}
	var li lockInfo
	if err := xml.Unmarshal(body, &li); err != nil {
		h.bodyRefused(w, r, fmt.Errorf("%w: %w", errNotXML, err), "lock request")
		return
	}
	if li.Write == nil || (li.Exclusive == nil) == (li.Shared == nil) {
		http.Error(w, "Only write locks, exclusive or shared, can be taken.", http.StatusUnprocessableEntity)
		return
	}
	depth := r.Header.Get("Depth")
	if depth != "" && depth != "0" && depth != "infinity" {
		http.Error(w, "A lock's Depth is 0 or infinity.", http.StatusBadRequest)
		return
	}
	owner := ownerXML(li.Owner.InnerXML)
	if len(owner) > maxOwnerXML {
		http.Error(w, fmt.Sprintf("The lock's owner (who holds it) is longer than the %d KiB the server keeps; no lock was taken.", maxOwnerXML>>10), http.StatusRequestEntityTooLarge)
		return
	}
	d := webdav.LockDetails{Root: name, Duration: timeout, OwnerXML: owner, ZeroDepth: depth == "0"}
	l, err := h.locks.take(now, d, li.Shared != nil, pr.Name)
	if errors.Is(err, webdav.ErrLocked) {
		writeLocked(w, Prefix+name)
		return
	}
	if errors.Is(err, errTooManyLocks) {
		http.Error(w, fmt.Sprintf("You hold %d locks already, as many as the server keeps for one person; unlock some files, then try again.", maxLocksPerUser), webdav.StatusInsufficientStorage)
		return
	}
	if err != nil {
		http.Error(w, "The lock could not be saved; please try again.", http.StatusInternalServerError)
		return
	}
	status := http.StatusOK
	if _, err := h.fs.pool.Stat(r.Context(), poolPath(name)); errors.Is(err, pool.ErrNotFound) {
		// A lock on an unmapped name makes an empty file (RFC 4918 7.3).
		none := uint64(0) // if a file appeared meanwhile, keep it
		_, err := h.fs.pool.WriteFile(r.Context(), poolPath(name), bytes.NewReader(nil), pool.WriteOptions{IfGen: &none})
		switch {
		case err == nil:
			status = http.StatusCreated
		case errors.Is(err, pool.ErrChanged):
		default:
			h.locks.Unlock(now, l.token)
			code, msg := statusFor(err)
			if errors.Is(err, pool.ErrNotFound) {
				code, msg = http.StatusConflict, "The folder to hold this file does not exist."
			}
			if code == 0 {
				code, msg = http.StatusInternalServerError, "The file could not be made; please try again."
			}
			http.Error(w, msg, code)
			return
		}
	}
	w.Header().Set("Lock-Token", "<"+l.token+">")
	writeLockBody(w, status, []lock{*l})
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request, pr auth.Principal, name string, now time.Time, timeout time.Duration) {
	tokens := ifTokens(r.Header.Get("If"))
	if len(tokens) != 1 {
		http.Error(w, "A lock refresh names exactly one lock token in its If header.", http.StatusBadRequest)
		return
	}
	for _, l := range h.locks.on(now, name) {
		if l.token == tokens[0] {
			if !l.usableBy(pr.Name) {
				http.Error(w, foreignLock(l.principal), http.StatusForbidden)
				return
			}
			if _, err := h.locks.Refresh(now, l.token, timeout); err != nil {
				http.Error(w, "The lock could not be refreshed; please try again.", http.StatusInternalServerError)
				return
			}
			writeLockBody(w, http.StatusOK, h.locks.on(now, name))
			return
		}
	}
	http.Error(w, "No such lock on this file or folder.", http.StatusPreconditionFailed)
}

// unlock answers UNLOCK itself: the lock must be on the request's resource (RFC 4918
// 9.11), so nobody can lift a lock through a share where they happen to have full access,
// and it must be the user's own (RFC 4918 6.4). An administrator may lift anyone's lock
// (say a PC that died holding one): that is the explicit way to break a lock, and the
// only use of another's token allowed.
func (h *Handler) unlock(w http.ResponseWriter, r *http.Request, pr auth.Principal, name string) {
	token := strings.TrimSpace(r.Header.Get("Lock-Token"))
	if len(token) < 2 || token[0] != '<' || token[len(token)-1] != '>' {
		http.Error(w, "UNLOCK needs a Lock-Token header such as <urn:uuid:...>.", http.StatusBadRequest)
		return
	}
	token = token[1 : len(token)-1]
	for _, l := range h.locks.on(time.Now(), name) {
		if l.token == token {
			if !l.usableBy(pr.Name) && !pr.Admin {
				http.Error(w, foreignLock(l.principal), http.StatusForbidden)
				return
			}
			if err := h.locks.Unlock(time.Now(), token); err != nil && !errors.Is(err, webdav.ErrNoSuchLock) {
				http.Error(w, "The lock could not be removed; please try again.", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusConflict)
	fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?>
<D:error xmlns:D="DAV:"><D:lock-token-matches-request-uri/></D:error>
`)
}

// ownerXML keeps what a lock's owner element says (an href, or its text) in a form that
// needs no namespace declaration from the request it came in: echoed raw, a prefix
// declared on the request's root would be unbound in every later answer.
func ownerXML(inner string) string {
	d := xml.NewDecoder(strings.NewReader("<o>" + inner + "</o>"))
	var text, href strings.Builder
	inHref := false
	for {
		t, err := d.Token()
		if err != nil {
			break
		}
		switch t := t.(type) {
		case xml.StartElement:
			inHref = t.Name.Local == "href"
		case xml.EndElement:
			inHref = false
		case xml.CharData:
			if inHref {
				href.Write(t)
			} else {
				text.Write(t)
			}
		}
	}
	if h := strings.TrimSpace(href.String()); h != "" {
		return "<D:href>" + xmlEscape(h) + "</D:href>"
	}
	return xmlEscape(strings.TrimSpace(text.String()))
}

// parseTimeout reads the first usable value of a Timeout header; none means the longest.
func parseTimeout(hdr string) time.Duration {
	for _, v := range strings.Split(hdr, ",") {
		v = strings.TrimSpace(v)
		if strings.EqualFold(v, "Infinite") {
			return maxLockTimeout
		}
		if s, ok := strings.CutPrefix(v, "Second-"); ok {
			if n, err := strconv.ParseUint(s, 10, 32); err == nil {
				return min(time.Duration(n)*time.Second, maxLockTimeout)
			}
		}
	}
	return maxLockTimeout
}

func writeLockBody(w http.ResponseWriter, status int, ls []lock) {
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<D:prop xmlns:D="DAV:"><D:lockdiscovery>%s</D:lockdiscovery></D:prop>
`, activeLocks(ls))
}

// activeLocks renders locks as activelock elements.
func activeLocks(ls []lock) string {
	var b strings.Builder
	for _, l := range ls {
		scope, depth := "exclusive", "infinity"
		if l.shared {
			scope = "shared"
		}
		if l.d.ZeroDepth {
			depth = "0"
		}
		timeout := "Infinite"
		if !l.expires.IsZero() {
			timeout = "Second-" + strconv.Itoa(max(int(time.Until(l.expires).Seconds()), 0))
		}
		fmt.Fprintf(&b, `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:%s/></D:lockscope>`+
			`<D:depth>%s</D:depth><D:owner>%s</D:owner><D:timeout>%s</D:timeout>`+
			`<D:locktoken><D:href>%s</D:href></D:locktoken><D:lockroot><D:href>%s</D:href></D:lockroot></D:activelock>`,
			scope, depth, l.d.OwnerXML, timeout, xmlEscape(l.token), xmlEscape(hrefOf(Prefix+l.d.Root)))
	}
	return b.String()
}

// checkXML reads a PROPFIND or PROPPATCH body and refuses what the engine would accept
// but XML forbids: a prefix bound to the empty namespace. The body is put back for the
// engine. Its errors are for bodyRefused.
func checkXML(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("read the request body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	d := xml.NewDecoder(bytes.NewReader(body))
	// RawToken does not pair elements: they are counted here, so that a body cut short or
	// plain text is answered as not XML rather than by the engine's bare "Bad Request".
	depth := 0
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return fmt.Errorf("%w: %d elements are not closed", errNotXML, depth)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errNotXML, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" && a.Value == "" {
					return fmt.Errorf("%w: prefix %q", errEmptyNamespace, a.Name.Local)
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: text outside the root element", errNotXML)
			}
		}
	}
}

// hrefOf escapes a path for an href element.
func hrefOf(p string) string { return (&url.URL{Path: p}).EscapedPath() }
