package web

import (
	"mime"
	"net/http"
	"strings"
)

// A browser signed in to Hearth (it holds the user's Basic credentials, or a session
// cookie) must not be made to change anything by a page of another site. The session
// cookie is SameSite=Strict, but a browser adds cached Basic credentials to cross-site
// requests too, so every request is checked here, before anyone is signed in:
//
//   - A request that may change something (any method but GET, HEAD and OPTIONS) is
//     refused when the browser says it comes from another site: Sec-Fetch-Site is
//     cross-site or same-site, or Origin is not this server's own https origin
//     (net/http.CrossOriginProtection, plus the scheme, which it leaves out). WebDAV
//     clients send neither header and go on working.
//   - Such a request to the API must carry JSON (or, for the backup's packs, binary data
//     as application/octet-stream; for an upload's data under /api/v1/uploads, tus's
//     application/offset+octet-stream), or no body at all. A page of another site can send
//     only text/plain, a form or no type without asking the server first, and the server
//     never agrees. A device token sent as a Bearer header cannot come from such a page
//     (a browser never adds one on its own), so the connector's requests need no type.

// fromAnotherSite is what a refused cross-site request is told.
const fromAnotherSite = "This request came from another website, so Hearth refused it. Use Hearth's own pages or apps to make changes."

// crossSite returns why r must be refused as a request another site made a browser send,
// with the status to refuse it with, or 0.
func (s *Server) crossSite(r *http.Request) (int, string) {
	if safeMethod(r.Method) {
		return 0, ""
	}
	if s.csrf.Check(r) != nil || !ownOrigin(r) {
		return http.StatusForbidden, fromAnotherSite
	}
	if strings.HasPrefix(r.URL.Path, "/api/") && !hasBearer(r) && !apiBody(r) {
		return http.StatusUnsupportedMediaType, "Send the request's data as JSON, with Content-Type: application/json."
	}
	return 0, ""
}

// refuseCrossSite answers a request crossSite refuses, and reports whether it did.
func (s *Server) refuseCrossSite(w http.ResponseWriter, r *http.Request) bool {
	code, msg := s.crossSite(r)
	if code == 0 {
		return false
	}
	s.opt.Log.Warn("refused a request from another website", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "content_type", r.Header.Get("Content-Type"))
	apiCode := "other_site"
	if code == http.StatusUnsupportedMediaType {
		apiCode = "json_needed"
	}
	refuse(w, r, code, apiCode, msg)
	return true
}

// ownOrigin reports whether r's Origin, if it has one, is this server's own https origin
// (CrossOriginProtection compares the host alone).
func ownOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || strings.EqualFold(o, "https://"+r.Host)
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// apiBody reports whether a request's body is one a page of another site cannot send
// without asking first: none, JSON, or binary data.
func apiBody(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.ContentLength == 0
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || mt == "application/octet-stream" ||
		mt == "application/offset+octet-stream" && (r.URL.Path == "/api/v1/uploads" || strings.HasPrefix(r.URL.Path, "/api/v1/uploads/")))
}

func hasBearer(r *http.Request) bool {
	_, _, ok := bearer(r)
	return ok
}
