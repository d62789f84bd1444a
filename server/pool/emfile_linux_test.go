package pool_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// Running out of file descriptors (2,000 slow connections) is the server's problem: the
// drives' checks fail with EMFILE meanwhile, and must not mark them missing.
func TestOutOfDescriptorsKeepsDrives(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/a", []byte("hello"))
	e.Run()

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var held []*os.File
	release := func() {
		for _, f := range held {
			f.Close()
		}
		held = nil
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	defer release()
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errorsIsEMFILE(err) {
				t.Fatalf("filling the descriptor table: %v", err)
			}
			break
		}
		held = append(held, f)
	}
	time.Sleep(20 * pooltest.CheckEvery) // many checks fail with EMFILE meanwhile
	release()
	for _, d := range e.Drives {
		if s := e.DriveState(d); s != pool.StateActive {
			t.Errorf("drive %s is %s after the server ran short of descriptors; want active", d, s)
		}
	}
	if got := string(e.Get("Docs/a")); got != "hello" {
		t.Errorf("read %q", got)
	}
}

func errorsIsEMFILE(err error) bool {
	pe, ok := err.(*os.PathError)
	return ok && pe.Err == syscall.EMFILE
}
