// Package connector joins a PC to a Hearth server and talks to it afterwards. On the
// first contact it pins the server's certificate authority (the server shows the same
// SHA-256 fingerprint in 'hearthd status'); every later connection must present a
// certificate from that authority, or it is refused.
package connector

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/internal/atomicfile"
	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/server/api/schema"
)

// Errors a caller decides on.
var (
	ErrPinMismatch    = errors.New("the server's certificate authority is not the one this PC joined")
	ErrNotJoined      = errors.New("this PC has not joined a Hearth server yet; run: hearth join SERVER")
	ErrBadCredentials = errors.New("wrong user name or password")
	// ErrDamaged: what this PC saved when it joined cannot be read back; it must leave
	// and join again.
	ErrDamaged = errors.New("this PC's saved Hearth settings are damaged")
)

// Config is what a joined PC keeps, readable only by its user.
type Config struct {
	Server        string `json:"server"` // https://host:port
	CAFingerprint string `json:"ca_fingerprint"`
	CA            string `json:"ca"` // PEM
	User          string `json:"user"`
	DeviceID      string `json:"device_id"`
	DeviceName    string `json:"device_name"`
	Token         string `json:"token"`
	// Backup says what this PC backs up and when.
	Backup BackupSettings `json:"backup"`
	// TrustedCA is the name the CA was added to the PC's trust store under ("" if not),
	// TrustedCAPEM the CA added there (it is CA until the server's authority is renewed
	// and the trust store could not follow yet; empty in configurations of older
	// connectors, where it is CA).
	TrustedCA    string `json:"trusted_ca,omitempty"`
	TrustedCAPEM string `json:"trusted_ca_pem,omitempty"`
	// Path is the file Load read it from: the PC's own records of its backups (which one
	// runs) live beside it. Not saved.
	Path string `json:"-"`
}

// ConfigPath is where the connector keeps its configuration.
func ConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration folder: %w", err)
	}
	return filepath.Join(dir, "hearth", "connector.json"), nil
}

// Load reads the configuration; ErrNotJoined when there is none.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, ErrNotJoined
	}
	if err != nil {
		return c, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w (%v)", path, ErrDamaged, err)
	}
	c.Path = path
	return c, nil
}

// Save writes the configuration atomically, readable only by this user.
func (c Config) Save(path string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("make %s: %w", filepath.Dir(path), err)
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return fmt.Errorf("save the configuration: %w", err)
	}
	return nil
}

// Identity is what a server presents on first contact.
type Identity struct {
	Server        string
	CA            *x509.Certificate
	CAFingerprint string
}

// ServerURL turns what a person types ("homeserver", "192.168.1.5:8443",
// "https://homeserver:8443/") into the server's base URL.
func ServerURL(typed string) (string, error) {
	s := strings.TrimPrefix(strings.TrimSpace(typed), "https://")
	if strings.Contains(s, "://") { // another scheme: Hearth speaks only HTTPS
		return "", fmt.Errorf("%q is not a server name or address", typed)
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.Trim(s, "[]"), "8443"
	}
	if n, err := strconv.Atoi(port); host == "" || err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q is not a server name or address", typed)
	}
	return "https://" + net.JoinHostPort(host, port), nil
}

// Probe connects to a server without trusting it yet and returns the authority its
// certificate comes from, for the person to compare with 'hearthd status'.
func Probe(ctx context.Context, server string) (Identity, error) {
	host := strings.TrimPrefix(server, "https://")
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}} // checked below, against itself
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return Identity{}, fmt.Errorf("reach %s: %w", host, err)
	}
	defer conn.Close()
	chain := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(chain) < 2 {
		return Identity{}, fmt.Errorf("%s does not look like a Hearth server (no certificate authority in its chain)", host)
	}
	ca := chain[len(chain)-1]
	if err := chain[0].CheckSignatureFrom(ca); err != nil || !ca.IsCA {
		return Identity{}, fmt.Errorf("%s does not look like a Hearth server: its certificate is not signed by the authority it sends", host)
	}
	return Identity{Server: server, CA: ca, CAFingerprint: certfp.SHA256(ca)}, nil
}

// pinnedClient trusts only the pinned authority. Host names are not checked: the
// authority is this server's own, so its signature is the proof, whatever name or
// address the PC used. seen, when not nil, learns the authority each connection's
// certificate came from (see current).
func pinnedClient(caPEM, fingerprint string, seen *seenCA) (*http.Client, error) {
	block, _ := pem.Decode([]byte(caPEM))
	if block == nil {
		return nil, fmt.Errorf("the saved certificate authority: %w", ErrDamaged)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || certfp.SHA256(ca) != fingerprint {
		return nil, fmt.Errorf("the saved certificate authority: %w", ErrDamaged)
	}
	cfg := &tls.Config{
		InsecureSkipVerify: true, // replaced by the check against the pinned authority
		VerifyConnection: func(cs tls.ConnectionState) error {
			now, err := current(ca, cs.PeerCertificates, time.Now())
			if err != nil {
				shown := "unknown"
				if n := len(cs.PeerCertificates); n > 1 {
					shown = certfp.SHA256(cs.PeerCertificates[n-1])
				}
				return fmt.Errorf("%w (pinned SHA-256 %s, now %s). If the server was set up again, run: hearth leave, then hearth join; otherwise another machine may be pretending to be it", ErrPinMismatch, fingerprint, shown)
			}
			seen.set(now)
			return nil
		},
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}, nil
}

// current checks the certificates a server presented against the authority this PC
// pinned, and returns the authority the server uses now: the pinned one, or one that
// replaced it ('hearthd cert renew-ca').
//
// The server presents its certificate, then bridges, then its authority. Its
// certificate must come from that authority (name constraints and all). That authority
// is the pinned one, or a chain of bridges leads to it from the pinned one: each bridge
// signed by the key the previous one certified (the first by the pinned authority's), the
// last certifying the new authority's key and the very name constraints it carries. Only
// who holds the pinned authority's key could have made such a bridge, so the PC may move
// its pin (and its trust store entry) to the new authority; a server with an unrelated
// authority has none and is refused.
func current(pinned *x509.Certificate, peer []*x509.Certificate, now time.Time) (*x509.Certificate, error) {
	if len(peer) == 0 {
		return nil, ErrPinMismatch
	}
	leaf, ca := peer[0], peer[len(peer)-1]
	if from(leaf, pinned, now) == nil {
		return pinned, nil
	}
	if len(peer) < 2 || ca.CheckSignatureFrom(ca) != nil {
		return nil, ErrPinMismatch
	}
	if err := from(leaf, ca, now); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPinMismatch, err)
	}
	bridges := peer[1 : len(peer)-1]
	signer := pinned
	for range bridges {
		var next *x509.Certificate
		for _, b := range bridges {
			if b != signer && b.IsCA && now.After(b.NotBefore) && now.Before(b.NotAfter) && b.CheckSignatureFrom(signer) == nil {
				next = b
				break
			}
		}
		if next == nil {
			break
		}
		if bytes.Equal(next.RawSubjectPublicKeyInfo, ca.RawSubjectPublicKeyInfo) {
			if !sameConstraints(next, ca) {
				break
			}
			return ca, nil
		}
		signer = next
	}
	return nil, ErrPinMismatch
}

// from checks that leaf is a server certificate ca signed, valid now, for names ca
// permits.
func from(leaf, ca *x509.Certificate, now time.Time) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now})
	return err
}

// nameConstraintsOID and extKeyUsageOID are X.509's name constraints and extended key
// usage extensions: together, what an authority may vouch for.
var (
	nameConstraintsOID = asn1.ObjectIdentifier{2, 5, 29, 30}
	extKeyUsageOID     = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// sameConstraints: the bridge certified, marked critical, exactly the name constraints
// the new authority carries, and exactly its extended key usage (or neither has one), so
// whoever holds only the new authority's key cannot get one without them trusted.
func sameConstraints(bridge, ca *x509.Certificate) bool {
	ext := func(c *x509.Certificate, id asn1.ObjectIdentifier) *pkix.Extension {
		for i, e := range c.Extensions {
			if e.Id.Equal(id) {
				return &c.Extensions[i]
			}
		}
		return nil
	}
	b, c := ext(bridge, nameConstraintsOID), ext(ca, nameConstraintsOID)
	if b == nil || c == nil || !b.Critical || !c.Critical || !bytes.Equal(b.Value, c.Value) {
		return false
	}
	b, c = ext(bridge, extKeyUsageOID), ext(ca, extKeyUsageOID)
	return (b == nil && c == nil) || (b != nil && c != nil && b.Critical == c.Critical && bytes.Equal(b.Value, c.Value))
}

// seenCA keeps the authority the last connection's certificate came from.
type seenCA struct {
	mu sync.Mutex
	ca *x509.Certificate
}

func (s *seenCA) set(ca *x509.Certificate) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ca = ca
}

func (s *seenCA) get() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ca
}

// HTTPClient is a client that trusts only the server's pinned authority, for long
// transfers (backups and restores): it has no overall time limit, only one for silence.
func (c Config) HTTPClient() (*http.Client, error) {
	hc, err := pinnedClient(c.CA, c.CAFingerprint, nil)
	if err != nil {
		return nil, err
	}
	t := hc.Transport.(*http.Transport)
	t.ForceAttemptHTTP2 = true
	t.ResponseHeaderTimeout = 2 * time.Minute
	t.MaxIdleConnsPerHost = 8
	hc.Timeout = 0
	return hc, nil
}

// Bearer signs a request in as this device.
func (c Config) Bearer(r *http.Request) { c.bearer(r) }

// Join registers this PC with the server as user, pinning the authority id came with.
func Join(ctx context.Context, id Identity, user, password, deviceName string) (Config, error) {
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.CA.Raw}))
	c := Config{Server: id.Server, CAFingerprint: id.CAFingerprint, CA: caPEM, User: user, DeviceName: deviceName}
	body, _ := json.Marshal(schema.NewDevice{Name: deviceName})
	var d schema.Device
	if err := c.call(ctx, http.MethodPost, "/api/v1/devices", body, &d, func(r *http.Request) { r.SetBasicAuth(user, password) }); err != nil {
		return Config{}, err
	}
	c.User, c.DeviceID, c.Token = d.User, d.ID, d.Token
	return c, nil
}

// Me asks the server who this device is.
func (c Config) Me(ctx context.Context) (schema.Me, error) {
	var me schema.Me
	err := c.call(ctx, http.MethodGet, "/api/v1/me", nil, &me, c.bearer)
	return me, err
}

// Leave removes this device from the server.
func (c Config) Leave(ctx context.Context) error {
	return c.call(ctx, http.MethodDelete, "/api/v1/devices/"+c.DeviceID, nil, nil, c.bearer)
}

// DAV is the address of the server's WebDAV drive.
func (c Config) DAV() string { return c.Server + "/dav/" }

func (c Config) bearer(r *http.Request) { r.Header.Set("Authorization", "Bearer "+c.Token) }

func (c Config) call(ctx context.Context, method, path string, body []byte, out any, auth func(*http.Request)) error {
	return c.callSeen(ctx, method, path, body, out, auth, nil)
}

func (c Config) callSeen(ctx context.Context, method, path string, body []byte, out any, auth func(*http.Request), seen *seenCA) error {
	client, err := pinnedClient(c.CA, c.CAFingerprint, seen)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Server+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if len(body) > 0 {
		// The server takes a body signed in with a password only as JSON, which a page
		// of another website cannot send on its own.
		req.Header.Set("Content-Type", "application/json")
	}
	auth(req)
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrPinMismatch) {
			var pinErr error = ErrPinMismatch
			for e := err; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), "pinned SHA-256") {
					pinErr = e
				}
			}
			return pinErr
		}
		return fmt.Errorf("reach %s: %w", c.Server, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrBadCredentials
	case resp.StatusCode >= 300:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		if e.Error == "" {
			e.Error = resp.Status
		}
		return &ServerError{Status: resp.StatusCode, Msg: e.Error}
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

// ServerError is a refusal or failure the server answered, in its own plain words (Msg),
// so a window can show them as they are.
type ServerError struct {
	Status int
	Msg    string
}

func (e *ServerError) Error() string { return "the server said: " + e.Msg }

// ReportHealth sends what this PC's health probes found; pc is the name its backups go
// under.
func (c Config) ReportHealth(ctx context.Context, pc string, r schema.PCReport) error {
	body, err := json.Marshal(trim(r))
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodPut, "/api/v1/health/pcs/"+url.PathEscape(pc), body, nil, c.bearer)
}

// Health asks the server how the house is, as this PC's user may see it.
func (c Config) Health(ctx context.Context) (schema.Health, error) {
	var h schema.Health
	err := c.call(ctx, http.MethodGet, "/api/v1/health", nil, &h, c.bearer)
	return h, err
}

// LeaveServer removes this PC from the server, stops trusting the server's authority if
// joining had trusted it, and deletes the configuration at path. What could not be done
// along the way (a server out of reach) comes back as notes for the person; the PC leaves
// all the same.
func (c Config) LeaveServer(ctx context.Context, path string) (notes []string, err error) {
	if err := c.Leave(ctx); err != nil {
		// Said to a person (the console's Settings, hearth leave): why it could not be
		// told is Go's text (a network call), and the remedy is the web console's.
		notes = append(notes, "The server could not be told, so it still lists this PC; an administrator can remove it in the server's web console, on its owner's page under Users.")
	}
	if c.TrustedCA != "" {
		trusted := c.TrustedCAPEM
		if trusted == "" {
			trusted = c.CA
		}
		if err := SystemTrustStore().Remove(ctx, c.TrustedCA, []byte(trusted)); err != nil {
			notes = append(notes, fmt.Sprintf("The server's certificate authority is still trusted on this PC: %v", err))
		}
	}
	if err := os.Remove(path); err != nil {
		return notes, fmt.Errorf("forget the server: %w", err)
	}
	return notes, nil
}
