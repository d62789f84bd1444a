package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// maxBody bounds a JSON request; file uploads stream outside it.
const maxBody = 1 << 20

// Handler serves svc over HTTP. Every route is POST with a JSON body (or, for put, the
// file as the body) and answers JSON, or {"error", "kind"} with a fitting status.
func Handler(svc Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	route := func(name string, fn func(ctx context.Context, req json.RawMessage) (any, error)) {
		mux.HandleFunc("POST /v1/"+name, func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err == nil && len(body) > maxBody {
				err = fmt.Errorf("request too large")
			}
			var out any
			if err == nil {
				out, err = fn(r.Context(), body)
			}
			reply(w, log, out, err)
		})
	}
	for name, fn := range routes(svc) {
		route(name, fn)
	}
	mux.HandleFunc("POST /v1/put", func(w http.ResponseWriter, r *http.Request) { put(svc, w, r, log) })
	mux.HandleFunc("POST /v1/get", func(w http.ResponseWriter, r *http.Request) { get(svc, w, r, log) })
	return mux
}

// call decodes the request into Req, runs fn, and returns its answer.
func call[Req any](fn func(context.Context, Req) (any, error)) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var req Req
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("bad request: %w", err)
			}
		}
		return fn(ctx, req)
	}
}

func reply(w http.ResponseWriter, log *slog.Logger, out any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusInternalServerError
		switch kindOf(err) {
		case "not_found", "no_share", "unknown_drive":
			status = http.StatusNotFound
		case "exists", "changed", "share_removed", "job_running":
			status = http.StatusConflict
		case "pool_full", "no_drives":
			status = http.StatusInsufficientStorage
		case "":
			if !errors.Is(err, context.Canceled) {
				log.Warn("admin request failed", "err", err)
			}
		default:
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error(), "kind": kindOf(err)})
		return
	}
	json.NewEncoder(w).Encode(out)
}

// Serve listens on the unix socket at path (only the owner may connect) until ctx ends.
func Serve(ctx context.Context, path string, svc Service, log *slog.Logger) error {
	// The socket is made under a temporary name and renamed into place once it listens
	// and only its owner may open it: whoever sees the name can talk to it (a socket
	// file is there between bind and listen, when a connect is refused).
	tmp := path + ".new"
	os.Remove(tmp) // a socket left by a killed daemon; the state lock says we are alone
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // it is removed by name below
	if err := os.Chmod(tmp, 0o600); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		ln.Close()
		os.Remove(tmp)
		return fmt.Errorf("control socket: %w", err)
	}
	srv := &http.Server{Handler: Handler(svc, log), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err = srv.Serve(ln)
	os.Remove(path)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func put(svc Service, w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	q := r.URL.Query()
	mtime, _ := strconv.ParseInt(q.Get("mtime"), 10, 64)
	var t time.Time
	if mtime != 0 {
		t = time.Unix(0, mtime)
	}
	fi, err := svc.Put(r.Context(), q.Get("path"), r.Body, r.ContentLength, t)
	reply(w, log, fi, err)
}

func get(svc Service, w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	rc, fi, err := svc.Get(r.Context(), r.URL.Query().Get("path"))
	if err != nil {
		reply(w, log, nil, err)
		return
	}
	defer rc.Close()
	b, _ := json.Marshal(fi)
	w.Header().Set("Hearth-File", string(b))
	w.Header().Set("Content-Length", strconv.FormatInt(fi.Size, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	io.Copy(w, rc)
}
