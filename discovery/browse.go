package discovery

import (
	"bytes"
	"context"
	"net"
	"slices"
	"time"

	"github.com/miekg/dns"
)

// Server is a Hearth server found on the network.
type Server struct {
	Info
	Addrs     []net.IP // IPv4 addresses it answered with
	Interface string   // where it was heard
}

// Kind says what happened to a server.
type Kind int

// The kinds of events.
const (
	Found   Kind = iota // a server appeared
	Changed             // its addresses or TXT changed
	Lost                // it said goodbye, or its records expired
)

// Event is a server appearing, changing or going away.
type Event struct {
	Kind   Kind
	Server Server
}

// Browse reports servers as they appear, change and disappear until ctx ends; the channel
// is closed then.
func Browse(ctx context.Context, opt Options) (<-chan Event, error) {
	c, err := listen(ctx, opt.Interfaces)
	if err != nil {
		return nil, err
	}
	if opt.Recheck <= 0 {
		opt.Recheck = 5 * time.Second
	}
	out := make(chan Event, 16)
	b := newBrowser(c, out)
	go b.run(ctx, opt.Recheck)
	return out, nil
}

// Limits against a hostile or noisy network: how long a record is believed at most, how
// many servers and hosts are kept, and how often a name is asked about.
const (
	maxLife    = 2 * time.Hour
	maxEntries = 64
	maxHosts   = 256
	askEvery   = time.Second
)

type browser struct {
	c       *conn
	out     chan<- Event
	entries map[string]*entry               // by instance name, in canon form
	hosts   map[string]map[string]time.Time // host (canon) → address → expiry
	asked   map[string]time.Time            // question → when it was last asked
	// send puts a question on the network (b.query; tests of the cache replace it).
	send func(name string, t uint16)
}

func newBrowser(c *conn, out chan<- Event) *browser {
	b := &browser{c: c, out: out, entries: map[string]*entry{}, hosts: map[string]map[string]time.Time{}, asked: map[string]time.Time{}}
	b.send = b.query
	return b
}

type entry struct {
	instance string
	name     string        // its full name as it came, to ask about it
	target   string        // its SRV target as it came
	expires  time.Time     // of its PTR record
	life     time.Duration // its TTL
	asked    bool          // asked again before it runs out
	host     string
	port     int
	txt      []string
	iface    string
	sent     *Server // what was last reported
}

func (b *browser) run(ctx context.Context, recheck time.Duration) {
	defer close(b.out)
	defer b.c.close()
	packets := make(chan packet, 16)
	go b.c.read(ctx, packets)
	// Ask at once, after 1 s and 3 s, then every minute (RFC 6762 5.2).
	b.query(serviceType, dns.TypePTR)
	nextQuery := time.NewTimer(time.Second)
	defer nextQuery.Stop()
	wait := time.Second
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastRecheck := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-nextQuery.C:
			b.query(serviceType, dns.TypePTR)
			wait = min(wait*2, time.Minute)
			nextQuery.Reset(wait)
		case now := <-tick.C:
			b.expire(ctx, now)
			if now.Sub(lastRecheck) >= recheck {
				lastRecheck = now
				if changed, _ := b.c.refresh(); changed {
					b.query(serviceType, dns.TypePTR)
				}
			}
		case p, ok := <-packets:
			if !ok {
				return
			}
			b.take(ctx, p)
		}
	}
}

func (b *browser) query(name string, t uint16) {
	m := new(dns.Msg)
	m.SetQuestion(name, t)
	m.RecursionDesired = false
	m.Id = 0
	bs, err := m.Pack()
	if err != nil {
		return
	}
	for idx := range b.c.ifaces {
		b.c.send(bs, idx, nil)
	}
}

// take folds a response from the local link into the cache and reports what changed.
func (b *browser) take(ctx context.Context, p packet) {
	var m dns.Msg
	if u, ok := p.src.(*net.UDPAddr); !ok || u.Port != 5353 || !b.c.onLink(p) {
		return // responses come from port 5353 on this link (RFC 6762 6, 11)
	}
	if m.Unpack(p.b) != nil || !m.Response {
		return
	}
	now := time.Now()
	iface := ""
	if ifi, ok := b.c.ifaces[p.ifIndex]; ok {
		iface = ifi.Name
	}
	rrs := append(append(append([]dns.RR{}, m.Answer...), m.Ns...), m.Extra...)
	// PTRs first, so the records about an instance find its entry; addresses last, so
	// only those of hosts an entry points to are kept.
	rank := func(r dns.RR) int {
		switch r.Header().Rrtype {
		case dns.TypePTR:
			return 0
		case dns.TypeA:
			return 2
		}
		return 1
	}
	slices.SortStableFunc(rrs, func(x, y dns.RR) int { return rank(x) - rank(y) })
	touched := map[string]bool{}
	for _, rr := range rrs {
		h := rr.Header()
		life := min(time.Duration(h.Ttl)*time.Second, maxLife)
		switch r := rr.(type) {
		case *dns.PTR:
			if canon(h.Name) != canon(serviceType) {
				continue
			}
			key := canon(r.Ptr)
			e := b.entries[key]
			if h.Ttl == 0 { // goodbye
				if e != nil {
					e.expires = now
					touched[key] = true
				}
				continue
			}
			if e == nil {
				name, ok := instanceOf(r.Ptr, serviceType)
				if !ok || len(b.entries) >= maxEntries {
					continue
				}
				e = &entry{instance: name, name: r.Ptr}
				b.entries[key] = e
			}
			e.expires, e.life, e.asked, e.iface = now.Add(life), life, false, iface
			touched[key] = true
		case *dns.SRV:
			if e := b.entries[canon(h.Name)]; e != nil && h.Ttl > 0 {
				e.host, e.target, e.port = canon(r.Target), r.Target, int(r.Port)
				touched[canon(h.Name)] = true
			}
		case *dns.TXT:
			if e := b.entries[canon(h.Name)]; e != nil && h.Ttl > 0 {
				e.txt = r.Txt
				touched[canon(h.Name)] = true
			}
		case *dns.A:
			host, ip := canon(h.Name), r.A.To4()
			if ip == nil || !b.wanted(host) {
				continue
			}
			if b.hosts[host] == nil {
				if len(b.hosts) >= maxHosts {
					continue
				}
				b.hosts[host] = map[string]time.Time{}
			}
			if h.Ttl == 0 {
				delete(b.hosts[host], ip.String())
			} else {
				b.hosts[host][ip.String()] = now.Add(life)
			}
			for k, e := range b.entries {
				if e.host == host {
					touched[k] = true
				}
			}
		}
	}
	for k := range touched {
		b.report(ctx, k, now)
	}
}

// wanted reports whether an entry points to host.
func (b *browser) wanted(host string) bool {
	for _, e := range b.entries {
		if e.host == host {
			return true
		}
	}
	return false
}

// ask sends a question unless the same was asked within the last second.
func (b *browser) ask(name string, t uint16) {
	key := canon(name) + "/" + dns.TypeToString[t]
	if last, ok := b.asked[key]; ok && time.Since(last) < askEvery {
		return
	}
	if len(b.asked) > 4*maxEntries {
		clear(b.asked)
	}
	b.asked[key] = time.Now()
	b.send(name, t)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// report tells the caller what changed about an entry, and asks for what it lacks.
func (b *browser) report(ctx context.Context, key string, now time.Time) {
	e := b.entries[key]
	if e == nil {
		return
	}
	if !now.Before(e.expires) {
		if e.sent != nil {
			b.emit(ctx, Event{Kind: Lost, Server: *e.sent})
		}
		delete(b.entries, key)
		return
	}
	if e.host == "" || e.txt == nil {
		b.ask(e.name, dns.TypeANY) // the SRV or TXT did not come with the PTR
		return
	}
	var addrs []net.IP
	for a, exp := range b.hosts[e.host] {
		if now.Before(exp) {
			addrs = append(addrs, net.ParseIP(a).To4())
		}
	}
	if len(addrs) == 0 {
		b.ask(e.target, dns.TypeA)
		return
	}
	slices.SortFunc(addrs, func(x, y net.IP) int { return bytes.Compare(x.To4(), y.To4()) })
	info, err := parseTXT(e.instance, e.txt)
	if err != nil {
		return // not a server we can talk to
	}
	if e.port != 0 {
		info.Port = e.port
	}
	s := Server{Info: info, Addrs: addrs, Interface: e.iface}
	switch {
	case e.sent == nil:
		b.emit(ctx, Event{Kind: Found, Server: s})
	case !sameServer(*e.sent, s):
		b.emit(ctx, Event{Kind: Changed, Server: s})
	default:
		return
	}
	e.sent = &s
}

func sameServer(a, b Server) bool {
	return a.Info == b.Info && a.Interface == b.Interface && slices.EqualFunc(a.Addrs, b.Addrs, net.IP.Equal)
}

// expire reports entries whose records ran out, asks again for those about to, and
// forgets addresses that ran out (every device on the network announces some).
func (b *browser) expire(ctx context.Context, now time.Time) {
	for host, addrs := range b.hosts {
		for a, exp := range addrs {
			if !now.Before(exp) {
				delete(addrs, a)
			}
		}
		if len(addrs) == 0 {
			delete(b.hosts, host)
		}
	}
	for k, e := range b.entries {
		switch left := e.expires.Sub(now); {
		case left <= 0:
			b.report(ctx, k, now)
		case left < e.life/5 && !e.asked:
			e.asked = true
			b.query(serviceType, dns.TypePTR) // at 80% of the TTL (RFC 6762 5.2)
		}
	}
}

func (b *browser) emit(ctx context.Context, ev Event) {
	select {
	case b.out <- ev:
	case <-ctx.Done():
	}
}
