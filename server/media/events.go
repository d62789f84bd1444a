package media

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// UPnP eventing of the ContentDirectory (GENA): a TV subscribes and is told the
// SystemUpdateID at once and whenever the pool changes, so it lists again without being
// asked to. dms tells only the first value and never a change, so the front does it.
const (
	maxSubscribers  = 64
	subscriptionMax = 30 * time.Minute
	notifyEvery     = 2 * time.Second // UPnP: the id is evented at most every 2 s
)

// subscriber is a device told of changes.
type subscriber struct {
	callbacks []string
	expires   time.Time
	seq       uint64
}

// events keeps the subscribers.
type events struct {
	mu   sync.Mutex
	subs map[string]*subscriber // by SID
}

// subscribe answers SUBSCRIBE and UNSUBSCRIBE of the ContentDirectory's events.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get("SID")
	ev := &s.events
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.subs == nil {
		ev.subs = map[string]*subscriber{}
	}
	sub := ev.subs[sid]
	switch {
	case r.Method == "UNSUBSCRIBE" && sub != nil:
		delete(ev.subs, sid)
		return
	case r.Method != "SUBSCRIBE" || (sid != "" && sub == nil):
		http.Error(w, "There is no such subscription.", http.StatusPreconditionFailed)
		return
	case sid == "":
		cbs := callbacks(r.Header.Get("CALLBACK"))
		if len(cbs) == 0 || r.Header.Get("NT") != "upnp:event" {
			http.Error(w, "A subscription needs a CALLBACK and NT: upnp:event.", http.StatusPreconditionFailed)
			return
		}
		ev.expire(time.Now())
		if len(ev.subs) >= maxSubscribers {
			http.Error(w, "Too many devices are subscribed; try again later.", http.StatusServiceUnavailable)
			return
		}
		sid = "uuid:" + rand.Text()
		sub = &subscriber{callbacks: cbs}
		ev.subs[sid] = sub
		go s.notify(context.WithoutCancel(r.Context()), sid, sub.callbacks, 0)
	}
	timeout := subscriptionMax
	if n, err := strconv.Atoi(strings.TrimPrefix(r.Header.Get("TIMEOUT"), "Second-")); err == nil && n > 0 {
		timeout = min(timeout, time.Duration(n)*time.Second)
	}
	sub.expires = time.Now().Add(timeout)
	w.Header().Set("SID", sid)
	w.Header().Set("TIMEOUT", fmt.Sprintf("Second-%d", int(timeout.Seconds())))
}

// callbacks are the URLs of a CALLBACK header ("<url1><url2>").
func callbacks(h string) []string {
	var out []string
	for _, part := range strings.Split(h, ">") {
		if _, u, ok := strings.Cut(part, "<"); ok && u != "" {
			out = append(out, u)
		}
	}
	return out
}

// expire forgets the subscriptions past their time; ev.mu is held.
func (ev *events) expire(now time.Time) {
	for sid, sub := range ev.subs {
		if now.After(sub.expires) {
			delete(ev.subs, sid)
		}
	}
}

// tellChanges tells the subscribers the new SystemUpdateID whenever the pool changed,
// at most every notifyEvery, until ctx ends.
func (s *Server) tellChanges(ctx context.Context) {
	seen := s.opt.Pool.Changes()
	tick := time.NewTicker(notifyEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n := s.opt.Pool.Changes(); n != seen {
			seen = n
			s.notifyAll(ctx)
		}
	}
}

// notifyAll sends the current SystemUpdateID to every subscriber.
func (s *Server) notifyAll(ctx context.Context) {
	ev := &s.events
	ev.mu.Lock()
	ev.expire(time.Now())
	type job struct {
		sid string
		cbs []string
		seq uint64
	}
	var jobs []job
	for sid, sub := range ev.subs {
		sub.seq++
		jobs = append(jobs, job{sid, sub.callbacks, sub.seq})
	}
	ev.mu.Unlock()
	for _, j := range jobs {
		go s.notify(ctx, j.sid, j.cbs, j.seq)
	}
}

// notify sends one event to a subscriber, at the first of its callbacks that takes it.
func (s *Server) notify(ctx context.Context, sid string, cbs []string, seq uint64) {
	body := `<?xml version="1.0"?>` + "\n" + `<e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0"><e:property><SystemUpdateID>` +
		s.updateID() + `</SystemUpdateID></e:property></e:propertyset>`
	c := http.Client{Timeout: 5 * time.Second}
	for _, cb := range cbs {
		req, err := http.NewRequestWithContext(ctx, "NOTIFY", cb, strings.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
		req.Header.Set("NT", "upnp:event")
		req.Header.Set("NTS", "upnp:propchange")
		req.Header.Set("SID", sid)
		req.Header.Set("SEQ", strconv.FormatUint(seq, 10))
		resp, err := c.Do(req)
		if err != nil {
			s.log.Debug("a subscriber was not told of a change", "callback", cb, "err", err)
			continue
		}
		resp.Body.Close()
		return
	}
}
