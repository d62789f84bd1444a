package discovery

import (
	"context"
	"net"
	"slices"
	"strings"
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
	b := &browser{c: c, out: out, entries: map[string]*entry{}, hosts: map[string]map[string]time.Time{}}
	go b.run(ctx, opt.Recheck)
	return out, nil
}

type browser struct {
	c       *conn
	out     chan<- Event
	entries map[string]*entry               // by instance name, lower case
	hosts   map[string]map[string]time.Time // host → address → expiry
}

type entry struct {
	instance string
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

// take folds a response into the cache and reports what changed.
func (b *browser) take(ctx context.Context, p packet) {
	var m dns.Msg
	if m.Unpack(p.b) != nil || !m.Response {
		return
	}
	now := time.Now()
	iface := ""
	if ifi, ok := b.c.ifaces[p.ifIndex]; ok {
		iface = ifi.Name
	}
	rrs := append(append(append([]dns.RR{}, m.Answer...), m.Ns...), m.Extra...)
	// PTRs first, so the records about an instance find its entry (in any order they came).
	slices.SortStableFunc(rrs, func(x, y dns.RR) int {
		return boolInt(y.Header().Rrtype == dns.TypePTR) - boolInt(x.Header().Rrtype == dns.TypePTR)
	})
	touched := map[string]bool{}
	for _, rr := range rrs {
		h := rr.Header()
		life := time.Duration(h.Ttl) * time.Second
		switch r := rr.(type) {
		case *dns.PTR:
			if !strings.EqualFold(h.Name, serviceType) {
				continue
			}
			key := strings.ToLower(r.Ptr)
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
				if !ok {
					continue
				}
				e = &entry{instance: name}
				b.entries[key] = e
			}
			e.expires, e.life, e.asked, e.iface = now.Add(life), life, false, iface
			touched[key] = true
		case *dns.SRV:
			if e := b.entries[strings.ToLower(h.Name)]; e != nil && h.Ttl > 0 {
				e.host, e.port = strings.ToLower(r.Target), int(r.Port)
				touched[strings.ToLower(h.Name)] = true
			}
		case *dns.TXT:
			if e := b.entries[strings.ToLower(h.Name)]; e != nil && h.Ttl > 0 {
				e.txt = r.Txt
				touched[strings.ToLower(h.Name)] = true
			}
		case *dns.A:
			host := strings.ToLower(h.Name)
			if b.hosts[host] == nil {
				b.hosts[host] = map[string]time.Time{}
			}
			if h.Ttl == 0 {
				delete(b.hosts[host], r.A.String())
			} else {
				b.hosts[host][r.A.String()] = now.Add(life)
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
		b.query(key, dns.TypeANY) // the SRV or TXT did not come with the PTR
		return
	}
	var addrs []net.IP
	for a, exp := range b.hosts[e.host] {
		if now.Before(exp) {
			addrs = append(addrs, net.ParseIP(a).To4())
		}
	}
	if len(addrs) == 0 {
		b.query(e.host, dns.TypeA)
		return
	}
	slices.SortFunc(addrs, func(x, y net.IP) int { return strings.Compare(x.String(), y.String()) })
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
