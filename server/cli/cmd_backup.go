package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/internal/human"
)

// errProblems makes the command fail when a check found damage.
var errProblems = errors.New("the check found problems (listed above)")

func cmdBackup(ctx context.Context, e *env, args []string) error {
	verb, args, err := sub(args, "list", "check", "gc", "keep", "pin", "unpin", "delete", "deleted", "undelete")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("backup "+verb, flag.ContinueOnError)
	readData := fs.Bool("read-data", false, "read every pack whole and check every piece (slow)")
	keep := backup.DefaultPolicy
	fs.IntVar(&keep.Last, "last", keep.Last, "most recent backups of each set of folders to keep")
	fs.IntVar(&keep.Daily, "daily", keep.Daily, "daily backups to keep")
	fs.IntVar(&keep.Weekly, "weekly", keep.Weekly, "weekly backups to keep")
	fs.IntVar(&keep.Monthly, "monthly", keep.Monthly, "monthly backups to keep")
	rest, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	wantArgs := map[string]int{"keep": 1, "pin": 2, "unpin": 2, "delete": 2, "undelete": 2}
	if len(rest) != wantArgs[verb] {
		return errUsage
	}
	svc, done, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch verb {
	case "list":
		pcs, err := svc.BackupPCs(ctx)
		if err != nil {
			return err
		}
		if len(pcs) == 0 {
			fmt.Fprintln(e.out, "No PC has backed up yet. On a PC that joined: hearth backup")
		}
		for _, p := range pcs {
			fmt.Fprintf(e.out, "%s (%s), keeping %s:\n", p.Name, p.Owner, p.Keep)
			for _, s := range p.Snapshots {
				pin := ""
				if slices.Contains(p.Pinned, s.ID) {
					pin = "  pinned"
				}
				fmt.Fprintf(e.out, "  %s  %s  %s  %d files, %s (%s new)%s\n", s.ID.Short(), backup.FolderName(s.Time),
					strings.Join(s.Paths, ", "), s.Files, human.Bytes(s.Bytes), human.Bytes(s.Added), pin)
			}
		}
	case "check":
		if *readData {
			fmt.Fprintln(e.out, "Reading every backup pack whole; this takes a while...")
		}
		r, err := svc.BackupCheck(ctx, *readData)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Checked %d packs (%s, %d pieces) and %d backups.\n", r.Packs, human.Bytes(r.Bytes), r.Blobs, r.Snapshots)
		for _, p := range r.Problems {
			fmt.Fprintln(e.out, "  problem:", p)
		}
		if len(r.Problems) > 0 {
			return errProblems
		}
		fmt.Fprintln(e.out, "All is well.")
	case "gc":
		r, err := svc.BackupGC(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Applied every PC's retention rule; removed %d unused pieces: %d packs deleted, %d rewritten, %s freed.\n",
			r.RemovedBlobs, r.PacksDeleted, r.PacksRewritten, human.Bytes(r.Freed))
		fmt.Fprintln(e.out, "Backups let go are listed by: hearthd health -events 50")
	case "keep":
		if err := keep.Check(); err != nil {
			return err
		}
		if err := svc.BackupKeep(ctx, rest[0], keep); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "%s: keeping %s, and pinned backups. Older ones go at the nightly cleanup (or hearthd backup gc).\n", rest[0], keep)
	case "pin", "unpin":
		id, err := svc.BackupPin(ctx, rest[0], rest[1], verb == "pin")
		if err != nil {
			return err
		}
		if verb == "pin" {
			fmt.Fprintf(e.out, "Backup %s of %s is kept until you unpin it.\n", id[:12], rest[0])
		} else {
			fmt.Fprintf(e.out, "Backup %s of %s is no longer pinned; the retention rule judges it again.\n", id[:12], rest[0])
		}
	case "deleted":
		pcs, err := svc.BackupPCs(ctx)
		if err != nil {
			return err
		}
		n := 0
		for _, p := range pcs {
			for _, d := range p.Deleted {
				if n == 0 {
					fmt.Fprintln(e.out, "Backups let go that can still be brought back (hearthd backup undelete PC ID):")
				}
				n++
				fmt.Fprintf(e.out, "  %s (%s)  %s  %s  %s, %d files; deleted %s, its data is freed after %s\n", p.Name, p.Owner,
					d.ID.Short(), backup.FolderName(d.Time), strings.Join(d.Paths, ", "), d.Files,
					d.Deleted.Local().Format("2006-01-02 15:04"), d.Until.Local().Format("2006-01-02 15:04"))
			}
		}
		if n == 0 {
			fmt.Fprintln(e.out, "No backup was let go recently; there is nothing to bring back.")
		}
	case "delete":
		id, err := svc.BackupDelete(ctx, rest[0], rest[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Backup %s of %s is deleted. Its data is kept for a while; until then this brings it back:\n  hearthd backup undelete %q %s\n",
			id[:12], rest[0], rest[0], id[:12])
	case "undelete":
		id, err := svc.BackupUndelete(ctx, rest[0], rest[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Backup %s of %s is back, and pinned so the retention rule does not let it go again; unpin it when you no longer need it.\n", id[:12], rest[0])
	}
	return nil
}
