package discovery

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
)

// TestAvahiSees: avahi, the mDNS stack of Linux desktops (and so of GNOME Files), sees
// both services with their TXT records. avahi runs in a namespace of its own, on a D-Bus
// of its own, so the machine's are not touched.
func TestAvahiSees(t *testing.T) {
	testenv.NeedRoot(t)
	for _, tool := range []string{"ip", "avahi-daemon", "avahi-browse", "dbus-daemon"} {
		testenv.NeedTool(t, tool)
	}
	a, b := vethPair(t, "hze", "hzf", "10.81.0.1/24", "10.81.0.2/24")
	dir := t.TempDir()
	bus := filepath.Join(dir, "bus")
	os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=`+bus+`</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>`), 0o644)
	os.WriteFile(filepath.Join(dir, "avahi.conf"), []byte("[server]\nuse-ipv6=no\nallow-interfaces=vb\nenable-dbus=yes\n[publish]\ndisable-publishing=yes\n"), 0o644)
	busd := exec.Command("ip", "netns", "exec", b, "dbus-daemon", "--config-file="+filepath.Join(dir, "bus.conf"), "--nofork")
	if err := busd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busd.Process.Kill(); busd.Wait() })
	env := "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + bus
	for i := 0; ; i++ { // wait for the bus
		if _, err := os.Stat(bus); err == nil {
			break
		}
		if i > 100 {
			t.Fatal("the test's D-Bus did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	avahi := exec.Command("ip", "netns", "exec", b, "env", env, "avahi-daemon", "-f", filepath.Join(dir, "avahi.conf"),
		"--no-drop-root", "--no-chroot", "--no-rlimits", "--no-proc-title")
	if err := avahi.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { avahi.Process.Kill(); avahi.Wait() })
	adv := helper(a, "HEARTH_DISCOVERY_ADVERTISE=va")
	if err := adv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { adv.Process.Kill(); adv.Wait() })
	browse := func(service string) string {
		var out []byte
		for i := 0; i < 20; i++ { // avahi takes a moment to come up on its bus
			out, _ = exec.Command("ip", "netns", "exec", b, "env", env, "avahi-browse", "-t", "-r", "-p", service).CombinedOutput()
			if strings.Contains(string(out), "\n=;") || strings.HasPrefix(string(out), "=;") {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		return string(out)
	}
	if out := browse("_hearth._tcp"); !strings.Contains(out, "Family\\032Server") || !strings.Contains(out, "10.81.0.1;8443") ||
		!strings.Contains(out, `"fp=`+testInfo.Fingerprint+`"`) || !strings.Contains(out, `"id=pool-1234"`) {
		t.Errorf("avahi-browse _hearth._tcp:\n%s", out)
	}
	if out := browse("_webdavs._tcp"); !strings.Contains(out, `"path=/dav/"`) || !strings.Contains(out, "10.81.0.1;8443") {
		t.Errorf("avahi-browse _webdavs._tcp:\n%s", out)
	}
}
