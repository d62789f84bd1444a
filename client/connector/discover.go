package connector

import (
	"context"
	"net"
	"slices"
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
	// Keyed by instance name: an id is only what a server says of itself.
	for ev := range events {
		key := ev.Server.Instance
		if ev.Kind == discovery.Lost {
			delete(seen, key)
			continue
		}
		if len(ev.Server.Addrs) == 0 {
			continue
		}
		if _, ok := seen[key]; !ok && !slices.Contains(order, key) {
			order = append(order, key)
		}
		seen[key] = Found{Instance: ev.Server.Instance, Fingerprint: ev.Server.Fingerprint,
			URL: "https://" + net.JoinHostPort(ev.Server.Addrs[0].String(), strconv.Itoa(ev.Server.Port))}
	}
	var out []Found
	for _, key := range order {
		if f, ok := seen[key]; ok {
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
