package discovery

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Options choose where to advertise or browse.
type Options struct {
	// Interfaces limits the work to these interface names; empty means every interface
	// that is up, can multicast and has an IPv4 address.
	Interfaces []string
	// Host is the host name to advertise (without .local); empty means this machine's.
	Host string
	// Recheck is how often interfaces are looked at again (default 5 s).
	Recheck time.Duration
	// TTL is how long browsers keep the records without hearing them again (default
	// 120 s); a server that vanishes without a goodbye is forgotten after it.
	TTL time.Duration
}

// Advertise answers for info on the local network until ctx ends, then says goodbye.
func Advertise(ctx context.Context, info Info, opt Options) error {
	if opt.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("find the host name: %w", err)
		}
		opt.Host = h
	}
	if opt.Recheck <= 0 {
		opt.Recheck = 5 * time.Second
	}
	if opt.TTL <= 0 {
		opt.TTL = ttl * time.Second
	}
	c, err := listen(ctx, opt.Interfaces)
	if err != nil {
		return err
	}
	defer c.close()
	a := &advertiser{c: c, info: info, ttl: uint32(opt.TTL / time.Second),
		host:     escapeLabel(strings.SplitN(opt.Host, ".", 2)[0]) + ".local.",
		instance: escapeLabel(info.Instance) + "." + serviceType,
		dav:      escapeLabel(info.Instance) + "." + davType,
	}
	packets := make(chan packet, 16)
	go c.read(ctx, packets)
	a.announce(a.ttl)
	announceAgain := time.After(time.Second) // RFC 6762 8.3: announce at least twice
	recheck := time.NewTicker(opt.Recheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			a.announce(0)
			return nil
		case <-announceAgain:
			a.announce(a.ttl)
		case <-recheck.C:
			before := a.addresses()
			if changed, _ := c.refresh(); changed {
				a.goodbyeGone(before)
				a.announce(a.ttl)
				announceAgain = time.After(time.Second)
			}
		case p, ok := <-packets:
			if !ok {
				return nil
			}
			a.answer(p)
		}
	}
}

type advertiser struct {
	c                   *conn
	ttl                 uint32
	info                Info
	host, instance, dav string
}

// records are everything the server says about itself on one interface.
func (a *advertiser) records(ifi net.Interface, t uint32) (ptrs, rest []dns.RR) {
	hdr := func(name string, typ uint16) dns.RR_Header {
		class := uint16(dns.ClassINET)
		if typ != dns.TypePTR {
			class |= 1 << 15 // cache-flush: these records are ours alone
		}
		return dns.RR_Header{Name: name, Rrtype: typ, Class: class, Ttl: t}
	}
	port := uint16(a.info.Port)
	ptrs = []dns.RR{
		&dns.PTR{Hdr: hdr(serviceType, dns.TypePTR), Ptr: a.instance},
		&dns.PTR{Hdr: hdr(davType, dns.TypePTR), Ptr: a.dav},
	}
	rest = []dns.RR{
		&dns.SRV{Hdr: hdr(a.instance, dns.TypeSRV), Target: a.host, Port: port},
		&dns.TXT{Hdr: hdr(a.instance, dns.TypeTXT), Txt: a.info.txt()},
		&dns.SRV{Hdr: hdr(a.dav, dns.TypeSRV), Target: a.host, Port: port},
		&dns.TXT{Hdr: hdr(a.dav, dns.TypeTXT), Txt: []string{"path=/dav/"}},
	}
	for _, ip := range addrs4(ifi) {
		rest = append(rest, &dns.A{Hdr: hdr(a.host, dns.TypeA), A: ip})
	}
	return ptrs, rest
}

// addresses are the IPv4 addresses as last looked at, by interface index.
func (a *advertiser) addresses() map[int][]net.IP {
	out := map[int][]net.IP{}
	for idx, ips := range a.c.addrs {
		out[idx] = ips
	}
	return out
}

// goodbyeGone withdraws the addresses that are no longer there, so browsers stop using
// them at once instead of when their TTL runs out.
func (a *advertiser) goodbyeGone(before map[int][]net.IP) {
	now := a.addresses()
	for idx, ips := range before {
		var gone []dns.RR
		for _, ip := range ips {
			if !slices.ContainsFunc(now[idx], ip.Equal) {
				gone = append(gone, &dns.A{Hdr: dns.RR_Header{Name: a.host, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0}, A: ip})
			}
		}
		if len(gone) == 0 {
			continue
		}
		m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}, Answer: gone}
		if b, err := m.Pack(); err == nil {
			if _, ok := a.c.ifaces[idx]; ok {
				a.c.send(b, idx, nil)
			}
		}
	}
}

// announce sends every record on every interface (t = 0: goodbye).
func (a *advertiser) announce(t uint32) {
	for idx, ifi := range a.c.ifaces {
		ptrs, rest := a.records(ifi, t)
		m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}, Answer: append(ptrs, rest...)}
		if b, err := m.Pack(); err == nil {
			a.c.send(b, idx, nil)
		}
	}
}

// answer replies to the questions about us in a query from the local link.
func (a *advertiser) answer(p packet) {
	var q dns.Msg
	if q.Unpack(p.b) != nil || q.Response || q.Opcode != dns.OpcodeQuery || !a.c.onLink(p) {
		return
	}
	ifi, ok := a.c.ifaces[p.ifIndex]
	if !ok {
		return
	}
	u, _ := p.src.(*net.UDPAddr)
	legacy := u != nil && u.Port != 5353 // a one-shot resolver (RFC 6762 6.7)
	t := a.ttl
	if legacy {
		t = min(t, 10)
	}
	ptrs, rest := a.records(ifi, t)
	if legacy {
		for _, r := range append(ptrs, rest...) {
			r.Header().Class &^= 1 << 15 // no cache-flush in a unicast answer (10.2)
		}
	}
	seen := map[dns.RR]bool{}
	var answer []dns.RR
	add := func(r dns.RR) {
		if !seen[r] {
			seen[r] = true
			answer = append(answer, r)
		}
	}
	for _, qu := range q.Question {
		name, ptrQ := canon(qu.Name), qu.Qtype == dns.TypePTR || qu.Qtype == dns.TypeANY
		switch {
		case name == canon(enumType) && ptrQ:
			add(&dns.PTR{Hdr: dns.RR_Header{Name: enumType, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: t}, Ptr: serviceType})
			add(&dns.PTR{Hdr: dns.RR_Header{Name: enumType, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: t}, Ptr: davType})
		default:
			for _, r := range append(ptrs, rest...) {
				h := r.Header()
				if canon(h.Name) == name && (qu.Qtype == dns.TypeANY || qu.Qtype == h.Rrtype) {
					add(r)
				}
			}
		}
	}
	if len(answer) == 0 {
		return
	}
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}, Answer: answer}
	if answer[0].Header().Rrtype == dns.TypePTR {
		for _, r := range rest {
			if !seen[r] {
				m.Extra = append(m.Extra, r) // spare the asker a second round
			}
		}
	}
	var dst net.Addr
	if legacy {
		dst = u
		m.Id = q.Id
		m.Question = q.Question
	}
	if b, err := m.Pack(); err == nil {
		a.c.send(b, p.ifIndex, dst)
	}
}
