package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/health"
)

// eventKinds are the kinds of event the page filters by, in words.
var eventKinds = []struct{ Value, Name string }{
	{"", "Everything"},
	{health.EventKind, "Alerts and backups"},
	{"login-failed", "Failed sign-ins"},
	{"login-locked", "Addresses locked out"},
	{admin.JobEventKind, "Drives: checks, repairs, removals"},
	{ChangeKind, "Changes made in the console"},
	{"link", "Sharing links: made, used, taken back, refused"},
}

func kindName(k string) string {
	for _, x := range eventKinds {
		if x.Value == k && k != "" {
			return x.Name
		}
	}
	return k
}

type eventRow struct {
	At                     time.Time
	KindName, Source, Text string
}

type eventsData struct {
	Kinds       []struct{ Value, Name string }
	Kind, Query string
	Events      []eventRow
}

// events shows the newest events, of one kind or all, optionally containing some words.
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	d := eventsData{Kinds: eventKinds, Kind: r.FormValue("kind"), Query: strings.TrimSpace(r.FormValue("q"))}
	limit := 200
	if d.Query != "" {
		limit = 5000 // the words are looked for in the newest 5,000
	}
	evs, err := c.opt.Events(r.Context(), d.Kind, limit)
	if err != nil {
		c.unreadable(w, r, "its events", err)
		return
	}
	q := strings.ToLower(d.Query)
	for _, e := range evs {
		if q != "" && !strings.Contains(strings.ToLower(e.Text+" "+e.Source), q) {
			continue
		}
		d.Events = append(d.Events, eventRow{At: e.At, KindName: kindName(e.Kind), Source: e.Source, Text: e.Text})
		if len(d.Events) == 200 {
			break
		}
	}
	c.render(w, r, "events", "Events", d)
}
