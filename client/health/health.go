// Package health runs the connector's health probes on this PC (free disk space, firewall,
// antivirus, pending updates, restart needed, disk encryption) and puts their verdicts, in
// words a family reads, into the report the agent sends to the server.
package health

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Probe checks one thing about this PC. Check may return several checks (one per disk, say)
// or none (nothing to say, such as no antivirus on Linux). Run calls it once, on a goroutine
// of its own, alongside the other probes. It should stop soon after ctx ends; Run does not
// wait for it longer than its timeout in any case.
type Probe interface {
	Check(ctx context.Context) []schema.Check
}

// ProbeFunc lets a plain function be a Probe.
type ProbeFunc func(ctx context.Context) []schema.Check

// Check calls f.
func (f ProbeFunc) Check(ctx context.Context) []schema.Check { return f(ctx) }

// Named gives p the ID, area and title that Run reports, as unknown, when p hangs or panics:
// a probe that never returns cannot name its own checks. An unnamed probe that fails is
// reported as "probe-<index>", with no area.
func Named(id, area, title string, p Probe) Probe {
	return named{label: schema.Check{ID: id, Area: area, Title: title}, Probe: p}
}

type named struct {
	label schema.Check
	Probe
}

// DefaultTimeout is how long Run waits for one probe. Windows Update and macOS
// softwareupdate can take tens of seconds; a minute is generous but still bounds a tool
// that hangs.
const DefaultTimeout = 60 * time.Second

// Runner runs probes. Its zero value works.
type Runner struct {
	// Timeout bounds each probe; 0 means DefaultTimeout.
	Timeout time.Duration
	// Log receives the panics of probes; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock for the report's time; nil means time.Now.
	Now func() time.Time
}

// Run runs probes with a Runner's defaults.
func Run(ctx context.Context, probes []Probe) schema.PCReport {
	return Runner{}.Run(ctx, probes)
}

// Run runs all probes at once and returns their checks sorted by ID. A probe that panics,
// or has not returned by the timeout, yields an unknown check instead; Run itself never
// takes much longer than the timeout. A probe left running after its timeout is abandoned
// (its context is cancelled) and its late answer is dropped.
func (r Runner) Run(ctx context.Context, probes []Probe) schema.PCReport {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	results := make([][]schema.Check, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { results[i] = r.runOne(ctx, i, p) })
	}
	wg.Wait()
	checks := slices.Concat(results...)
	for i := range checks {
		checks[i] = tidy(checks[i])
	}
	slices.SortStableFunc(checks, func(a, b schema.Check) int { return strings.Compare(a.ID, b.ID) })
	if checks == nil {
		checks = []schema.Check{} // the server reads null as "not sent"
	}
	return schema.PCReport{OS: runtime.GOOS, Time: now().UTC(), Checks: checks}
}

func (r Runner) runOne(ctx context.Context, i int, p Probe) []schema.Check {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan []schema.Check, 1) // buffered: a late probe must not block forever
	go func() {
		defer func() {
			if v := recover(); v != nil {
				r.log().Error("a health probe failed", "probe", label(i, p).ID, "panic", v)
				done <- []schema.Check{failed(i, p, "an error in Hearth stopped the check")}
			}
		}()
		done <- p.Check(pctx)
	}()
	select {
	case checks := <-done:
		// A probe cut short with nothing to say gave no verdict.
		if len(checks) > 0 || pctx.Err() == nil {
			return checks
		}
	case <-pctx.Done():
		select { // an answer that came in at the deadline still counts
		case checks := <-done:
			if len(checks) > 0 {
				return checks
			}
		default:
		}
	}
	if ctx.Err() != nil {
		return []schema.Check{failed(i, p, "the check was stopped before it finished")}
	}
	return []schema.Check{failed(i, p, fmt.Sprintf("the check took longer than %s", roundDuration(timeout)))}
}

func (r Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// failed is the unknown check that stands in for a probe that gave no answer.
func failed(i int, p Probe, why string) schema.Check {
	c := label(i, p)
	c.State = schema.Unknown
	c.Sentence = "Hearth could not check this: " + why + ". It will try again later."
	return c
}

func label(i int, p Probe) schema.Check {
	if n, ok := p.(named); ok {
		return n.label
	}
	return schema.Check{ID: fmt.Sprintf("probe-%d", i), Title: "Health check"}
}

// tidy keeps a faulty probe from sending a state the server does not know.
func tidy(c schema.Check) schema.Check {
	switch c.State {
	case schema.Good, schema.Unknown, schema.Warning, schema.Critical:
	default:
		c.State = schema.Unknown
	}
	return c
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute", "minutes")
	case d >= time.Second:
		return plural(int(d.Round(time.Second)/time.Second), "second", "seconds")
	default:
		return d.String()
	}
}
