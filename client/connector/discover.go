package connector

import (
	"context"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/discovery"
)

// Found is a server that announced itself on the network.
type Found struct {
	Instance    string
	URL         string
	Fingerprint string // as announced: hex of the CA's SHA-256
}

// Discover listens for Hearth servers for a while and returns those heard.
func Discover(ctx context.Context, wait time.Duration) ([]Found, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	events, err := discovery.Browse(ctx, discovery.Options{})
	if err != nil {
		return nil, err
	}
	seen := map[string]Found{}
	var order []string
	for ev := range events {
		if ev.Kind == discovery.Lost {
			delete(seen, ev.Server.ID)
			continue
		}
		if len(ev.Server.Addrs) == 0 {
			continue
		}
		if _, ok := seen[ev.Server.ID]; !ok {
			order = append(order, ev.Server.ID)
		}
		seen[ev.Server.ID] = Found{Instance: ev.Server.Instance, Fingerprint: ev.Server.Fingerprint,
			URL: "https://" + net.JoinHostPort(ev.Server.Addrs[0].String(), strconv.Itoa(ev.Server.Port))}
	}
	var out []Found
	for _, id := range order {
		if f, ok := seen[id]; ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// SameFingerprint compares fingerprints written with or without colons, in any case.
func SameFingerprint(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, ":", "")) }
	return norm(a) != "" && norm(a) == norm(b)
}
