// Package s3test runs a real S3 server for tests: versitygw with its posix backend in a
// temporary folder, on a free loopback port, stopped and removed when the test ends.
// make deps builds versitygw into bin/ from its own tools-only module
// (tools/versitygw), which keeps its heavy dependencies out of Hearth's go.mod.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Server is a running versitygw.
type Server struct {
	Endpoint             string // host:port, plain HTTP
	AccessKey, SecretKey string
	Dir                  string // the posix backend's folder: one subfolder per bucket
	client               *minio.Client
	buckets              atomic.Int64
}

// Binary returns the path of versitygw: $HEARTH_VERSITYGW, or bin/versitygw at the top
// of the source tree, where make deps builds it.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("HEARTH_VERSITYGW"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "versitygw", "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "versitygw")
			if _, err := os.Stat(p); err != nil {
				testenv.Skip(t, "versitygw is not built (make deps builds it into bin/)")
			}
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			testenv.Skip(t, "versitygw not found: the tests do not run in Hearth's source tree")
		}
		dir = up
	}
}

// Start runs versitygw until the end of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{AccessKey: "hearth-test", SecretKey: randomHex(t, 16), Dir: t.TempDir()}
	// A port found free may be taken by someone else before versitygw binds it: try
	// again with another.
	var last error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if last = s.run(t, bin, port); last == nil {
			break
		}
	}
	if last != nil {
		t.Fatalf("start versitygw: %v", last)
	}
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	s.client = c
	return s
}

// run starts versitygw on port and waits until it answers, or fails if it exits.
func (s *Server) run(t testing.TB, bin string, port int) error {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	log, err := os.CreateTemp(t.TempDir(), "versitygw-*.log")
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "--port", addr, "--access", s.AccessKey, "--secret", s.SecretKey, "--quiet", "posix", s.Dir)
	cmd.Stdout, cmd.Stderr = log, log
	// Nothing of this machine's AWS settings (AWS_CA_BUNDLE, profiles, keys) may reach
	// the server: the test sets everything it needs.
	cmd.Env = cleanEnv()
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("versitygw exited (%v): %s", err, strings.TrimSpace(string(out)))
		default:
		}
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break // any answer, even "access denied", means it serves
		}
		if time.Now().After(deadline) {
			stop()
			return errors.New("versitygw did not answer within 30 seconds")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Endpoint = addr
	t.Cleanup(stop)
	return nil
}

// cleanEnv is the environment without the variables the AWS tools read.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "VGW_") && !strings.HasPrefix(kv, "ROOT_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Bucket makes a new empty bucket and returns its name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("hearth-test-%d", s.buckets.Add(1))
	if err := s.client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
	return name
}
