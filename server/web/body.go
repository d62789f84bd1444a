package web

import (
	"io"
	"net/http"
	"time"
)

// bodyDeadline makes every request body keep coming, and every response body keep
// going, at lim.BodyMinRate (see Limits): the server's own timeouts end at the header,
// and a body trickling one byte every ten seconds held its connection for as long as
// the client liked; so did a download read a hundred bytes every two seconds, and with
// it an open file on a drive.
func bodyDeadline(lim Limits, next http.Handler) http.Handler {
	need := max(1, int64(float64(lim.BodyMinRate)*lim.BodyWindow.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// A keep-alive connection still has the deadline set below for the previous
		// response: the server writes on its own too ("100 Continue"), so none until a
		// write of this response sets one.
		rc.SetWriteDeadline(time.Time{})
		sw := &steadyWriter{ResponseWriter: w, rc: rc, window: lim.BodyWindow, need: need}
		if c, ok := r.Context().Value(connKey{}).(*conn); ok && r.ProtoMajor == 1 {
			sw.resetAfter = c.resetAfter // over HTTP/2 only the stream ends: the others go on
		}
		finish := lim.BodyWindow
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(sw, r)
		} else {
			r.Body = &steadyBody{ReadCloser: r.Body, rc: rc, window: lim.BodyWindow, need: need}
			next.ServeHTTP(sw, r)
			// What the handler left unread, the server reads away before the next request
			// on the connection: at the same pace, or not at all. It does so before it
			// writes the response's header, so the write below has a window after this one
			// (with one window for both, a body that never came left no time to answer).
			rc.SetReadDeadline(time.Now().Add(lim.BodyWindow))
			finish = 2 * lim.BodyWindow
		}
		// What the handler left buffered, the server writes after it returns: within a
		// window too.
		rc.SetWriteDeadline(time.Now().Add(finish))
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

// steadyWriter is a response whose client must take need bytes in every window of time
// spent writing to it, like steadyBody. A large write goes in pieces of need bytes, each
// of which must go within what is left of the window: a slow but honest download goes
// on for as long as it takes, one read a few bytes now and then is cut off. Between
// writes there is no deadline (but the handler's own, see SetWriteDeadline): a stream of
// events waiting for the next one is not the client's fault.
type steadyWriter struct {
	http.ResponseWriter
	rc     *http.ResponseController // of the ResponseWriter
	window time.Duration
	need   int64
	got    int64         // bytes in this window
	waited time.Duration // time this window spent writing
	own    time.Time     // the handler's own write deadline, if it set one
	// resetAfter, when set, has the connection reset rather than closed if a write runs
	// out of time (the server closes the connection as the write fails): closed, the
	// kernel would go on sending what the server had already written (megabytes, in its
	// buffers) to the slow reader, at his pace.
	resetAfter func(time.Time)
}

func (w *steadyWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		piece := p[:min(int64(len(p)), w.need-w.got)]
		n, err := w.paced(func() (int, error) { return w.ResponseWriter.Write(piece) })
		written += n
		p = p[n:]
		if err != nil {
			return written, err
		}
		if n == 0 {
			return written, io.ErrShortWrite
		}
	}
	return written, nil
}

// FlushError sends what is buffered, within the window like a write. With Flush, it keeps
// the response an http.Flusher for handlers that stream (server-sent events).
func (w *steadyWriter) FlushError() error {
	_, err := w.paced(func() (int, error) { return 0, w.rc.Flush() })
	return err
}

func (w *steadyWriter) Flush() { w.FlushError() }

// SetWriteDeadline keeps a handler's own deadline (a stream letting go of a reader that
// stopped): a write must end by it as well as within the window, and it stays between
// writes.
func (w *steadyWriter) SetWriteDeadline(d time.Time) error {
	w.own = d
	return w.rc.SetWriteDeadline(d)
}

// Unwrap gives http.ResponseController the rest (hijacking, read deadlines, full duplex).
func (w *steadyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *steadyWriter) paced(write func() (int, error)) (int, error) {
	start := time.Now()
	d := start.Add(w.window - w.waited)
	if !w.own.IsZero() && w.own.Before(d) {
		d = w.own
	}
	// ErrNotSupported leaves the response unbounded, as it was.
	w.rc.SetWriteDeadline(d)
	if w.resetAfter != nil {
		w.resetAfter(d)
	}
	n, err := write()
	if err == nil && w.resetAfter != nil { // after a failed write, the server closes it
		w.resetAfter(time.Time{})
	}
	w.rc.SetWriteDeadline(w.own)
	w.waited += time.Since(start)
	if w.got += int64(n); w.got >= w.need {
		w.got, w.waited = 0, 0
	}
	return n, err
}
