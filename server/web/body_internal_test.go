package web

import (
	"bufio"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestIdleStreamOutlivesTheWindow: the response deadline is for writing, not for time
// passing: a stream of events (the health stream) quiet for several windows still sends
// its next event, over HTTP/1 and over HTTP/2 (where a stream's write deadline left set
// would end it as it passes, writing or not), and the response stays an http.Flusher.
func TestIdleStreamOutlivesTheWindow(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1", true: "HTTP/2"}[h2], func(t *testing.T) {
			lim := Limits{BodyWindow: 300 * time.Millisecond}.withDefaults()
			next := make(chan struct{})
			ts := httptest.NewUnstartedServer(bodyDeadline(lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				f, ok := w.(http.Flusher)
				if !ok {
					http.Error(w, "not a flusher", http.StatusInternalServerError)
					return
				}
				w.Header().Set("Content-Type", "text/event-stream")
				for _, event := range []string{"one", "two"} {
					if _, err := w.Write([]byte("data: " + event + "\n\n")); err != nil {
						return
					}
					f.Flush()
					<-next
				}
			})))
			ln := ts.Listener
			ts.Listener = newConns(lim, slog.New(slog.DiscardHandler)).listen(ln)
			ts.Config.ConnContext = connContext
			ts.EnableHTTP2 = h2
			ts.StartTLS()
			defer ts.Close()
			defer close(next)

			c := ts.Client()
			c.Timeout = 30 * time.Second // only so a broken test ends
			resp, err := c.Get(ts.URL + "/stream")
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("the stream did not start: %v %v", resp, err)
			}
			defer resp.Body.Close()
			if got := resp.ProtoMajor == 2; got != h2 {
				t.Fatalf("spoke %s", resp.Proto)
			}
			events := bufio.NewReader(resp.Body)
			event := func() string {
				line, err := events.ReadString('\n')
				if err != nil {
					t.Fatalf("reading the stream: %v", err)
				}
				events.ReadString('\n')
				return strings.TrimSpace(line)
			}
			if e := event(); e != "data: one" {
				t.Fatalf("first event %q", e)
			}
			time.Sleep(5 * lim.BodyWindow) // quiet for five windows
			next <- struct{}{}
			if e := event(); e != "data: two" {
				t.Fatalf("after a quiet while, event %q", e)
			}
		})
	}
}
