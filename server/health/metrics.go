package health

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/pool"
)

// WriteMetrics writes what the last check found in Prometheus' text format (version
// 0.0.4). It reads only what is already known: a scrape costs no disk work.
func (m *Monitor) WriteMetrics(w io.Writer) error {
	h := m.Health(Viewer{Admin: true})
	m.mu.Lock()
	st := m.status
	m.mu.Unlock()
	p := &promWriter{w: w}
	writeHealth(p, h)
	writePool(p, st)
	writeDrives(p, h.Drives)
	writePCs(p, h.PCs)
	return p.err
}

func writeHealth(p *promWriter, h schema.Health) {
	p.family("hearth_health_state", "The house's health: 0 good, 1 unknown, 2 warning, 3 critical.")
	p.sample("hearth_health_state", nil, float64(schema.Rank(h.State)))
	p.family("hearth_alerts", "Alerts that hold now, by severity.")
	for _, sev := range []string{schema.Warning, schema.Critical} {
		n := 0
		for _, a := range h.Alerts {
			if a.Severity == sev {
				n++
			}
		}
		p.sample("hearth_alerts", []string{"severity", sev}, float64(n))
	}
	if !h.Time.IsZero() {
		p.family("hearth_health_checked_timestamp_seconds", "When the server last checked itself.")
		p.sample("hearth_health_checked_timestamp_seconds", nil, float64(h.Time.Unix()))
	}
}

func writePool(p *promWriter, st pool.Status) {
	unavailable := slices.DeleteFunc(slices.Clone(st.Unavailable), func(s string) bool { return s == "…" })
	for _, g := range []struct {
		name, help string
		v          float64
	}{
		{"hearth_pool_size_bytes", "Capacity of the pool's present drives.", float64(st.Total)},
		{"hearth_pool_free_bytes", "Free space on the pool's present drives.", float64(st.Free)},
		{"hearth_pool_files", "Files in the pool.", float64(st.Files)},
		{"hearth_pool_data_bytes", "Size of the files in the pool, each counted once.", float64(st.Bytes)},
		{"hearth_pool_files_not_duplicated", "Files with fewer copies than their share asks for.", float64(st.NotDuplicated)},
		{"hearth_pool_files_unavailable", "Files with no readable copy (at most 100 are counted).", float64(len(unavailable))},
		{"hearth_pool_files_damaged", "Files damaged on every copy.", float64(len(st.Damaged))},
	} {
		p.family(g.name, g.help)
		p.sample(g.name, nil, g.v)
	}
	if st.LastScrub != nil {
		p.family("hearth_pool_last_scrub_timestamp_seconds", "When the last scrub finished.")
		p.sample("hearth_pool_last_scrub_timestamp_seconds", nil, float64(st.LastScrub.Finished.Unix()))
	}
}

func writeDrives(p *promWriter, drives []schema.DriveInfo) {
	p.family("hearth_drive_health", "Each drive's health: 0 good, 1 unknown, 2 warning, 3 critical.")
	for _, d := range drives {
		p.sample("hearth_drive_health", []string{"drive", d.Label, "pool_state", d.Pool}, float64(schema.Rank(d.State)))
	}
	p.family("hearth_drive_size_bytes", "Each present drive's capacity.")
	for _, d := range drives {
		if d.Total > 0 {
			p.sample("hearth_drive_size_bytes", []string{"drive", d.Label}, float64(d.Total))
		}
	}
	p.family("hearth_drive_free_bytes", "Each present drive's free space.")
	for _, d := range drives {
		if d.Total > 0 {
			p.sample("hearth_drive_free_bytes", []string{"drive", d.Label}, float64(d.Free))
		}
	}
	p.family("hearth_drive_temperature_celsius", "Each drive's temperature, as SMART reports it.")
	for _, d := range drives {
		if d.Temperature != 0 {
			p.sample("hearth_drive_temperature_celsius", []string{"drive", d.Label}, float64(d.Temperature))
		}
	}
}

func writePCs(p *promWriter, pcs []schema.PCHealth) {
	p.family("hearth_pc_health", "Each PC's health: 0 good, 1 unknown, 2 warning, 3 critical.")
	for _, pc := range pcs {
		p.sample("hearth_pc_health", []string{"pc", pc.Name}, float64(schema.Rank(pc.State)))
	}
	p.family("hearth_pc_last_backup_timestamp_seconds", "When each PC's newest backup was made.")
	for _, pc := range pcs {
		if pc.LastBackup != nil {
			p.sample("hearth_pc_last_backup_timestamp_seconds", []string{"pc", pc.Name}, float64(pc.LastBackup.Unix()))
		}
	}
	p.family("hearth_pc_last_report_timestamp_seconds", "When each PC's agent last reported its health.")
	for _, pc := range pcs {
		if pc.Seen != nil {
			p.sample("hearth_pc_last_report_timestamp_seconds", []string{"pc", pc.Name}, float64(pc.Seen.Unix()))
		}
	}
}

// promWriter writes the text format; it keeps the first error.
type promWriter struct {
	w   io.Writer
	err error
}

func (p *promWriter) family(name, help string) {
	p.printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
}

// sample writes one value; labels are name, value pairs.
func (p *promWriter) sample(name string, labels []string, v float64) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for pair := range slices.Chunk(labels, 2) {
			if b.Len() > len(name)+1 {
				b.WriteByte(',')
			}
			b.WriteString(pair[0] + `="` + escapeLabel(pair[1]) + `"`)
		}
		b.WriteByte('}')
	}
	p.printf("%s %s\n", b.String(), strconv.FormatFloat(v, 'g', -1, 64))
}

func (p *promWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// escapeLabel escapes what the text format requires in a label value.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
