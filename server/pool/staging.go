package pool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// stagingDir is where, on each drive, other parts of the server keep data on its way
// into the pool (a resumable upload's chunks): beside the pool's own records, never
// under Shares, so the pool never lists, serves, copies or repairs it. Its owners clean
// it themselves (they know when their data has gone stale); the pool leaves it alone.
const stagingDir = ".hearth/staging"

var stagingName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// StagingDir returns a folder of its own for the caller (named name, such as "uploads")
// on the working drive with the most room for size more bytes (size < 0: unknown),
// making it when needed. Data kept there counts against the drive's free space like
// anything else; the pool's placement sees it. It fails with ErrPoolFull when no drive
// has the room and ErrNoDrives when none works.
func (p *Pool) StagingDir(ctx context.Context, name string, size int64) (string, error) {
	if !stagingName.MatchString(name) {
		return "", fmt.Errorf("staging folder %q: %w", name, ErrRefused)
	}
	vs, err := p.place(ctx, 1, size, nil, nil)
	if err != nil {
		return "", err
	}
	if len(vs) == 0 {
		return "", ErrNoDrives
	}
	v := vs[0]
	// The marker is checked first: a drive unmounted under the server leaves an empty
	// folder on the system disk, which must not fill up with staged data.
	if err := v.d.Check(ctx); err != nil {
		p.noteErr(ctx, v, err)
		return "", err
	}
	dir := filepath.Join(v.d.Info().Path, stagingDir, name)
	if err := makeStaging(filepath.Join(v.d.Info().Path, ".hearth"), dir); err != nil {
		return "", fmt.Errorf("make the staging folder on drive %s: %w", v.rec.Label, err)
	}
	return dir, nil
}

// StagingDirs returns the caller's staging folders (see StagingDir) on the drives present
// now that have one: where to look for what was staged before a restart.
func (p *Pool) StagingDirs(name string) []string {
	if !stagingName.MatchString(name) {
		return nil
	}
	var out []string
	for _, v := range p.views() {
		if !v.present() {
			continue
		}
		dir := filepath.Join(v.d.Info().Path, stagingDir, name)
		if st, err := os.Lstat(dir); err == nil && st.IsDir() {
			out = append(out, dir)
		}
	}
	return out
}

// makeStaging makes dir and the folders between it and the drive's own .hearth folder,
// which must exist already (it holds the marker), each one durable before it is used.
func makeStaging(hearth, dir string) error {
	st, err := os.Lstat(hearth)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: %w", hearth, errors.New("not a folder"))
	}
	for _, d := range []string{filepath.Dir(dir), dir} {
		err := os.Mkdir(d, 0o700)
		if errors.Is(err, os.ErrExist) {
			if st, err := os.Lstat(d); err != nil || !st.IsDir() {
				return fmt.Errorf("%s: %w", d, errors.New("not a folder"))
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
