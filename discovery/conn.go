package discovery

import (
	"context"
	"fmt"
	"net"
	"strings"

	"golang.org/x/net/ipv4"
)

var group = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}

// conn is the multicast DNS socket: port 5353 shared with any other responder on the
// machine (avahi, say), joined to the group on the chosen interfaces.
type conn struct {
	pc     *ipv4.PacketConn
	raw    net.PacketConn
	ifaces map[int]net.Interface // by index
	addrs  map[int][]net.IP      // their IPv4 addresses when last looked at
	only   []string              // interface names to use; empty: every multicast one
}

func listen(ctx context.Context, only []string) (*conn, error) {
	lc := net.ListenConfig{Control: shareAddress}
	raw, err := lc.ListenPacket(ctx, "udp4", "0.0.0.0:5353")
	if err != nil {
		return nil, fmt.Errorf("open the multicast DNS port: %w", err)
	}
	pc := ipv4.NewPacketConn(raw)
	if err := pc.SetControlMessage(ipv4.FlagInterface|ipv4.FlagTTL, true); err != nil {
		raw.Close()
		return nil, fmt.Errorf("multicast DNS: %w", err)
	}
	pc.SetMulticastTTL(255)
	pc.SetMulticastLoopback(true)
	c := &conn{pc: pc, raw: raw, ifaces: map[int]net.Interface{}, addrs: map[int][]net.IP{}, only: only}
	if _, err := c.refresh(); err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// refresh joins the group on interfaces that came up and reports whether the set of
// interfaces or their addresses changed.
func (c *conn) refresh() (bool, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return false, fmt.Errorf("list network interfaces: %w", err)
	}
	changed := false
	seen := map[int]bool{}
	for _, ifi := range ifs {
		addrs := addrs4(ifi)
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 || !c.wanted(ifi.Name) || len(addrs) == 0 {
			continue
		}
		seen[ifi.Index] = true
		if _, known := c.ifaces[ifi.Index]; !known {
			if err := c.pc.JoinGroup(&ifi, group); err != nil {
				continue // an interface that cannot join is skipped, not fatal
			}
			changed = true
		} else if fmt.Sprint(c.addrs[ifi.Index]) != fmt.Sprint(addrs) {
			changed = true
		}
		c.ifaces[ifi.Index], c.addrs[ifi.Index] = ifi, addrs
	}
	for idx, ifi := range c.ifaces {
		if !seen[idx] {
			c.pc.LeaveGroup(&ifi, group)
			delete(c.ifaces, idx)
			delete(c.addrs, idx)
			changed = true
		}
	}
	return changed, nil
}

func (c *conn) wanted(name string) bool {
	if len(c.only) == 0 {
		return true
	}
	for _, n := range c.only {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// addrs4 are the IPv4 addresses of an interface.
func addrs4(ifi net.Interface) []net.IP {
	as, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			out = append(out, n.IP.To4())
		}
	}
	return out
}

// send writes a message to the group on one interface, or to dst when it is set.
func (c *conn) send(b []byte, ifIndex int, dst net.Addr) error {
	if dst != nil {
		_, err := c.pc.WriteTo(b, nil, dst)
		return err
	}
	_, err := c.pc.WriteTo(b, &ipv4.ControlMessage{IfIndex: ifIndex}, group)
	return err
}

type packet struct {
	b       []byte
	ifIndex int
	ttl     int // the IP TTL it arrived with: 255 means it was not routed
	src     net.Addr
}

// read delivers packets until the socket is closed or ctx ends.
func (c *conn) read(ctx context.Context, out chan<- packet) {
	buf := make([]byte, 9000)
	for {
		n, cm, src, err := c.pc.ReadFrom(buf)
		if err != nil {
			close(out)
			return
		}
		idx, ttl := 0, 0
		if cm != nil {
			idx, ttl = cm.IfIndex, cm.TTL
		}
		select {
		case out <- packet{b: append([]byte(nil), buf[:n]...), ifIndex: idx, ttl: ttl, src: src}:
		case <-ctx.Done():
			return
		}
	}
}

func (c *conn) close() { c.raw.Close() }

// onLink reports whether a packet came from the local link, as multicast DNS must
// (RFC 6762 11): it arrived with IP TTL 255 (no router passed it on), or its source is in
// one of the subnets of the interface it came in on.
func (c *conn) onLink(p packet) bool {
	u, ok := p.src.(*net.UDPAddr)
	ifi, known := c.ifaces[p.ifIndex]
	if !ok || !known {
		return false
	}
	if p.ttl == 255 {
		return true
	}
	as, err := ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok && n.Contains(u.IP) {
			return true
		}
	}
	return false
}
