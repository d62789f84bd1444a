package web

import (
	"net/http"
	"testing"
)

// TestOnLAN: "lan" metrics go to this machine and private networks, not the internet.
func TestOnLAN(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:5000":          true,
		"[::1]:5000":              true,
		"192.168.1.20:5000":       true,
		"10.0.0.7:5000":           true,
		"172.16.3.4:5000":         true,
		"[fd00::1]:5000":          true,
		"[fe80::1%eth0]:5000":     true,
		"169.254.10.10:5000":      true,
		"8.8.8.8:5000":            false,
		"172.32.0.1:5000":         false,
		"[2001:db8::1]:5000":      false,
		"[2a00:1450::200e]:443":   false,
		"not an address":          false,
		"100.64.0.1:5000":         false, // carrier-grade NAT is shared with strangers
		"[::ffff:8.8.8.8]:5000":   false,
		"[::ffff:192.168.1.2]:80": true,
	} {
		if got := onLAN(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("%s: %v, want %v", addr, got, want)
		}
	}
}
