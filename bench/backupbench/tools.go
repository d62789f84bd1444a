package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// repo is one tool's repository, made fresh for each run.
type repo interface {
	// backup returns the command that backs data up as PC number pc (1 or 2).
	backup(pc int, data string) *exec.Cmd
	// restore returns the command that restores PC 1's latest backup of data into out.
	restore(data, out string) *exec.Cmd
	// size is the repository's size on disk, in bytes.
	size() int64
	// server is the pids of server processes doing part of the work (Hearth only).
	server() []int
	close()
}

// tool is a backup program under test.
type tool struct {
	name, version, settings string
	// open makes a new, empty repository in the folder ws.
	open func(b *bench, ws string) repo
}

const password = "bench-password-1"

func baseEnv(extra ...string) []string {
	return append(os.Environ(), extra...)
}

// ---- restic

type restic struct {
	dir, cache string
	env        []string
}

func resticTool() (tool, bool) {
	v, err := exec.Command("restic", "version").Output()
	if err != nil {
		return tool{}, false
	}
	return tool{name: "restic", version: strings.Fields(string(v))[1],
		settings: "defaults: repository v2, compression auto (zstd), AES-256 + Poly1305",
		open: func(b *bench, ws string) repo {
			r := &restic{dir: filepath.Join(ws, "repo"), cache: filepath.Join(ws, "cache"), env: baseEnv("RESTIC_PASSWORD=" + password)}
			b.quiet("restic init", r.cmd("init"))
			return r
		}}, true
}

func (r *restic) cmd(args ...string) *exec.Cmd {
	c := exec.Command("restic", append([]string{"-r", r.dir, "--cache-dir", r.cache, "-q"}, args...)...)
	c.Env = r.env
	return c
}

func (r *restic) backup(pc int, data string) *exec.Cmd {
	return r.cmd("backup", "--host", fmt.Sprintf("pc%d", pc), data)
}
func (r *restic) restore(data, out string) *exec.Cmd {
	return r.cmd("restore", "latest", "--host", "pc1", "--path", data, "--target", out)
}
func (r *restic) size() int64   { return dirSize(r.dir) }
func (r *restic) server() []int { return nil }
func (r *restic) close()        {}

// ---- borg

type borg struct {
	dir  string
	env  []string
	n    int    // archives made
	last string // PC 1's latest archive
}

func borgTool() (tool, bool) {
	v, err := exec.Command("borg", "--version").Output()
	if err != nil {
		return tool{}, false
	}
	return tool{name: "borg", version: strings.Fields(string(v))[1],
		settings: "repokey (AES-CTR-256 + HMAC-SHA256), default compression lz4, single-threaded",
		open: func(b *bench, ws string) repo {
			r := &borg{dir: filepath.Join(ws, "repo"), env: baseEnv("BORG_PASSPHRASE="+password,
				"BORG_BASE_DIR="+filepath.Join(ws, "home"), "BORG_RELOCATED_REPO_ACCESS_IS_OK=yes")}
			b.quiet("borg init", r.cmd("init", "-e", "repokey", r.dir))
			return r
		}}, true
}

func (r *borg) cmd(args ...string) *exec.Cmd {
	c := exec.Command("borg", args...)
	c.Env = r.env
	return c
}

func (r *borg) backup(pc int, data string) *exec.Cmd {
	r.n++
	name := fmt.Sprintf("pc%d-%d", pc, r.n)
	if pc == 1 {
		r.last = name
	}
	return r.cmd("create", r.dir+"::"+name, data)
}

func (r *borg) restore(_, out string) *exec.Cmd {
	check(os.MkdirAll(out, 0o755))
	c := r.cmd("extract", r.dir+"::"+r.last)
	c.Dir = out
	return c
}
func (r *borg) size() int64   { return dirSize(r.dir) }
func (r *borg) server() []int { return nil }
func (r *borg) close()        {}

// ---- kopia

type kopia struct {
	bin, dir string
	global   []string
	env      []string
}

func kopiaTool(bin string) tool {
	v, _ := exec.Command(bin, "--version").Output()
	return tool{name: "kopia", version: strings.Fields(string(v) + " ?")[0],
		settings: "defaults: AES256-GCM, BLAKE2B-256-128, no compression, automatic maintenance",
		open: func(b *bench, ws string) repo {
			r := &kopia{bin: bin, dir: filepath.Join(ws, "repo"),
				global: []string{"--config-file", filepath.Join(ws, "kopia.config"), "--log-dir", filepath.Join(ws, "logs")},
				env:    baseEnv("KOPIA_PASSWORD="+password, "KOPIA_CHECK_FOR_UPDATES=false")}
			b.quiet("kopia repository create", r.cmd("repository", "create", "filesystem", "--path", r.dir, "--cache-directory", filepath.Join(ws, "cache")))
			return r
		}}
}

func (r *kopia) cmd(args ...string) *exec.Cmd {
	c := exec.Command(r.bin, append(append([]string{}, r.global...), args...)...)
	c.Env = r.env
	return c
}

func (r *kopia) backup(_ int, data string) *exec.Cmd { return r.cmd("snapshot", "create", data) }
func (r *kopia) restore(data, out string) *exec.Cmd {
	return r.cmd("snapshot", "restore", data, out)
}
func (r *kopia) size() int64   { return dirSize(r.dir) }
func (r *kopia) server() []int { return nil }
func (r *kopia) close()        {}

// findKopia returns a kopia binary: the one named, one on the PATH, or the pinned
// version built once from the Go module proxy into the user's cache folder.
func findKopia(b *bench, named string) (string, error) {
	if named != "" {
		return named, nil
	}
	if p, err := exec.LookPath("kopia"); err == nil {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "hearth-bench", "kopia-"+kopiaVersion, "kopia")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	return bin, buildKopia(b, bin)
}

// kopiaVersion is the kopia release compared against. It is built in a throwaway module
// because go install pkg@version also asks the proxy for the module's version list, which
// some proxies refuse.
const kopiaVersion = "v0.21.1"

func buildKopia(b *bench, bin string) error {
	fmt.Fprintf(os.Stderr, "building kopia %s from the module proxy (once; a few minutes)\n", kopiaVersion)
	tmp, err := os.MkdirTemp("", "kopia-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gomod := "module kopiabuild\n\ngo 1.24\n\nrequire github.com/kopia/kopia " + kopiaVersion + "\n"
	tools := "//go:build tools\n\npackage tools\n\nimport _ \"github.com/kopia/kopia\"\n"
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "tools.go"), []byte(tools), 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", bin, "github.com/kopia/kopia"}} {
		c := exec.Command("go", args...)
		c.Dir, c.Stdout, c.Stderr = tmp, os.Stderr, os.Stderr
		c.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if err := b.runCmd(c); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
	}
	return nil
}
