package health

import (
	"cmp"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/pool"
)

// Viewer is who asks: administrators see every PC and every file an alert is about;
// others the server, their own PCs, and files in the shares they may read.
type Viewer struct {
	Name  string
	Admin bool
	// Reads says whether the viewer may read a share (nil: none).
	Reads func(share string) bool
}

func (v Viewer) sees(owner string) bool { return v.Admin || strings.EqualFold(v.Name, owner) }

// Health is the house at a glance, as v may see it.
func (m *Monitor) Health(v Viewer) schema.Health {
	var media *schema.Media
	if m.opt.Media != nil { // asked first: it reads the index, which needs no lock of ours
		md := m.opt.Media()
		media = &md
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := schema.Health{State: schema.Good, Time: m.checked, Alerts: []schema.Alert{}, Drives: slices.Clone(m.drives), PCs: []schema.PCHealth{},
		Media: media}
	if h.Drives == nil {
		h.Drives = []schema.DriveInfo{}
	}
	if !v.Admin {
		// Where the disks are mounted is the administrator's business (issue 17: it
		// showed every user the server's folders).
		for i := range h.Drives {
			h.Drives[i].Path = ""
		}
	}
	owners := map[string]string{}
	for _, s := range m.pcs {
		owners[strings.ToLower(s.name)] = s.owner
		if !v.sees(s.owner) || s.gone() {
			continue
		}
		h.PCs = append(h.PCs, s.health())
	}
	for _, held := range m.alerts {
		a := held.seenBy(v)
		if a.PC != "" && !v.sees(owners[strings.ToLower(a.PC)]) {
			continue
		}
		if !v.Admin {
			a.Action = nil // only an administrator can take it
		}
		h.Alerts = append(h.Alerts, a)
		h.State = schema.Worse(h.State, a.Severity)
	}
	for i, p := range h.PCs {
		for _, a := range h.Alerts {
			if a.PC == p.Name {
				h.PCs[i].State = schema.Worse(p.State, a.Severity)
			}
		}
	}
	slices.SortFunc(h.Alerts, func(a, b schema.Alert) int {
		return cmp.Or(-cmp.Compare(schema.Rank(a.Severity), schema.Rank(b.Severity)), a.Since.Compare(b.Since), strings.Compare(key(a), key(b)))
	})
	slices.SortFunc(h.PCs, func(a, b schema.PCHealth) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return h
}

// health is a PC's line: its checks as reported, judged without its alerts.
func (s pcState) health() schema.PCHealth {
	p := schema.PCHealth{Name: s.name, Owner: s.owner, State: schema.Good, Checks: []schema.Check{}}
	if !s.lastBackup.IsZero() {
		t := s.lastBackup
		p.LastBackup = &t
	}
	if s.report != nil {
		t := s.seen
		p.Seen, p.OS, p.Checks = &t, s.report.OS, slices.Clone(s.report.Checks)
		for _, c := range s.report.Checks {
			p.State = schema.Worse(p.State, c.State)
		}
	}
	return p
}

// Evacuable says whether an alert offers to move drive's files off now: only a present
// drive the server judged failing or worn may be emptied this way.
func (m *Monitor) Evacuable(drive string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.alerts {
		if a.Action != nil && a.Action.Kind == "evacuate" && a.Action.Drive == drive {
			for _, d := range m.drives {
				if d.Label == drive {
					return d.Pool == string(pool.StateActive) || d.Pool == string(pool.StateFailing)
				}
			}
		}
	}
	return false
}
