package upload_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/paths"
)

// hearthd is a real hearthd process on a state folder.
type hearthd struct {
	t     *testing.T
	bin   string
	state string
	cmd   *exec.Cmd
	url   string
}

var servedAt = regexp.MustCompile(`webdav=https://[^ ]*:(\d+)/dav/`)

// start runs the binary and waits until it says where it serves.
func (h *hearthd) start() {
	h.t.Helper()
	h.cmd = exec.Command(h.bin, "-state", h.state, "run", "-listen", "127.0.0.1:0", "-http", "off", "-announce=false", "-media", "127.0.0.1:0", "-connectors", h.t.TempDir())
	h.cmd.Env = append(os.Environ(), "HEARTH_NO_MOUNT_SCAN=1")
	out, err := h.cmd.StderrPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := servedAt.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
		close(port)
	}()
	select {
	case p, ok := <-port:
		if !ok {
			h.t.Fatal("hearthd ended before it served")
		}
		h.url = "https://127.0.0.1:" + p
	case <-time.After(time.Minute):
		h.t.Fatal("hearthd did not start within a minute")
	}
}

// kill ends it at once, as a power cut ends a program (the page cache stays: what this
// shows is that the server's own state survives being killed mid-request).
func (h *hearthd) kill() {
	h.t.Helper()
	h.cmd.Process.Signal(syscall.SIGKILL)
	h.cmd.Wait()
}

func (h *hearthd) client() *tusClient {
	pem, err := os.ReadFile(filepath.Join(paths.TLS(h.state), "ca.crt"))
	if err != nil {
		h.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	return &tusClient{t: h.t, base: h.url, c: c, auth: func(r *http.Request) { r.SetBasicAuth("ann", annPW) }}
}

// slowBody gives its data in small pieces with pauses, counting what it gave.
type slowBody struct {
	data []byte
	sent atomic.Int64
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(5 * time.Millisecond)
	n := copy(p[:min(len(p), 64<<10)], b.data)
	b.data = b.data[n:]
	b.sent.Add(int64(n))
	return n, nil
}

// TestKilledMidUpload: the real hearthd binary is killed (SIGKILL) while a chunk is
// arriving; started again, it answers the offset it acknowledged (or more), the partial
// file is not seen, and the upload goes on to a whole file.
func TestKilledMidUpload(t *testing.T) {
	dir := t.TempDir()
	h := &hearthd{t: t, bin: filepath.Join(dir, "hearthd"), state: filepath.Join(dir, "state")}
	build := exec.Command("go", "build", "-o", h.bin, "github.com/hearth-home/hearth/server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hearthd: %v\n%s", err, out)
	}
	h.start()
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			h.kill()
		}
	})
	ctx := context.Background()
	var ac *admin.Client
	var err error
	for i := 0; ; i++ { // the control socket comes up beside the web server
		if ac, err = admin.Dial(ctx, paths.Socket(h.state)); err == nil {
			break
		}
		if i == 200 {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := ac.AddUser(ctx, "ann", annPW, false); err != nil {
		t.Fatal(err)
	}
	c := h.client()
	data := pattern(24 << 20)
	p := c.create("Public", "killed.bin", int64(len(data)))
	c.send(p, data[:8<<20], 4<<20)
	acked := c.offset(p)

	body := &slowBody{data: data[acked:]}
	req, _ := http.NewRequest("PATCH", c.base+p, body)
	req.ContentLength = int64(len(data)) - acked
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(acked, 10))
	c.auth(req)
	done := make(chan error, 1)
	go func() {
		resp, err := c.c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for body.sent.Load() < 2<<20 {
		time.Sleep(10 * time.Millisecond)
	}
	h.kill()
	if err := <-done; err == nil {
		t.Fatal("the request was answered although the server was killed")
	}

	h.start()
	c = h.client()
	held := c.offset(p)
	if held < acked || held >= int64(len(data)) {
		t.Fatalf("after kill -9 and a start the server holds %d bytes; %d were acknowledged", held, acked)
	}
	if resp := c.do("GET", "/dav/Public/killed.bin", nil); resp.status != 404 {
		t.Fatalf("the partial file is served: %d", resp.status)
	}
	c.send(p, data, 4<<20)
	if a := c.do("GET", "/dav/Public/killed.bin", nil); a.status != 200 || a.body != string(data) {
		t.Fatalf("the file after the resumed upload: %d, %d bytes", a.status, len(a.body))
	}
	t.Logf("killed with %d acknowledged; the server came back holding %d", acked, held)
}
