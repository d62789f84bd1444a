package pool

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hearth-home/hearth/internal/mountinfo"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// OtherPool is a pool whose drives were seen on this machine but not adopted: a pool is
// taken up only when pointed at (see Options.DriveHints), never because its disks are
// mounted here.
type OtherPool struct {
	PoolID string
	Paths  []string // its drives seen, sorted
}

// OtherPools lists the pools of other drives seen at the mount points when this pool opened
// (with MountScan), for a person to adopt with "hearthd pool rebuild" if they mean to.
func (p *Pool) OtherPools() []OtherPool { return slices.Clone(p.others) }

// mountedDrives lists the mount points that hold a drive marker, unless MountScan is off.
func (p *Pool) mountedDrives() []string {
	if !p.opt.MountScan {
		return nil
	}
	mounts, err := mountinfo.Read()
	if err != nil {
		p.log.Warn("could not read the mount points to look for drives", "err", err)
		return nil
	}
	var out []string
	for _, m := range mounts {
		if _, err := os.Stat(filepath.Join(m.Point, ".hearth", "drive.json")); err == nil {
			out = append(out, m.Point)
		}
	}
	return out
}

// hinted returns the hints, cleaned and without repeats.
func (p *Pool) hinted() []string {
	var out []string
	for _, h := range p.opt.DriveHints {
		if h = filepath.Clean(h); h != "." && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// scanForDrives maps drive id to path for every drive of this pool among the hints and
// the mount points: a drive of the pool that moved is followed.
func (p *Pool) scanForDrives(ctx context.Context) map[string]string {
	return probeDrives(ctx, append(p.hinted(), p.mountedDrives()...), p.id)[p.id]
}

// probeDrives maps pool id to (drive id to path) for every drive among paths, and the
// drives their configuration names; with only set, for that pool alone. It reads the
// drives without opening them: nothing is locked or written.
func probeDrives(ctx context.Context, paths []string, only string) map[string]map[string]string {
	out := map[string]map[string]string{}
	configs := map[string][]byte{}
	for _, path := range paths {
		pr, err := drive.Probe(ctx, path)
		if err != nil || (only != "" && pr.Info.Pool != only) {
			continue
		}
		if out[pr.Info.Pool] == nil {
			out[pr.Info.Pool] = map[string]string{}
		}
		out[pr.Info.Pool][pr.Info.ID] = path
		configs[path] = pr.Config
	}
	// A mirror names the other drives of its pool: follow them too.
	for pool, drives := range out {
		for _, path := range sortedValues(drives) {
			followMirror(ctx, pool, configs[path], drives)
		}
	}
	return out
}

func followMirror(ctx context.Context, pool string, config []byte, drives map[string]string) {
	m, err := parseMirror(config)
	if err != nil || m.PoolID != pool {
		return
	}
	for _, md := range m.Drives {
		if _, ok := drives[md.ID]; ok {
			continue
		}
		if pr, err := drive.Probe(ctx, md.Path); err == nil && pr.Info.Pool == pool && pr.Info.ID == md.ID {
			drives[md.ID] = md.Path
		}
	}
}

// foundElsewhere lists the pools other than this one whose drives are mounted here.
func (p *Pool) foundElsewhere(ctx context.Context) []OtherPool {
	var out []OtherPool
	for id, drives := range probeDrives(ctx, p.mountedDrives(), "") {
		if id != p.id {
			out = append(out, OtherPool{PoolID: id, Paths: sortedValues(drives)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PoolID < out[j].PoolID })
	return out
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
