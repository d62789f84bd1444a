package installer

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/testenv"
)

// dist is where make installers put the packages.
func dist(t *testing.T) string {
	t.Helper()
	d := os.Getenv("HEARTH_DIST")
	if d == "" {
		testenv.Skip(t, "HEARTH_DIST is not set: run make installers-test")
	}
	return d
}

// deb is the one package of that name and architecture in dist.
func deb(t *testing.T, name, arch string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dist(t), name+"_*_"+arch+".deb"))
	if len(m) != 1 {
		t.Fatalf("want one %s package for %s in %s, found %v", name, arch, dist(t), m)
	}
	return m[0]
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	testenv.NeedTool(t, name)
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestPackagesHoldWhatTheyShould: each package has its architecture and the files a
// running system needs, with the modes they need.
func TestPackagesHoldWhatTheyShould(t *testing.T) {
	for _, tc := range []struct {
		name, arch string
		files      []string // "mode path"
	}{
		{"hearthd", "amd64", []string{"-rwxr-xr-x ./usr/bin/hearthd", "-rw-r--r-- ./lib/systemd/system/hearthd.service",
			"-rw-r--r-- ./usr/lib/sysusers.d/hearthd.conf", "-rw-r--r-- ./usr/share/doc/hearthd/copyright",
			// The connector's installers, which the web console offers.
			"-rw-r--r-- ./usr/share/hearth/connector/hearth-setup-*.exe", "-rw-r--r-- ./usr/share/hearth/connector/hearth_*_amd64.deb",
			"-rw-r--r-- ./usr/share/hearth/connector/Hearth-macos-arm64-*.zip", "-rw-r--r-- ./usr/share/hearth/connector/Hearth-macos-amd64-*.zip"}},
		{"hearthd", "arm64", []string{"-rwxr-xr-x ./usr/bin/hearthd", "-rw-r--r-- ./lib/systemd/system/hearthd.service"}},
		{"hearth", "amd64", []string{"-rwxr-xr-x ./usr/bin/hearth", "-rwxr-xr-x ./usr/bin/hearth-tray", "-rwxr-xr-x ./usr/bin/hearth-console",
			"-rw-r--r-- ./usr/lib/systemd/user/hearth-agent.service", "-rw-r--r-- ./etc/xdg/autostart/hearth-tray.desktop",
			"-rw-r--r-- ./usr/share/applications/hearth-console.desktop", "-rw-r--r-- ./usr/share/icons/hicolor/64x64/apps/hearth.png"}},
	} {
		t.Run(tc.name+"_"+tc.arch, func(t *testing.T) {
			p := deb(t, tc.name, tc.arch)
			if got := strings.TrimSpace(run(t, nil, "dpkg-deb", "-f", p, "Architecture")); got != tc.arch {
				t.Errorf("Architecture %q", got)
			}
			var listed []string
			for l := range strings.Lines(run(t, nil, "dpkg-deb", "-c", p)) {
				f := strings.Fields(l)
				if len(f) >= 6 {
					listed = append(listed, f[0]+" "+f[len(f)-1])
				}
			}
			for _, want := range tc.files {
				if !slices.ContainsFunc(listed, func(l string) bool { ok, _ := path.Match(want, l); return ok }) {
					t.Errorf("no %q in the package:\n%s", want, strings.Join(listed, "\n"))
				}
			}
		})
	}
}

// TestLintian: Debian's checker finds no errors in the packages (its warnings are
// printed; see installer/README.md for those left).
func TestLintian(t *testing.T) {
	pkgs := []string{deb(t, "hearthd", "amd64"), deb(t, "hearthd", "arm64"), deb(t, "hearth", "amd64")}
	testenv.NeedTool(t, "lintian")
	out, err := exec.Command("lintian", append([]string{"--tag-display-limit", "0"}, pkgs...)...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) { // 1: it found errors, listed below
		t.Fatalf("lintian did not run: %v\n%s", err, out)
	}
	for l := range strings.Lines(string(out)) {
		if strings.HasPrefix(l, "E: ") {
			t.Errorf("lintian: %s", strings.TrimSpace(l))
		} else if strings.HasPrefix(l, "W: ") {
			t.Logf("lintian: %s", strings.TrimSpace(l))
		}
	}
}

// throwawayRoot is an empty system root with a dpkg database, for installing into with
// dpkg --root; the host's systemd targets are copied in so units can be verified there.
func throwawayRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "etc", "lib/systemd/system"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, pattern := range []string{"*.target", "*.slice"} {
		m, _ := filepath.Glob(filepath.Join("/lib/systemd/system", pattern))
		for _, src := range m {
			b, err := os.ReadFile(src)
			if err == nil {
				os.WriteFile(filepath.Join(root, "lib/systemd/system", filepath.Base(src)), b, 0o644)
			}
		}
	}
	return root
}

// dpkg runs dpkg on root, with the maintainer scripts run outside a chroot (they are
// written for DPKG_ROOT).
func dpkg(t *testing.T, root string, args ...string) string {
	t.Helper()
	testenv.NeedRoot(t)
	return run(t, nil, "dpkg", append([]string{"--root=" + root, "--force-script-chrootless", "--force-depends", "--log=/dev/null"}, args...)...)
}

// TestServerInstallsAndRemoves: the server's package installs into a throwaway root,
// where its install script makes the hearth system user; its unit passes systemd's
// check there; removing it takes its files and keeps the state, which may hold a drive.
func TestServerInstallsAndRemoves(t *testing.T) {
	root := throwawayRoot(t)
	out := dpkg(t, root, "-i", deb(t, "hearthd", "amd64"))
	t.Logf("dpkg -i:\n%s", out)
	passwd, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if err != nil || !strings.Contains(string(passwd), "hearth:x:") || !strings.Contains(string(passwd), ":/var/lib/hearth:") {
		t.Errorf("no hearth user made by the install: %q %v", passwd, err)
	}
	if out := run(t, []string{"SYSTEMD_LOG_LEVEL=notice"}, "systemd-analyze", "verify", "--man=no", "--root="+root, "hearthd.service"); out != "" {
		t.Errorf("systemd-analyze verify hearthd.service:\n%s", out)
	}
	state := filepath.Join(root, "var/lib/hearth/drives/drive1")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "photo.jpg"), []byte("family"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = dpkg(t, root, "--purge", "hearthd")
	if _, err := os.Stat(filepath.Join(root, "usr/bin/hearthd")); !os.IsNotExist(err) {
		t.Errorf("after purge, hearthd is still there: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(state, "photo.jpg")); err != nil || string(b) != "family" {
		t.Errorf("purge took the family's file in the first drive: %q %v\n%s", b, err, out)
	}
}

// TestConnectorUnitsAndEntries: the connector's user unit passes systemd's check (with
// its program pointed at the packaged one), its desktop entries pass
// desktop-file-validate, and its install script enables the agent for every user.
func TestConnectorUnitsAndEntries(t *testing.T) {
	root := throwawayRoot(t)
	dpkg(t, root, "-i", deb(t, "hearth", "amd64"))
	if _, err := os.Lstat(filepath.Join(root, "etc/systemd/user/default.target.wants/hearth-agent.service")); err != nil {
		t.Errorf("the agent is not enabled for every user: %v", err)
	}
	unit, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/user/hearth-agent.service"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	moved := strings.ReplaceAll(string(unit), "ExecStart=/usr/bin/", "ExecStart="+root+"/usr/bin/")
	if err := os.WriteFile(filepath.Join(dir, "hearth-agent.service"), []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	runtime := t.TempDir()
	if out := run(t, []string{"SYSTEMD_LOG_LEVEL=notice", "XDG_RUNTIME_DIR=" + runtime}, "systemd-analyze", "--user", "verify", "--man=no", filepath.Join(dir, "hearth-agent.service")); out != "" {
		t.Errorf("systemd-analyze --user verify hearth-agent.service:\n%s", out)
	}
	for _, entry := range []string{"etc/xdg/autostart/hearth-tray.desktop", "usr/share/applications/hearth-console.desktop"} {
		if out := run(t, nil, "desktop-file-validate", filepath.Join(root, entry)); out != "" {
			t.Errorf("desktop-file-validate %s:\n%s", entry, out)
		}
	}
	dpkg(t, root, "--purge", "hearth")
	if _, err := os.Lstat(filepath.Join(root, "etc/systemd/user/default.target.wants/hearth-agent.service")); !os.IsNotExist(err) {
		t.Errorf("after removal, the agent is still enabled: %v", err)
	}
}

// TestWindowsInstaller: the NSIS installer holds the connector's programs and its
// uninstaller (as 7-Zip lists it), and the installer and the programs in it are signed
// with the certificate make installers-test gave.
func TestWindowsInstaller(t *testing.T) {
	m, _ := filepath.Glob(filepath.Join(dist(t), "hearth-setup-*.exe"))
	if len(m) != 1 {
		t.Fatalf("want one Windows installer in %s, found %v", dist(t), m)
	}
	setup := m[0]
	listing := run(t, nil, "7z", "l", setup)
	// 7-Zip names the uninstaller's data "uninstall.exe.nsis" in a signed installer.
	for _, want := range []string{`hearth\.exe`, `hearthw\.exe`, `hearth-tray\.exe`, `hearth-console\.exe`, `hearth\.ico`, `uninstall\.exe(\.nsis)?`} {
		if !regexp.MustCompile(`(?m)\s` + want + `$`).MatchString(listing) {
			t.Errorf("no %s in the installer:\n%s", want, listing)
		}
	}
	cert := os.Getenv("HEARTH_SIGN_CERT")
	if cert == "" {
		testenv.Skip(t, "HEARTH_SIGN_CERT is not set: run make installers-test")
	}
	out := t.TempDir()
	run(t, nil, "7z", "x", "-o"+out, setup, "hearth.exe", "hearth-console.exe")
	for _, exe := range []string{setup, filepath.Join(out, "hearth.exe"), filepath.Join(out, "hearth-console.exe")} {
		if v := run(t, nil, "osslsigncode", "verify", "-CAfile", cert, "-in", exe); !strings.Contains(v, "Signature verification: ok") {
			t.Errorf("%s is not signed:\n%s", filepath.Base(exe), v)
		}
	}
}

// TestMacBundles: each zip holds Hearth.app with the hearth command built for its
// architecture, an Info.plist that Python's plistlib reads as a menu-bar app, and an
// icon file whose image decodes.
func TestMacBundles(t *testing.T) {
	for arch, cpu := range map[string]macho.Cpu{"arm64": macho.CpuArm64, "amd64": macho.CpuAmd64} {
		t.Run(arch, func(t *testing.T) {
			m, _ := filepath.Glob(filepath.Join(dist(t), "Hearth-macos-"+arch+"-*.zip"))
			if len(m) != 1 {
				t.Fatalf("want one macOS zip for %s in %s, found %v", arch, dist(t), m)
			}
			out := t.TempDir()
			run(t, nil, "unzip", "-q", m[0], "-d", out)
			app := filepath.Join(out, "Hearth.app", "Contents")
			f, err := macho.Open(filepath.Join(app, "MacOS", "hearth"))
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			if f.Cpu != cpu {
				t.Errorf("hearth is built for %v", f.Cpu)
			}
			plist := run(t, nil, "python3", "-c", `import plistlib, sys, json
p = plistlib.load(open(sys.argv[1], "rb"))
print(json.dumps([p["CFBundleIdentifier"], p["CFBundleExecutable"], p["CFBundleIconFile"], p["LSUIElement"], p["CFBundlePackageType"], p["CFBundleVersion"]]))`,
				filepath.Join(app, "Info.plist"))
			if !regexp.MustCompile(`^\["home.hearth.connector", "hearth-tray", "hearth.icns", true, "APPL", "[0-9]+(\.[0-9]+){0,2}"\]$`).MatchString(strings.TrimSpace(plist)) {
				t.Errorf("Info.plist: %s", plist)
			}
			// The app opens its tray; a zip built off a Mac, without it, says so in its name.
			_, err = os.Stat(filepath.Join(app, "MacOS", "hearth-tray"))
			if cliOnly := strings.HasSuffix(m[0], "-cli-only.zip"); cliOnly != os.IsNotExist(err) {
				t.Errorf("%s: the tray %v", filepath.Base(m[0]), err)
			}
			icns, err := os.ReadFile(filepath.Join(app, "Resources", "hearth.icns"))
			if err != nil {
				t.Fatal(err)
			}
			if len(icns) < 16 || string(icns[:4]) != "icns" || int(binary.BigEndian.Uint32(icns[4:8])) != len(icns) || string(icns[8:12]) != "icp6" {
				t.Fatalf("hearth.icns has no icp6 entry: % x", icns[:min(16, len(icns))])
			}
			img, err := png.Decode(bytes.NewReader(icns[16:]))
			if err != nil || img.Bounds().Dx() != 64 {
				t.Errorf("the icon's image: %v %v", img, err)
			}
		})
	}
}
