package upload_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/hearth-home/hearth/server/upload"
)

// env is the upload handler and store over a real pool of its own, served over HTTPS on
// loopback, with a clock the test moves. The web layer's sign-in is replaced by the
// X-Test-User header (the app's tests go through the real one): ann and bob have full
// access to Family, carl may only read it.
type env struct {
	t     *testing.T
	pool  *pooltest.Env
	store *upload.Store
	srv   *httptest.Server
	mu    sync.Mutex
	now   time.Time
}

func newEnv(t *testing.T, drives int, tune ...func(*upload.Options)) *env {
	t.Helper()
	e := &env{t: t, pool: pooltest.New(t, drives), now: time.Now()}
	copies := 1
	if drives > 1 {
		copies = 2
	}
	e.pool.Share("Family", copies)
	e.pool.Share("Backups", 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opt := upload.Options{Pool: e.pool.Pool, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: e.clock}
	for _, fn := range tune {
		fn(&opt)
	}
	e.store = upload.New(ctx, opt)
	h := upload.NewHandler(e.store, opt.Log)
	levels := map[string]auth.Level{"ann": auth.Full, "bob": auth.Full, "carl": auth.Read}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name := r.Header.Get("X-Test-User"); name != "" {
			pr := auth.Principal{Name: name, Level: func(string) auth.Level { return levels[name] }}
			r = r.WithContext(auth.WithPrincipal(r.Context(), pr))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// as is a tus client signed in as user ("" for nobody).
func (e *env) as(user string) *tusClient {
	return &tusClient{t: e.t, base: e.srv.URL, c: e.srv.Client(), auth: func(r *http.Request) {
		if user != "" {
			r.Header.Set("X-Test-User", user)
		}
	}}
}
