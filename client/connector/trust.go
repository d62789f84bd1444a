package connector

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/hearth-home/hearth/internal/calimit"
)

// TrustStore puts a server's CA where this PC's programs look for trusted authorities, so
// the file manager opens the drive without warnings.
type TrustStore struct {
	// LocalDir and Update are the Debian/Ubuntu way: a folder of local CAs and the command
	// that rebuilds the system bundle from it. Tests point them at temporary folders.
	LocalDir string
	Update   []string
}

// SystemTrustStore is this PC's own.
func SystemTrustStore() TrustStore {
	return TrustStore{LocalDir: "/usr/local/share/ca-certificates", Update: []string{"update-ca-certificates"}}
}

func (s TrustStore) file(name string) string {
	return filepath.Join(s.LocalDir, "hearth-"+name+".crt")
}

// Add trusts caPEM under name (the short form of its fingerprint).
func (s TrustStore) Add(ctx context.Context, name string, caPEM []byte) error {
	switch runtime.GOOS {
	case "linux":
		if err := os.WriteFile(s.file(name), caPEM, 0o644); err != nil {
			return fmt.Errorf("add the server's certificate authority (this needs root: sudo): %w", err)
		}
		return run(ctx, s.Update...)
	case "darwin":
		return withTemp(caPEM, func(p string) error {
			// -p ssl: trusted for TLS only, besides the CA's own extended key usage.
			return run(ctx, "security", "add-trusted-cert", "-d", "-r", "trustRoot", "-p", "ssl", "-k", "/Library/Keychains/System.keychain", p)
		})
	case "windows":
		return withTemp(caPEM, func(p string) error { return run(ctx, "certutil", "-addstore", "-f", "Root", p) })
	}
	return fmt.Errorf("adding a trusted authority on %s is not supported yet", runtime.GOOS)
}

// Remove stops trusting the CA added under name.
func (s TrustStore) Remove(ctx context.Context, name string, caPEM []byte) error {
	switch runtime.GOOS {
	case "linux":
		if err := os.Remove(s.file(name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove the server's certificate authority (this needs root: sudo): %w", err)
		}
		return run(ctx, append(s.Update, "--fresh")...)
	case "darwin":
		return withTemp(caPEM, func(p string) error { return run(ctx, "security", "remove-trusted-cert", "-d", p) })
	case "windows":
		// certutil names a certificate by its SHA-1 thumbprint (not by the SHA-256 name
		// it was added under).
		block, _ := pem.Decode(caPEM)
		if block == nil {
			return errors.New("the certificate authority to remove is damaged")
		}
		return run(ctx, "certutil", "-delstore", "Root", fmt.Sprintf("%x", sha1.Sum(block.Bytes)))
	}
	return fmt.Errorf("removing a trusted authority on %s is not supported yet", runtime.GOOS)
}

func run(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func withTemp(b []byte, fn func(string) error) error {
	f, err := os.CreateTemp("", "hearth-ca-*.crt")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return fn(f.Name())
}

// TrustName is the short name a CA is kept under: the start of its fingerprint.
func TrustName(fingerprint string) string {
	h := strings.ToLower(strings.ReplaceAll(fingerprint, ":", ""))
	return h[:min(16, len(h))]
}

// Limited says whether a server's CA vouches only for web servers at the server's own
// and private names and addresses (calimit.Limited), so trusting it trusts it for those
// only. A CA made before hearthd limited them could vouch for any web site, mail address
// or program, and is not added to a trust store.
func Limited(ca *x509.Certificate) bool {
	return calimit.Limited(ca, nil, nil) == nil
}
