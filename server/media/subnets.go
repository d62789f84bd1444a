package media

import (
	"fmt"
	"net"
	"slices"
)

// LocalSubnets are the networks of the machine's own interfaces that are up: the home
// network(s) the server sits on, and loopback. DLNA has no sign-in, so only devices on
// these may use the media server.
func LocalSubnets() ([]*net.IPNet, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list the network interfaces: %w", err)
	}
	var out []*net.IPNet
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := i.Addrs()
		if err != nil {
			return nil, fmt.Errorf("read the addresses of %s: %w", i.Name, err)
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				out = append(out, &net.IPNet{IP: n.IP.Mask(n.Mask), Mask: n.Mask})
			}
		}
	}
	return out, nil
}

// sameNets reports whether two lists of networks hold the same ones in the same order.
func sameNets(a, b []*net.IPNet) bool {
	return slices.EqualFunc(a, b, func(x, y *net.IPNet) bool { return x.String() == y.String() })
}

// contains reports whether ip is in one of nets.
func contains(nets []*net.IPNet, ip net.IP) bool {
	return slices.ContainsFunc(nets, func(n *net.IPNet) bool { return n.Contains(ip) })
}
