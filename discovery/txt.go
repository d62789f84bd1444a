package discovery

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Info is what a server advertises about itself.
type Info struct {
	Instance    string // the friendly name people see
	ID          string // the server's id (its pool id)
	Version     string
	Port        int    // HTTPS
	Fingerprint string // SHA-256 of the CA certificate, 64 hex digits
}

var errBadTXT = errors.New("not a Hearth TXT record")

// txt renders the TXT strings of _hearth._tcp.
func (i Info) txt() []string {
	return []string{"id=" + i.ID, "v=" + i.Version, "port=" + strconv.Itoa(i.Port), "fp=" + strings.ToLower(i.Fingerprint)}
}

// parseTXT reads the TXT strings of a _hearth._tcp instance. Unknown keys are ignored so
// newer servers can add some.
func parseTXT(instance string, txt []string) (Info, error) {
	i := Info{Instance: instance}
	for _, kv := range txt {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "id":
			i.ID = v
		case "v":
			i.Version = v
		case "port":
			p, err := strconv.Atoi(v)
			if err != nil || p < 1 || p > 65535 {
				return Info{}, fmt.Errorf("%w: port %q", errBadTXT, v)
			}
			i.Port = p
		case "fp":
			v = strings.ToLower(strings.ReplaceAll(v, ":", ""))
			if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
				return Info{}, fmt.Errorf("%w: fingerprint %q", errBadTXT, v)
			}
			i.Fingerprint = v
		}
	}
	if i.ID == "" || i.Port == 0 || i.Fingerprint == "" {
		return Info{}, fmt.Errorf("%w: id, port and fp are needed", errBadTXT)
	}
	return i, nil
}
