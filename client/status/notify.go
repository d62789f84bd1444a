package status

import "github.com/hearth-home/hearth/server/api/schema"

// Notifier picks the alerts worth a desktop notification: each problem once, when it
// appears or gets worse. A problem that clears and comes back is announced again.
type Notifier struct {
	told map[string]string // alert key → the severity it was announced at
}

// New returns the alerts of h not yet announced at their severity, and remembers them.
func (n *Notifier) New(h schema.Health) []schema.Alert {
	if n.told == nil {
		n.told = map[string]string{}
	}
	now := map[string]bool{}
	var out []schema.Alert
	for _, a := range h.Alerts {
		k := a.Code + "|" + a.PC + "|" + a.Subject
		now[k] = true
		if sev, ok := n.told[k]; ok && schema.Rank(a.Severity) <= schema.Rank(sev) {
			continue
		}
		n.told[k] = a.Severity
		out = append(out, a)
	}
	for k := range n.told {
		if !now[k] {
			delete(n.told, k)
		}
	}
	return out
}
