package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
)

func cmdPool(ctx context.Context, e *env, args []string) error {
	verb, args, err := sub(args, "status", "scrub", "repair", "rebuild", "jobs")
	if err != nil {
		return err
	}
	rest, err := parse(flag.NewFlagSet("pool "+verb, flag.ContinueOnError), e, args)
	if err != nil {
		return err
	}
	if verb == "rebuild" {
		return rebuild(ctx, e, rest)
	}
	if len(rest) > 0 {
		return errUsage
	}
	svc, done, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch verb {
	case "jobs":
		return printJobs(ctx, e, svc)
	case "status":
		st, err := svc.Status(ctx)
		if err != nil {
			return err
		}
		printStatus(e, st)
	case "scrub":
		fmt.Fprintln(e.out, "Reading every copy of every file; this takes a while...")
		r, err := svc.Scrub(ctx)
		if err != nil {
			return err
		}
		printScrub(e, r)
	case "repair":
		r, err := svc.Repair(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Repair: %s made, %s removed, %d drives checked; %s still waiting.\n",
			plural(r.Copied, "copy", "copies"), plural(r.Thinned, "extra copy", "extra copies"), r.Reconciled, plural(r.Waiting, "file", "files"))
	}
	return nil
}

func printStatus(e *env, st pool.Status) {
	working := 0
	for _, d := range st.Drives {
		if d.State == pool.StateActive {
			working++
		}
	}
	fmt.Fprintf(e.out, "Pool %.8s: %s (%d working), %s, %s free\n", st.PoolID, plural(len(st.Drives), "drive", "drives"),
		working, human.Bytes(int64(st.Total)), human.Bytes(int64(st.Free)))
	fmt.Fprintf(e.out, "Files: %s in %s and %s, %s\n", plural(int(st.Files), "file", "files"),
		plural(int(st.Dirs), "folder", "folders"), plural(st.Shares, "share", "shares"), human.Bytes(st.Bytes))
	if st.NotDuplicated == 0 {
		fmt.Fprintln(e.out, "Duplication: every file has the copies its share asks for.")
	} else {
		fmt.Fprintf(e.out, "Duplication: %s waiting for another copy (the repairer is on it; add a drive if there is no room).\n",
			plural(st.NotDuplicated, "file is", "files are"))
	}
	if st.Adopting > 0 {
		fmt.Fprintf(e.out, "Adopting: %s placed on the drives by hand being read; each appears in the pool once it is.\n",
			plural(st.Adopting, "file is", "files are"))
	}
	if len(st.Unavailable) == 0 {
		fmt.Fprintln(e.out, "At risk: nothing.")
	} else {
		fmt.Fprintf(e.out, "At risk: these files cannot be read until a missing drive returns:\n  %s\n", strings.Join(st.Unavailable, "\n  "))
	}
	for _, d := range st.Damaged {
		fmt.Fprintf(e.out, "Damaged: %s (%s, %s)\n", d.Path, d.Reason, d.Found.Format("2006-01-02"))
	}
	for _, o := range st.Others {
		fmt.Fprintf(e.out, "Not used: drives of another pool are mounted at %s; this server leaves them alone.\n"+
			"  To bring that pool back instead: stop hearthd, then run hearthd pool rebuild %s\n",
			strings.Join(o.Paths, ", "), strings.Join(o.Paths, " "))
	}
	fmt.Fprintf(e.out, "Previous versions kept: %d\n", st.Versions)
	if st.LastScrub == nil {
		fmt.Fprintln(e.out, "Last scrub: never (run hearthd pool scrub, or wait for the monthly one)")
	} else {
		printScrub(e, *st.LastScrub)
	}
	if len(st.Drives) > 0 {
		fmt.Fprintln(e.out)
		printDrives(e, st.Drives)
	}
}

func printScrub(e *env, r pool.ScrubReport) {
	verdict := "no problems"
	if r.Bad > 0 {
		verdict = fmt.Sprintf("%s, %d healed", plural(r.Bad, "bad copy", "bad copies"), r.Healed)
	}
	fmt.Fprintf(e.out, "Last scrub: %s, %s and %s read in %s: %s.\n", r.Finished.Local().Format("2006-01-02 15:04"),
		plural(r.Files, "file", "files"), human.Bytes(r.Bytes), r.Finished.Sub(r.Started).Round(time.Second), verdict)
	for _, d := range r.Damaged {
		fmt.Fprintf(e.out, "  damaged, no good copy left: %s (restore it from a previous version or a backup)\n", d)
	}
}

// rebuild throws the catalog away and rebuilds it from the drives alone: those named, or
// else those of the state folder's list. It runs with hearthd stopped; the old catalog,
// if there was one, is kept beside the new one.
func rebuild(ctx context.Context, e *env, drives []string) error {
	if c, err := admin.Dial(ctx, paths.Socket(e.state)); err == nil && c != nil {
		return errors.New("hearthd is running; stop it first (Ctrl-C, or systemctl stop hearthd), then run the rebuild")
	}
	cat := paths.Catalog(e.state)
	aside := fmt.Sprintf("%s.before-rebuild-%s", cat, time.Now().Format("20060102-150405"))
	moved, err := moveCatalog(cat, aside)
	if err != nil {
		return err
	}
	opt := app.Options{StateDir: e.state, Drives: drives, OnlyDrives: len(drives) > 0, MountScan: e.mountScan}
	a, err := app.New(ctx, opt, quietLogger(e))
	if err != nil {
		return errors.Join(err, restoreCatalog(aside, cat, moved))
	}
	// A rebuild does not serve: the files placed on the drives by hand, which a running
	// server adopts in the background, are adopted before it reports.
	err = a.Pool.AdoptHandPlaced(ctx)
	var st pool.Status
	if err == nil {
		st, err = a.Pool.Status(ctx)
	}
	if err == nil && len(st.Drives) == 0 {
		err = noDrivesFound(st.Others)
	}
	if err == nil && moved {
		// Users and access come back from the drives; what they do not carry (WebDAV
		// locks and properties, events) comes from the old catalog.
		if cerr := a.CopyPeopleFrom(ctx, aside); cerr != nil {
			fmt.Fprintf(e.errOut, "Some records could not be carried over from the old catalog (%v); users and shares came back from the drives.\n", cerr)
		}
	}
	if cerr := a.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, restoreCatalog(aside, cat, moved))
	}
	fmt.Fprintln(e.out, "Rebuilt from the drives.")
	if moved {
		fmt.Fprintf(e.out, "The old catalog is kept as %s.\n", aside)
	}
	printStatus(e, st)
	return nil
}

// noDrivesFound says that a rebuild found nothing, and names the drives it could use.
func noDrivesFound(others []pool.OtherPool) error {
	if len(others) == 0 {
		return errors.New("no drive of a pool was found; name the drives: hearthd pool rebuild /mnt/disk1 /mnt/disk2")
	}
	var b strings.Builder
	b.WriteString("no drive was named. Drives of a pool are mounted here; to bring one back, name its drives:")
	for _, o := range others {
		fmt.Fprintf(&b, "\n  hearthd pool rebuild %s", strings.Join(o.Paths, " "))
	}
	return errors.New(b.String())
}

func moveCatalog(from, to string) (bool, error) {
	moved := false
	for _, s := range []string{"", "-wal", "-shm"} {
		err := os.Rename(from+s, to+s)
		if err == nil {
			moved = true
		} else if !errors.Is(err, os.ErrNotExist) {
			return moved, fmt.Errorf("set the old catalog aside: %w", err)
		}
	}
	return moved, nil
}

// restoreCatalog undoes a failed rebuild: the catalog it made goes, and the old one, if
// it was set aside, comes back.
func restoreCatalog(aside, cat string, moved bool) error {
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(cat + s)
	}
	if !moved {
		return nil
	}
	_, err := moveCatalog(aside, cat)
	return err
}
