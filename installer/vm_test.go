package installer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
)

// The test machine: Debian 12 with systemd, booted under QEMU. Its disk is made once
// with debootstrap and kept in the cache; each run boots it with -snapshot, so nothing
// a run does stays.
const (
	vmSuite    = "bookworm"
	vmPackages = "systemd,systemd-sysv,udev,dbus,linux-image-cloud-amd64,initramfs-tools,smartmontools"
	vmMirror   = "http://deb.debian.org/debian"
)

// The machine runs the payload disk's run.sh at boot, its output on the second serial
// port, and powers off when it ends.
const vmUnit = `[Unit]
Description=Hearth package test
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'mkdir -p /payload && mount -o ro /dev/vdb /payload && /payload/run.sh >/dev/ttyS1 2>&1'
ExecStopPost=/bin/systemctl poweroff --no-block

[Install]
WantedBy=multi-user.target
`

// vmImage returns the machine's disk, kernel and initrd, made if the cache lacks them.
func vmImage(t *testing.T) (disk, kernel, initrd string) {
	t.Helper()
	testenv.NeedRoot(t)
	for _, tool := range []string{"debootstrap", "qemu-system-x86_64", "mke2fs"} {
		testenv.NeedTool(t, tool)
	}
	cache := os.Getenv("HEARTH_VM_CACHE")
	if cache == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(c, "hearth-test")
	}
	// Named by what goes into it, so a changed package list or unit makes a new one.
	sum := sha256.Sum256([]byte(vmPackages + vmMirror + vmUnit))
	dir := filepath.Join(cache, fmt.Sprintf("vm-%s-%x", vmSuite, sum[:6]))
	disk, kernel, initrd = filepath.Join(dir, "disk.img"), filepath.Join(dir, "vmlinuz"), filepath.Join(dir, "initrd.img")
	if _, err := os.Stat(disk); err == nil {
		return disk, kernel, initrd
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	root := filepath.Join(tmp, "root")
	t.Logf("making the test machine's disk in %s (debootstrap, a few minutes, once)", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+vmPackages, vmSuite, root, vmMirror)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("debootstrap: %v\n%s", err, tail(out))
	}
	writeFile(t, filepath.Join(root, "etc", "hostname"), []byte("hearth-test\n"))
	writeFile(t, filepath.Join(root, "etc", "systemd", "system", "hearth-test.service"), []byte(vmUnit))
	if err := os.Symlink("/etc/systemd/system/hearth-test.service", filepath.Join(root, "etc", "systemd", "system", "multi-user.target.wants", "hearth-test.service")); err != nil {
		t.Fatal(err)
	}
	for name, glob := range map[string]string{"vmlinuz": "vmlinuz-*", "initrd.img": "initrd.img-*"} {
		m, _ := filepath.Glob(filepath.Join(root, "boot", glob))
		if len(m) != 1 {
			t.Fatalf("want one %s in the machine, found %v", glob, m)
		}
		if err := os.Rename(m[0], filepath.Join(tmp, name)); err != nil {
			t.Fatal(err)
		}
	}
	run(t, nil, "mke2fs", "-q", "-t", "ext4", "-d", root, filepath.Join(tmp, "disk.img"), "3G")
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(cache, "vm-*"))
	for _, o := range old {
		if o != dir {
			os.RemoveAll(o) // an earlier machine's disk, half a gigabyte
		}
	}
	return disk, kernel, initrd
}

// bootVM boots the machine with the files as its payload disk and returns the
// "key value" lines run.sh printed.
func bootVM(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	disk, kernel, initrd := vmImage(t)
	work := t.TempDir()
	payload := filepath.Join(work, "payload")
	for name, from := range files {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(payload, name), b)
		os.Chmod(filepath.Join(payload, name), 0o755)
	}
	run(t, nil, "mke2fs", "-q", "-t", "ext4", "-d", payload, filepath.Join(work, "payload.img"), "256M")
	results := filepath.Join(work, "results.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", "-m", "1024", "-smp", "2", "-nographic", "-no-reboot",
		"-monitor", "none", "-nic", "none", "-snapshot",
		"-kernel", kernel, "-initrd", initrd, "-append", "root=/dev/vda rw console=ttyS0 panic=-1",
		"-drive", "file="+disk+",format=raw,if=virtio",
		"-drive", "file="+filepath.Join(work, "payload.img")+",format=raw,if=virtio",
		"-serial", "file:"+filepath.Join(work, "console.txt"), "-serial", "file:"+results)
	out, err := cmd.CombinedOutput()
	console, _ := os.ReadFile(filepath.Join(work, "console.txt"))
	if err != nil {
		t.Fatalf("qemu: %v\n%s\nconsole:\n%s", err, out, tail(console))
	}
	f, err := os.Open(results)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, _ := strings.Cut(strings.TrimRight(s.Text(), "\r"), " ")
		if k == "log" {
			got[k] += v + "\n"
		} else {
			got[k] = v
		}
	}
	if got["done"] != "yes" {
		t.Fatalf("the machine's test did not finish:\n%v\nconsole:\n%s", got, tail(console))
	}
	return got
}

// tail is the end of a long output, enough to see why it failed.
func tail(b []byte) string {
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// TestServerPackageOnARealSystem installs the server's package on Debian 12 booted with
// systemd, as 'apt install' would: the server starts as the hearth user inside its
// sandbox and answers, the install shows the setup link, a disk under /mnt is added and
// a file stored on both drives; installing again (an upgrade) restarts it and keeps the
// file; a server stopped on purpose stays stopped; removal stops it, and installing
// again starts it with the file still there; purge keeps the state and the disks.
func TestServerPackageOnARealSystem(t *testing.T) {
	got := bootVM(t, map[string]string{"run.sh": "testdata/vm-run.sh", filepath.Base(deb(t, "hearthd", "amd64")): deb(t, "hearthd", "amd64")})
	want := []struct{ key, value, why string }{
		{"install.rc", "0", "dpkg -i"},
		{"install.link", "yes", "the install shows the one-time setup link"},
		{"install.enabled", "enabled", "started at boot"},
		{"install.active", "active", "running after the install"},
		{"install.answers", "yes", "answering on its socket"},
		{"user", "hearth", "the hearth system user"},
		{"statedir", "hearth:hearth:700", "its state folder, private to the server (issue 17)"},
		{"driveadd.rc", "0", "a disk under /mnt added (the sandbox lets it write there)"},
		{"put.rc", "0", "a file stored"},
		{"put.copies", "2", "the file on both drives"},
		{"upgrade.rc", "0", "installing again"},
		{"upgrade.active", "active", "running after an upgrade"},
		{"upgrade.file", "same", "the file after an upgrade"},
		{"stopped.active", "inactive", "a server stopped on purpose stays stopped through an upgrade"},
		{"stopped.enabled", "enabled", "and stays enabled"},
		{"remove.rc", "0", "dpkg -r"},
		{"remove.active", "inactive", "stopped on removal"},
		{"remove.marker", "yes", "removal remembers to start it again"},
		{"remove.program", "gone", "the program removed"},
		{"reinstall.rc", "0", "installing after removal"},
		{"reinstall.enabled", "enabled", "enabled again"},
		{"reinstall.active", "active", "running again"},
		{"reinstall.file", "same", "the file after removal and reinstall"},
		{"purge.rc", "0", "dpkg -P"},
		{"purge.program", "gone", "the program purged"},
		{"purge.state", "kept", "purge keeps the state and the first drive"},
		{"purge.disk", "kept", "purge keeps the added disk's files"},
	}
	failed := false
	for _, w := range want {
		if got[w.key] != w.value {
			t.Errorf("%s: %s is %q, want %q", w.why, w.key, got[w.key], w.value)
			failed = true
		}
	}
	if got["upgrade.pid"] == got["install.pid"] {
		t.Errorf("the upgrade did not restart the server (pid %s before and after)", got["install.pid"])
		failed = true
	}
	if failed {
		t.Logf("what the machine printed:\n%s", got["log"])
	}
}
