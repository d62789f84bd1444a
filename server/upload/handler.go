package upload

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"

	tusd "github.com/tus/tusd/v2/pkg/handler"
	// tusd logs through x/exp/slog, whose types are not log/slog's. It logs every request,
	// and a client going away as an error: its log is dropped, and what matters is logged
	// by the handler (problemWriter) and the store.
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"

	"github.com/hearth-home/hearth/server/api/route"
)

// Prefix is where the handler is mounted: the tus endpoint clients are given. Uploads
// are at Prefix + "/" + id.
const Prefix = "/api/v1/uploads"

// tusExtensions are the tus extensions served: tusd's own, and checksum (ours).
const tusExtensions = "creation,creation-with-upload,termination,checksum"

type handler struct {
	tus *tusd.UnroutedHandler
	log *slog.Logger
}

// NewHandler serves the tus protocol over the store at Prefix. Requests arrive signed in
// (the web layer): with a password, a session or a device token, which acts with its
// user's share access. Creating an upload needs full access to where the file goes;
// every other call is for the upload's owner alone (anyone else is told there is no
// such upload).
func NewHandler(s *Store, log *slog.Logger) http.Handler {
	comp := tusd.NewStoreComposer()
	comp.UseCore(s)
	comp.UseTerminater(s)
	comp.UseLocker(memorylocker.New())
	th, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:        comp,
		BasePath:             Prefix + "/",
		DisableDownload:      true, // a file is read from the pool once committed
		DisableConcatenation: true,
		Cors:                 &tusd.CorsConfig{Disable: true}, // the server's own pages only
		Logger:               expslog.New(expslog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		panic(fmt.Sprintf("upload: tusd refuses its constant configuration: %v", err))
	}
	return route.Mux(routes(&handler{tus: th, log: log}))
}

// Routes lists the calls NewHandler serves, as "METHOD /path" patterns.
func Routes() []string { return route.Patterns(routes(&handler{})) }

func routes(h *handler) []route.Route {
	var create, head, patch, del http.HandlerFunc
	if h.tus != nil {
		create, head, patch, del = h.serve(h.tus.PostFile), h.serve(h.tus.HeadFile), h.serve(h.tus.PatchFile), h.serve(h.tus.DelFile)
	}
	return []route.Route{
		{Method: "OPTIONS", Path: Prefix, Handler: discover},
		{Method: "POST", Path: Prefix, Handler: create},
		{Method: "HEAD", Path: Prefix + "/{id}", Handler: head},
		{Method: "PATCH", Path: Prefix + "/{id}", Handler: patch},
		{Method: "DELETE", Path: Prefix + "/{id}", Handler: del},
	}
}

// discover answers tus's OPTIONS: what the service speaks. Not tusd's own answer, which
// does not know the checksums Hearth checks itself.
func discover(w http.ResponseWriter, r *http.Request) {
	tusHeaders(w.Header())
	w.WriteHeader(http.StatusNoContent)
}

func tusHeaders(h http.Header) {
	h.Set("Tus-Resumable", "1.0.0")
	h.Set("Tus-Version", "1.0.0")
	h.Set("Tus-Extension", tusExtensions)
	h.Set("Tus-Checksum-Algorithm", checksumAlgorithms)
}

// serve runs one of tusd's handlers, with the request's checksum for the store and
// its failures answered in the API's error shape.
func (h *handler) serve(fn http.HandlerFunc) http.HandlerFunc {
	// tusd's handlers take the upload's id as the path, the prefix stripped.
	next := h.tus.Middleware(http.StripPrefix(Prefix, fn))
	return func(w http.ResponseWriter, r *http.Request) {
		pw := &problemWriter{ResponseWriter: w, log: h.log, r: r}
		defer pw.finish()
		// A client learns what the server does from any answer, not only OPTIONS.
		tusHeaders(w.Header())
		if v := r.Header.Get("Upload-Checksum"); v != "" {
			c, err := parseChecksum(v)
			if err != nil {
				pw.refuse(err)
				return
			}
			r = r.WithContext(withChecksum(r.Context(), c))
		}
		next.ServeHTTP(pw, r)
	}
}
