package discovery

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestHostileResponses: a flood of answers with the longest TTLs cannot grow the cache
// past its limits, keep records longer than two hours, or make the browser ask once per
// answer.
func TestHostileResponses(t *testing.T) {
	c := &conn{ifaces: map[int]net.Interface{1: {Index: 1, Name: "test"}}, addrs: map[int][]net.IP{}}
	out := make(chan Event, 1000)
	b := newBrowser(c, out)
	questions := 0
	b.send = func(string, uint16) { questions++ }
	src := &net.UDPAddr{IP: net.IPv4(10, 0, 0, 66), Port: 5353}
	for round := range 50 {
		m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}}
		for i := range 100 {
			name := fmt.Sprintf("fake%d-%d.%s", round, i, serviceType)
			m.Answer = append(m.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: serviceType, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 0xffffffff}, Ptr: name},
				&dns.A{Hdr: dns.RR_Header{Name: fmt.Sprintf("h%d-%d.local.", round, i), Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0xffffffff}, A: net.IPv4(10, 0, 0, 1)})
		}
		pkt, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		b.take(context.Background(), packet{b: pkt, ifIndex: 1, ttl: 255, src: src})
	}
	if len(b.entries) > maxEntries || len(b.hosts) > maxHosts {
		t.Errorf("%d entries and %d hosts kept", len(b.entries), len(b.hosts))
	}
	for _, e := range b.entries {
		if time.Until(e.expires) > maxLife {
			t.Errorf("an entry is believed until %v", e.expires)
		}
	}
	if questions > maxEntries {
		t.Errorf("%d questions sent for %d packets", questions, 50)
	}
	// Answers from another port, or routed from elsewhere, are not taken at all.
	clear(b.entries)
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}, Answer: []dns.RR{&dns.PTR{Hdr: dns.RR_Header{Name: serviceType, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 120}, Ptr: "other." + serviceType}}}
	pkt, _ := m.Pack()
	b.take(context.Background(), packet{b: pkt, ifIndex: 1, ttl: 255, src: &net.UDPAddr{IP: src.IP, Port: 40000}})
	b.take(context.Background(), packet{b: pkt, ifIndex: 1, ttl: 60, src: &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5353}})
	if len(b.entries) != 0 {
		t.Errorf("answers from off the link were taken: %d entries", len(b.entries))
	}
}

// TestCanon: names compare equal whichever way they were escaped.
func TestCanon(t *testing.T) {
	ours := escapeLabel("Küche (oben)") + "." + serviceType
	theirs := `K\195\188che\032\(oben\).` + serviceType // as miekg/dns writes what it unpacks
	if canon(ours) != canon(theirs) || canon("A.B.") != canon("a.b") {
		t.Errorf("%q and %q differ", canon(ours), canon(theirs))
	}
	m := &dns.Msg{Answer: []dns.RR{&dns.PTR{Hdr: dns.RR_Header{Name: serviceType, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 1}, Ptr: ours}}}
	pkt, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var back dns.Msg
	if err := back.Unpack(pkt); err != nil {
		t.Fatal(err)
	}
	if got := back.Answer[0].(*dns.PTR).Ptr; canon(got) != canon(ours) {
		t.Errorf("after a round trip through the wire: %q vs %q", got, ours)
	}
}

// TestAsksForWhatIsMissing: a PTR that comes alone makes the browser ask for the
// instance's SRV and TXT, by a name that can go on the wire.
func TestAsksForWhatIsMissing(t *testing.T) {
	c := &conn{ifaces: map[int]net.Interface{1: {Index: 1, Name: "test"}}, addrs: map[int][]net.IP{}}
	b := newBrowser(c, make(chan Event, 10))
	var asked []string
	b.send = func(name string, qt uint16) {
		m := new(dns.Msg)
		m.SetQuestion(name, qt)
		if _, err := m.Pack(); err != nil {
			t.Errorf("question %q cannot be sent: %v", name, err)
		}
		asked = append(asked, name)
	}
	ptr := escapeLabel("Küche. Oben") + "." + serviceType
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}, Answer: []dns.RR{&dns.PTR{Hdr: dns.RR_Header{Name: serviceType, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 120}, Ptr: ptr}}}
	pkt, _ := m.Pack()
	b.take(context.Background(), packet{b: pkt, ifIndex: 1, ttl: 255, src: &net.UDPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 5353}})
	if len(asked) != 1 || canon(asked[0]) != canon(ptr) {
		t.Errorf("asked %q, want the instance %q", asked, ptr)
	}
}
