package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"github.com/hearth-home/hearth/bench/internal/proc"
	"math/big"
	"net"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type tlsFiles struct{ cert, key string }

// makeCert makes a self-signed certificate for Apache and rclone (Hearth makes its own).
func makeCert(dir string) tlsFiles {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	check(err)
	kder, err := x509.MarshalECPrivateKey(key)
	check(err)
	t := tlsFiles{filepath.Join(dir, "bench.crt"), filepath.Join(dir, "bench.key")}
	check(os.WriteFile(t.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	check(os.WriteFile(t.key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o644))
	return t
}

func startHearth(dir string, _ tlsFiles) *server {
	bin := filepath.Join(dir, "hearthd")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	check(build.Run())
	state := filepath.Join(dir, "hearth")
	port, err := proc.FreePort()
	check(err)
	run := func() *exec.Cmd {
		cmd := exec.Command(bin, "-state", state, "run", "-listen", fmt.Sprintf("127.0.0.1:%d", port), "-http", "off", "-announce=false", "-media", "127.0.0.1:0")
		log, err := os.Create(filepath.Join(dir, "hearthd.log"))
		check(err)
		cmd.Stdout, cmd.Stderr = log, log
		check(cmd.Start())
		waitUp(fmt.Sprintf("https://127.0.0.1:%d/", port))
		return cmd
	}
	hearthd := func(stdin string, args ...string) string {
		cmd := exec.Command(bin, append([]string{"-state", state}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			panic(fmt.Sprintf("hearthd %v: %v\n%s", args, err, out))
		}
		return string(out)
	}
	cmd := run()
	hearthd(pass+"\n", "setup", "-name", user)
	hearthd("", "file", "mkdir", user+"/many")
	// A device token signs in without argon2id, whose 64 MiB would hide the PROPFIND's
	// own memory use.
	token := strings.Fields(hearthd("", "user", "token", user))[0]
	// A second drive on the same disk and a share that keeps two copies, for the PUT
	// with duplication.
	check(os.MkdirAll(filepath.Join(dir, "drive2"), 0o755))
	hearthd("", "drive", "add", filepath.Join(dir, "drive2"))
	hearthd("", "share", "set", user, "-copies", "1") // auto would be 2 now
	hearthd("", "share", "add", "Twice", "-copies", "2", "-access", user+"=full")
	stopCmd(cmd)
	// The many files are put on the drive by hand and indexed by a rebuild, which is
	// quicker than uploading them one by one.
	fillMany(filepath.Join(state, "drives", "drive1", "Shares", user, "many"), *many)
	hearthd("", "pool", "rebuild")
	cmd = run()
	return &server{name: "hearth", pass: token, url: fmt.Sprintf("https://127.0.0.1:%d/dav/%s/", port, user),
		twice: fmt.Sprintf("https://127.0.0.1:%d/dav/Twice/", port),
		pids:  func() []int { return []int{cmd.Process.Pid} }, stop: func() { stopCmd(cmd) }}
}

func startApache(dir string, certs tlsFiles) *server {
	root := filepath.Join(dir, "apache")
	docs := filepath.Join(root, "docs")
	check(os.MkdirAll(filepath.Join(root, "lock"), 0o755))
	fillMany(filepath.Join(docs, "many"), *many)
	sum := sha1.Sum([]byte(pass))
	check(os.WriteFile(filepath.Join(root, "htpasswd"), []byte(user+":{SHA}"+base64.StdEncoding.EncodeToString(sum[:])+"\n"), 0o644))
	port, err := proc.FreePort()
	check(err)
	mods := "/usr/lib/apache2/modules/"
	var b strings.Builder
	for _, m := range []string{"mpm_event", "authz_core", "authn_core", "authn_file", "auth_basic", "authz_user", "alias", "dav", "dav_fs", "ssl", "socache_shmcb"} {
		fmt.Fprintf(&b, "LoadModule %s_module %smod_%s.so\n", m, mods, m)
	}
	fmt.Fprintf(&b, `ServerName localhost
Listen 127.0.0.1:%d
PidFile %s/httpd.pid
ErrorLog %s/error.log
DocumentRoot %s
DAVLockDB %s/lock/DAVLock
LimitRequestBody 0
SSLEngine on
SSLCertificateFile %s
SSLCertificateKeyFile %s
Alias /dav/ %s/
<Directory %s>
  DAV On
  AuthType Basic
  AuthName bench
  AuthUserFile %s/htpasswd
  Require valid-user
</Directory>
`, port, root, root, docs, root, certs.cert, certs.key, docs, docs, root)
	if os.Geteuid() == 0 {
		b.WriteString("User www-data\nGroup www-data\n")
		u, err := osuser.Lookup("www-data")
		check(err)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, uid, gid) })
	}
	conf := filepath.Join(root, "httpd.conf")
	check(os.WriteFile(conf, []byte(b.String()), 0o644))
	cmd := exec.Command("/usr/sbin/apache2", "-f", conf, "-DFOREGROUND")
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	waitUp(fmt.Sprintf("https://127.0.0.1:%d/", port))
	return &server{name: "apache", pass: pass, url: fmt.Sprintf("https://127.0.0.1:%d/dav/", port),
		pids: func() []int { return proc.Children(cmd.Process.Pid) }, stop: func() { stopCmd(cmd) }}
}

func startRclone(dir string, certs tlsFiles) *server {
	root := filepath.Join(dir, "rclone")
	fillMany(filepath.Join(root, "many"), *many)
	port, err := proc.FreePort()
	check(err)
	cmd := exec.Command("rclone", "serve", "webdav", root, "--config", "/dev/null", "--addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--user", user, "--pass", pass, "--cert", certs.cert, "--key", certs.key, "--baseurl", "/dav")
	cmd.Stderr = os.Stderr
	check(cmd.Start())
	waitUp(fmt.Sprintf("https://127.0.0.1:%d/dav/", port))
	return &server{name: "rclone", pass: pass, url: fmt.Sprintf("https://127.0.0.1:%d/dav/", port),
		pids: func() []int { return []int{cmd.Process.Pid} }, stop: func() { stopCmd(cmd) }}
}

func stopCmd(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
