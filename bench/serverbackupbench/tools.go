package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// hearthTool: a pool of one drive holding the files in the share Family, backed up by
// "hearthd serverbackup run" to an encrypted folder on the same disk. No daemon runs:
// the command works on the pool directly, as it does when hearthd is stopped.
func hearthTool(bin string) tool {
	return tool{name: "hearth", version: "this tree", setup: func(ws, data string) (func() *exec.Cmd, string) {
		state, drive, repo := filepath.Join(ws, "state"), filepath.Join(ws, "drive"), filepath.Join(ws, "repo")
		for _, d := range []string{drive, repo} {
			check(os.MkdirAll(d, 0o755))
		}
		hd := func(stdin string, args ...string) *exec.Cmd {
			c := exec.Command(bin, append([]string{"-state", state}, args...)...)
			c.Stdin = strings.NewReader(stdin)
			return c
		}
		quiet(hd("", "drive", "add", drive))
		quiet(hd("", "share", "add", "Family"))
		// The files placed on the drive by hand, then adopted by the pool (hashed and
		// indexed), as a family's files are once they are on the server.
		check(os.Rename(data, filepath.Join(drive, "Shares", "Family", "files")))
		quiet(hd("", "pool", "rebuild"))
		quiet(hd(password+"\n", "serverbackup", "add", "bench", "-shares", "Family", "-to", repo, "-encrypt"))
		return func() *exec.Cmd { return hd("", "serverbackup", "run", "bench") }, repo
	}}
}

func resticTool() (tool, bool) {
	v, err := exec.Command("restic", "version").Output()
	if err != nil {
		return tool{}, false
	}
	return tool{name: "restic", version: strings.Fields(string(v))[1], setup: func(ws, data string) (func() *exec.Cmd, string) {
		repo := filepath.Join(ws, "repo")
		cmd := func(args ...string) *exec.Cmd {
			c := exec.Command("restic", append([]string{"-r", repo, "--cache-dir", filepath.Join(ws, "cache"), "-q"}, args...)...)
			c.Env = append(os.Environ(), "RESTIC_PASSWORD="+password)
			return c
		}
		quiet(cmd("init"))
		return func() *exec.Cmd { return cmd("backup", data) }, repo
	}}, true
}

func kopiaTool(named string) (tool, bool) {
	bin := named
	if bin == "" {
		if p, err := exec.LookPath("kopia"); err == nil {
			bin = p
		} else if cache, err := os.UserCacheDir(); err == nil {
			// Where bench/backupbench builds the pinned kopia once.
			m, _ := filepath.Glob(filepath.Join(cache, "hearth-bench", "kopia-*", "kopia"))
			if len(m) > 0 {
				bin = m[len(m)-1]
			}
		}
	}
	v, err := exec.Command(bin, "--version").Output()
	if bin == "" || err != nil {
		return tool{}, false
	}
	return tool{name: "kopia", version: strings.Fields(string(v) + " ?")[0], setup: func(ws, data string) (func() *exec.Cmd, string) {
		repo := filepath.Join(ws, "repo")
		cmd := func(args ...string) *exec.Cmd {
			c := exec.Command(bin, append([]string{"--config-file", filepath.Join(ws, "kopia.config"), "--log-dir", filepath.Join(ws, "logs")}, args...)...)
			c.Env = append(os.Environ(), "KOPIA_PASSWORD="+password, "KOPIA_CHECK_FOR_UPDATES=false")
			return c
		}
		quiet(cmd("repository", "create", "filesystem", "--path", repo, "--cache-directory", filepath.Join(ws, "cache")))
		return func() *exec.Cmd { return cmd("snapshot", "create", data) }, repo
	}}, true
}
