// Package calimit says what a home server's certificate authority may vouch for: the
// server hearthd makes its CA with (server/certs), and the connector checks a new CA
// against it before it puts it in a PC's trust store (client/connector).
//
// X.509 DNS name constraints are subtrees: a CA permitted "media" vouches for
// "bank.media" too, and one permitted "duckdns.org" for every name under it. So a
// permitted name must be one a family can own: never a single label (a top-level
// domain, or one that may become one) and never a public suffix.
package calimit

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// PrivateDomains are names no public web site can have: mDNS names and RFC 8375's.
var PrivateDomains = []string{"local", "home.arpa"}

// privateRanges are addresses no public web site can have: a CA that permits only these
// (and the server's own names) cannot vouch for a bank. Left out, though private too:
// 100.64.0.0/10, carrier-grade NAT, which an ISP shares among strangers (and Tailscale
// uses: a family reaching the server so puts its 100.x address in tls_names), and the
// link-local 169.254.0.0/16 (169.254.169.254 is a cloud's metadata service) and
// fe80::/10, which no server certificate carries (certs.Names leaves them out).
var privateRanges = []string{
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
	"fc00::/7", "::1/128",
}

// Nowhere is the one name a home server's CA permits for mail addresses and URIs: no
// mailbox or URI can be under it (RFC 2606 keeps .invalid), and X.509 leaves a kind of
// name with no permitted entry unconstrained, so permitting it permits none. The CA
// vouches for web servers only; its key must not make a certificate for someone's mail.
const Nowhere = "invalid"

// closed says whether permitted (email or URI name constraints) permits no real name:
// it has entries, and each is Nowhere or below it.
func closed(permitted []string) bool {
	return len(permitted) > 0 && !slices.ContainsFunc(permitted, func(p string) bool {
		// A mailbox constraint may name one address ("x@invalid"): its host counts.
		return !Under(p[strings.LastIndex(p, "@")+1:], []string{Nowhere})
	})
}

// PrivateRanges are the address ranges a home server's CA may always vouch for.
func PrivateRanges() []*net.IPNet {
	out := make([]*net.IPNet, 0, len(privateRanges))
	for _, r := range privateRanges {
		_, n, _ := net.ParseCIDR(r)
		out = append(out, n)
	}
	return out
}

// ErrPublicSuffix: a name is one under which anyone may have a name of their own.
var ErrPublicSuffix = errors.New("a certificate authority permitted this name would vouch for other people's sites under it")

// Subtree says whether a CA may be permitted the DNS subtree name (and so every name
// below it). "localhost" is the one single label allowed: RFC 6761 keeps it and the names
// below it on the machine itself.
func Subtree(name string) error {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	switch {
	case name == "localhost":
		return nil
	case name == "" || !strings.Contains(name, "."):
		return fmt.Errorf("%q is a single label, as top-level domains are: %w", name, ErrPublicSuffix)
	}
	// Whether the suffix comes from ICANN's section or the private one (duckdns.org,
	// github.io): either way strangers hold the names below it.
	if suffix, _ := publicsuffix.PublicSuffix(name); suffix == name {
		return fmt.Errorf("%q is a public suffix: %w", name, ErrPublicSuffix)
	}
	return nil
}

// Under says whether name is one of domains or below one ("x.local" is under "local"),
// as X.509 DNS name constraints match.
func Under(name string, domains []string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

// within says whether the range n lies inside one of ranges.
func within(n *net.IPNet, ranges []*net.IPNet) bool {
	ones, bits := n.Mask.Size()
	return slices.ContainsFunc(ranges, func(r *net.IPNet) bool {
		rOnes, rBits := r.Mask.Size()
		return rBits == bits && rOnes <= ones && r.Contains(n.IP)
	})
}

// single says whether n is one address.
func single(n *net.IPNet) bool {
	ones, bits := n.Mask.Size()
	return bits > 0 && ones == bits
}

// ErrNotLimited: a CA's name constraints let it vouch for more than a home server.
var ErrNotLimited = errors.New("the certificate authority is not limited to a home server's names")

// Limited says whether ca vouches only for what a home server's CA may: web servers (its
// extended key usage is server authentication alone, which Go, OpenSSL and Windows hold
// every certificate below it to, so it cannot make one for code signing, S/MIME or client
// sign-in), with name constraints that are critical, permit some names and some addresses
// (X.509 leaves a kind with no permitted entry unconstrained), no mail address or URI
// (Nowhere), each permitted name one a family can own (Subtree), and each permitted
// address range private or a single address.
//
// When ref is a constrained CA (the one a PC trusts now), ca may not reach beyond it:
// each permitted name must also be private, under one of ref's, or under one of own
// (the names the PC reaches the server by), and each public address one ref permits or
// one of own. So whoever holds ref's key gains nothing by certifying a new CA.
func Limited(ca, ref *x509.Certificate, own []string) error {
	if !slices.Equal(ca.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || len(ca.UnknownExtKeyUsage) > 0 {
		return fmt.Errorf("%w: it may vouch for more than web servers (its extended key usage is not server authentication alone)", ErrNotLimited)
	}
	if !ca.PermittedDNSDomainsCritical {
		return fmt.Errorf("%w: its name constraints are missing or not marked critical", ErrNotLimited)
	}
	if len(ca.PermittedDNSDomains) == 0 || len(ca.PermittedIPRanges) == 0 {
		return fmt.Errorf("%w: it does not limit both names and addresses", ErrNotLimited)
	}
	if !closed(ca.PermittedEmailAddresses) || !closed(ca.PermittedURIDomains) {
		return fmt.Errorf("%w: it may vouch for mail addresses or URIs", ErrNotLimited)
	}
	bounded := ref != nil && (len(ref.PermittedDNSDomains) > 0 && len(ref.PermittedIPRanges) > 0)
	var ownIPs []*net.IPNet
	var ownNames []string
	for _, n := range own {
		if ip := net.ParseIP(n); ip != nil {
			ownIPs = append(ownIPs, &net.IPNet{IP: ip, Mask: net.CIDRMask(len(ip)*8, len(ip)*8)})
			if v4 := ip.To4(); v4 != nil {
				ownIPs = append(ownIPs, &net.IPNet{IP: v4, Mask: net.CIDRMask(32, 32)})
			}
		} else if Subtree(n) == nil {
			ownNames = append(ownNames, n)
		}
	}
	for _, d := range ca.PermittedDNSDomains {
		if Under(d, PrivateDomains) {
			continue
		}
		if err := Subtree(d); err != nil {
			return fmt.Errorf("%w: %v", ErrNotLimited, err)
		}
		if bounded && !Under(d, ref.PermittedDNSDomains) && !Under(d, ownNames) {
			return fmt.Errorf("%w: it permits %q, which the authority trusted now does not", ErrNotLimited, d)
		}
	}
	private := PrivateRanges()
	for _, r := range ca.PermittedIPRanges {
		if within(r, private) {
			continue
		}
		if !single(r) {
			return fmt.Errorf("%w: it permits the public addresses %s", ErrNotLimited, r)
		}
		if bounded && !within(r, ref.PermittedIPRanges) && !within(r, ownIPs) {
			return fmt.Errorf("%w: it permits %s, which the authority trusted now does not", ErrNotLimited, r)
		}
	}
	return nil
}
