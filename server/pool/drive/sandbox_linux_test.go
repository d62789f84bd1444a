package drive_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
)

// sandboxed makes the test binary refuse system calls as hearthd.service's sandbox does
// on Debian 12 (systemd 252) before its tests run.
const sandboxed = "HEARTH_TEST_SANDBOXED"

func TestMain(m *testing.M) {
	if os.Getenv(sandboxed) != "" {
		if err := sandbox(); err != nil {
			fmt.Fprintln(os.Stderr, "sandbox:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// sandbox installs, in every thread of this process, a seccomp filter with what systemd
// 252's does to the drive's system calls under hearthd.service: openat2 answers ENOSYS
// (RestrictSUIDSGID= cannot inspect its mode), and getxattrat, newer than systemd 252,
// answers EPERM (SystemCallErrorNumber=).
func sandbox() error {
	arch := map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}[runtime.GOARCH]
	if arch == 0 {
		return fmt.Errorf("no seccomp architecture known for %s", runtime.GOARCH)
	}
	filter := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 4}, // seccomp_data.arch
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 1, K: arch},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jf: 1, K: unix.SYS_OPENAT2},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jf: 1, K: unix.SYS_GETXATTRAT},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	// no_new_privs is a thread's: set it on the thread that installs the filter (TSYNC
	// then gives both to every thread).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	r, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	if e != 0 {
		return e
	}
	if r != 0 {
		return fmt.Errorf("thread %d could not take the filter", r)
	}
	return nil
}

// TestLocalInASandbox runs this package's tests again where openat2 and getxattrat are
// refused, as under hearthd.service (and where a kernel before 5.6 or 6.13 lacks them):
// the drive must work, and refuse links and escapes, all the same.
func TestLocalInASandbox(t *testing.T) {
	if os.Getenv(sandboxed) != "" {
		how := unix.OpenHow{Flags: unix.O_RDONLY}
		if fd, err := unix.Openat2(unix.AT_FDCWD, ".", &how); err != unix.ENOSYS {
			unix.Close(fd)
			t.Fatalf("openat2 is not refused: %v", err)
		}
		if _, _, e := unix.Syscall6(unix.SYS_GETXATTRAT, 0, 0, 0, 0, 0, 0); e != unix.EPERM {
			t.Fatalf("getxattrat is not refused: %v", e)
		}
		return
	}
	if testing.Short() {
		testenv.Skip(t, "-short: the package's tests run once")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), sandboxed+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in a sandbox: %v\n%s", err, out)
	}
	want := []string{"--- PASS: TestLocal ", "--- PASS: TestLocal/SymlinksRefused", "--- PASS: TestLocal/HostilePaths", "--- PASS: TestLocalInASandbox"}
	if os.Geteuid() == 0 {
		want = append(want, "--- PASS: TestMountInsideRefused/another_disk", "--- PASS: TestMountInsideRefused/a_folder_of_the_same_disk_bound_in")
	}
	for _, want := range want {
		if !strings.Contains(string(out), want) {
			t.Errorf("in a sandbox, no %q:\n%s", want, out)
		}
	}
}

// TestMountInsideRefused: a disk mounted on a folder inside the drive, or a folder from
// elsewhere bound there, is not the drive; the drive does not reach into it (with
// openat2, and again with the fallback above).
func TestMountInsideRefused(t *testing.T) {
	testenv.NeedRoot(t)
	for _, tc := range []struct {
		name  string
		mount func(t *testing.T, at string) error
	}{
		{"another disk", func(t *testing.T, at string) error { return unix.Mount("tmpfs", at, "tmpfs", 0, "size=1m") }},
		{"a folder of the same disk bound in", func(t *testing.T, at string) error {
			return unix.Mount(t.TempDir(), at, "", unix.MS_BIND, "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d := newLocal(t)
			drivetest.Mkdir(t, d, "Docs", 1)
			drivetest.Mkdir(t, d, "Docs/other", 2)
			mnt := filepath.Join(d.Info().Path, "Shares", "Docs", "other")
			if err := tc.mount(t, mnt); err != nil {
				testenv.Skip(t, "cannot mount: "+err.Error())
			}
			t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
			if err := os.WriteFile(filepath.Join(mnt, "x"), []byte("not the drive"), 0o644); err != nil {
				t.Fatal(err)
			}
			if f, err := d.Open(ctx, "Docs/other/x"); !errors.Is(err, drive.ErrUnsafe) {
				if f != nil {
					f.Close()
				}
				t.Errorf("Open across a mount = %v, want ErrUnsafe", err)
			}
			if err := d.Mkdir(ctx, "Docs/other/dir", time.Now(), 3); !errors.Is(err, drive.ErrUnsafe) {
				t.Errorf("Mkdir across a mount = %v, want ErrUnsafe", err)
			}
		})
	}
}
