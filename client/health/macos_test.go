package health

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
)

func TestMacFirewallVerdict(t *testing.T) {
	for _, tc := range []struct {
		file  string
		state string
		say   string
	}{
		{"macos/socketfilterfw-on.txt", schema.Good, "The firewall is on."},
		{"macos/socketfilterfw-block-all.txt", schema.Good, "The firewall is on and blocks all incoming connections."},
		{"macos/socketfilterfw-off.txt", schema.Warning, "The firewall is off. Turn it on in System Settings > Network > Firewall."},
		{"macos/socketfilterfw-managed.txt", schema.Unknown, "Hearth could not read the firewall setting: your organization manages this Mac's firewall."},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want := firewallCheck(tc.state, tc.say)
			if diff := cmp.Diff(want, macFirewallVerdict(testdata(t, tc.file))); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileVaultVerdict(t *testing.T) {
	for _, tc := range []struct {
		file  string
		state string
		say   string
	}{
		{"macos/fdesetup-on.txt", schema.Good, "FileVault is on: the files on this Mac are encrypted."},
		{"macos/fdesetup-off.txt", schema.Warning, "FileVault is off, so anyone who takes this Mac could read its files. " +
			"Turn it on in System Settings > Privacy & Security > FileVault."},
		{"macos/fdesetup-encrypting.txt", schema.Good, "FileVault is turning on (42.5% done). The files on this Mac will be encrypted when it is done."},
		{"macos/fdesetup-encrypting-pending.txt", schema.Good, "FileVault is turning on (it continues when the Mac is plugged in). " +
			"The files on this Mac will be encrypted when it is done."},
		{"macos/fdesetup-decrypting.txt", schema.Warning, "FileVault is being turned off (73% done), so this Mac's files will no longer be encrypted. " +
			"If that was not meant, turn it back on in System Settings > Privacy & Security > FileVault."},
		{"macos/fdesetup-deferred.txt", schema.Warning, "FileVault will turn on the next time you log out. Log out and back in to finish."},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want := fileVaultCheck(tc.state, tc.say)
			if diff := cmp.Diff(want, fileVaultVerdict(testdata(t, tc.file))); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
	if got := fileVaultVerdict("fdesetup: command failed").State; got != schema.Unknown {
		t.Errorf("unrecognised output: state %q, want unknown", got)
	}
}

func TestParseSoftwareUpdate(t *testing.T) {
	for _, tc := range []struct {
		file string
		want pendingUpdates
		ok   bool
	}{
		{"macos/softwareupdate-none.txt", pendingUpdates{}, true},
		{"macos/softwareupdate-tahoe.txt", pendingUpdates{Count: 3, Restart: true}, true},
		{"macos/softwareupdate-catalina.txt", pendingUpdates{Count: 4, Restart: true}, true},
		{"macos/softwareupdate-mojave.txt", pendingUpdates{Count: 4, Restart: true}, true},
		{"macos/softwareupdate-security.txt", pendingUpdates{Count: 2, Security: 1, Restart: true}, true},
		{"macos/softwareupdate-offline.txt", pendingUpdates{}, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, ok := parseSoftwareUpdate(testdata(t, tc.file))
			if ok != tc.ok {
				t.Errorf("ok = %v, want %v", ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("updates (-want +got):\n%s", diff)
			}
		})
	}
	// The first two Tahoe updates, without the macOS one that needs the restart.
	p, ok := parseSoftwareUpdate(`Software Update Tool

Finding available software
Software Update found the following new or updated software:
* Label: Command Line Tools for Xcode 26.5-26.5
	Title: Command Line Tools for Xcode 26.5, Version: 26.5, Size: 920416KiB, Recommended: YES,
* Label: Command Line Tools for Xcode 26.6-26.6
	Title: Command Line Tools for Xcode 26.6, Version: 26.6, Size: 920431KiB, Recommended: YES,
`)
	if want := (pendingUpdates{Count: 2}); !ok || p != want {
		t.Errorf("two updates without restart: %+v, %v; want %+v", p, ok, want)
	}
}
