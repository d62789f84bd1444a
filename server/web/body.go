package web

import (
	"io"
	"net/http"
	"time"
)

// bodyDeadline makes every request body keep coming at lim.BodyMinRate (see Limits):
// the server's own timeouts end at the header, and a body trickling one byte every ten
// seconds held its connection for as long as the client liked.
func bodyDeadline(lim Limits, next http.Handler) http.Handler {
	need := max(1, int64(float64(lim.BodyMinRate)*lim.BodyWindow.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		r.Body = &steadyBody{ReadCloser: r.Body, rc: rc, window: lim.BodyWindow, need: need}
		next.ServeHTTP(w, r)
		// What the handler left unread, the server reads away before the next request on
		// the connection: at the same pace, or not at all.
		rc.SetReadDeadline(time.Now().Add(lim.BodyWindow))
	})
}

// steadyBody is a request body that must bring need bytes in every window of time spent
// waiting for it. Only the time inside Read counts: the server pausing between reads
// (a drive spinning up) is not the client's fault.
type steadyBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	window time.Duration
	need   int64
	got    int64         // bytes in this window
	waited time.Duration // time this window spent in Read
}

func (b *steadyBody) Read(p []byte) (int, error) {
	start := time.Now()
	// ErrNotSupported (a writer that cannot set deadlines) leaves the body unbounded,
	// as it was: nothing to do but read.
	b.rc.SetReadDeadline(start.Add(b.window - b.waited))
	n, err := b.ReadCloser.Read(p)
	// Between reads the server is busy, not the client: no deadline then (over HTTP/2 it
	// would end the stream even while nobody reads).
	b.rc.SetReadDeadline(time.Time{})
	b.waited += time.Since(start)
	if b.got += int64(n); b.got >= b.need {
		b.got, b.waited = 0, 0
	}
	return n, err
}
