package pool

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

// candidatePaths lists folders that may be drives: the hints given, and every mount point
// of the system (unless NoMountScan), because a pool drive is normally a whole disk
// mounted somewhere.
func (p *Pool) candidatePaths() []string {
	seen := map[string]bool{}
	var out []string
	add := func(path string) {
		if path == "" || seen[path] {
			return
		}
		seen[path] = true
		out = append(out, path)
	}
	for _, h := range p.opt.DriveHints {
		add(filepath.Clean(h))
	}
	if p.opt.NoMountScan {
		return out
	}
	for _, mp := range mountPoints() {
		if _, err := os.Stat(filepath.Join(mp, ".hearth", "drive.json")); err == nil {
			add(mp)
		}
	}
	return out
}

// scanForDrives maps drive id to path for every drive of this pool among the candidates.
func (p *Pool) scanForDrives(ctx context.Context) map[string]string {
	return p.findPoolDrives(ctx)[p.id]
}

// findPoolDrives maps pool id to (drive id to path) for every drive among the candidates.
// With an empty p.id every pool counts; otherwise only drives of p.id are returned.
func (p *Pool) findPoolDrives(ctx context.Context) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, path := range p.candidatePaths() {
		d, err := p.opt.OpenDrive(ctx, path)
		if err != nil {
			continue
		}
		info := d.Info()
		d.Close()
		if p.id != "" && info.Pool != p.id {
			continue
		}
		if out[info.Pool] == nil {
			out[info.Pool] = map[string]string{}
		}
		out[info.Pool][info.ID] = path
	}
	// A mirror names the other drives of its pool: follow them too.
	for pool, drives := range out {
		for _, path := range drives {
			p.followMirror(ctx, pool, path, drives)
		}
	}
	return out
}

func (p *Pool) followMirror(ctx context.Context, pool, path string, drives map[string]string) {
	d, err := p.opt.OpenDrive(ctx, path)
	if err != nil {
		return
	}
	b, err := d.ReadConfig(ctx)
	d.Close()
	if err != nil {
		return
	}
	m, err := parseMirror(b)
	if err != nil || m.PoolID != pool {
		return
	}
	for _, md := range m.Drives {
		if _, ok := drives[md.ID]; ok {
			continue
		}
		other, err := p.opt.OpenDrive(ctx, md.Path)
		if err != nil {
			continue
		}
		if info := other.Info(); info.Pool == pool && info.ID == md.ID {
			drives[md.ID] = md.Path
		}
		other.Close()
	}
}

// mountPoints reads the system's mount points.
func mountPoints() []string {
	mounts, err := mountinfo.Read()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(mounts))
	for _, m := range mounts {
		out = append(out, m.Point)
	}
	return out
}
