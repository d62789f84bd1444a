package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// s3SecretEnv is where add reads an S3 secret key from, rather than a flag every other
// user of the machine could read in the process list.
const s3SecretEnv = "HEARTH_S3_SECRET_KEY"

// withServerBackup adds the serverbackup command to the others (kept here, beside it).
func withServerBackup(cmds map[string]command) map[string]command {
	cmds["serverbackup"] = command{"serverbackup add NAME -shares A,B (-to FOLDER | -s3 HOST:PORT -bucket B -access-key K [-limit MiB/s]) [-encrypt] [-daily HH:MM] [-keep-last N -keep-daily N -keep-weekly N -keep-monthly N]" +
		"|list|run NAME|check NAME [-read-data]|restore NAME [-backup ID] [-shares A,B | -path SHARE/FOLDER] [-config]|remove NAME   back up the shares to an external drive or S3", cmdServerBackup}
	return cmds
}

func cmdServerBackup(ctx context.Context, e *env, args []string) error {
	var shares, to, s3, bucket, prefix, region, accessKey, snapshot, daily, restorePath *string
	var encrypt, insecure, readData, config *bool
	var limit *float64
	var keepLast, keepDaily, keepWeekly, keepMonthly *int
	c, err := openVerb(ctx, e, "serverbackup", args, []string{"add", "list", "run", "check", "restore", "remove"}, func(fs *flag.FlagSet) func() error {
		shares = fs.String("shares", "", "the shared folders to back up, separated by commas")
		to = fs.String("to", "", "a folder on an external drive to back up to")
		s3 = fs.String("s3", "", "an S3 store to back up to (host:port)")
		bucket = fs.String("bucket", "", "the S3 bucket")
		prefix = fs.String("prefix", "", "a folder in the bucket (optional)")
		region = fs.String("region", "", "the S3 region (optional)")
		accessKey = fs.String("access-key", "", "the S3 access key (the secret key is asked, or read from $"+s3SecretEnv+")")
		limit = fs.Float64("limit", 0, "cap the uploads to S3 at this many MiB a second (0: none)")
		insecure = fs.Bool("insecure", false, "talk to the S3 store without TLS (a store on the home network)")
		daily = fs.String("daily", "", "add: back up by itself every day at this time (HH:MM, the server's time zone)")
		snapshot = fs.String("backup", "", "restore: which backup (its ID as run shows it); the newest when not given")
		// -1: not given, the default rule's count stands.
		keepLast = fs.Int("keep-last", -1, "add: keep the last N backups (with the others the rule keeps)")
		keepDaily = fs.Int("keep-daily", -1, "add: keep one backup a day for the last N days")
		keepWeekly = fs.Int("keep-weekly", -1, "add: keep one backup a week for the last N weeks")
		keepMonthly = fs.Int("keep-monthly", -1, "add: keep one backup a month for the last N months")
		restorePath = fs.String("path", "", "restore: one file or folder (SHARE/sub/folder) instead of whole shares; it comes back beside the family's copy")
		config = fs.Bool("config", false, "restore: the users, their passwords, shared folders, access and settings too (a new server only)")
		readData = fs.Bool("read-data", false, "check: read every pack back and check it (an S3 store bills the download)")
		encrypt = fs.Bool("encrypt", false, "encrypt the backup with a passphrase (always for S3)")
		return nil
	})
	if err != nil {
		return err
	}
	defer c.done()
	switch {
	case c.verb == "list" && len(c.args) == 0:
		return serverBackupList(ctx, e, c)
	case c.verb == "add" && len(c.args) == 1:
		job := serverbackup.Job{Name: c.args[0], Encrypted: *encrypt || *s3 != "", Shares: splitList(*shares), Daily: *daily}
		job.Keep = keepRule(*keepLast, *keepDaily, *keepWeekly, *keepMonthly)
		switch {
		case *to != "" && *s3 != "":
			return errors.New("choose one place to back up to: -to a folder, or -s3 a store")
		case *to != "":
			// Made absolute here: the daemon's working folder is not the typist's.
			if job.Target.Folder, err = filepath.Abs(*to); err != nil {
				return err
			}
		case *s3 != "":
			secret := os.Getenv(s3SecretEnv)
			if secret == "" {
				if secret, err = e.newPassword("The S3 secret key: "); err != nil {
					return err
				}
			}
			job.Target.S3 = &serverbackup.S3Target{Endpoint: *s3, Insecure: *insecure, Region: *region, Bucket: *bucket,
				Prefix: *prefix, AccessKey: *accessKey, SecretKey: secret, Limit: int64(*limit * (1 << 20))}
		}
		if job.Encrypted {
			if job.Passphrase, err = e.newPassword("A passphrase for the backup (it cannot be changed later): "); err != nil {
				return err
			}
		}
		return serverBackupAdd(ctx, e, c, job)
	case c.verb == "run" && len(c.args) == 1:
		info, err := c.svc.RunServerBackup(ctx, c.args[0])
		if err != nil {
			return serverBackupWords(err)
		}
		fmt.Fprintf(e.out, "Backup %s: backed up %s (%s); %s of it new.\n", info.Snapshot[:min(8, len(info.Snapshot))],
			plural(int(info.Files), "file", "files"), human.Bytes(info.Bytes), human.Bytes(info.Added))
		if info.Forgotten > 0 {
			fmt.Fprintf(e.out, "%s let go by the retention rule (%s freed).\n", plural(info.Forgotten, "older backup", "older backups"), human.Bytes(info.Freed))
		}
		if info.Cleanup != "" {
			fmt.Fprintln(e.out, "Note: "+info.Cleanup+".")
		}
		if len(info.Skipped) > 0 {
			fmt.Fprintf(e.out, "%s could not be read and %s not backed up:\n", plural(len(info.Skipped), "file", "files"), map[bool]string{true: "was", false: "were"}[len(info.Skipped) == 1])
			for _, s := range info.Skipped {
				fmt.Fprintln(e.out, "  "+s)
			}
		}
		return nil
	case c.verb == "restore" && len(c.args) == 1:
		opt := serverbackup.RestoreOptions{Snapshot: *snapshot, Shares: splitList(*shares), Config: *config, Path: *restorePath}
		st, err := c.svc.RestoreServerBackup(ctx, c.args[0], opt)
		if err != nil {
			return serverBackupWords(err)
		}
		fmt.Fprintf(e.out, "Restored %s (%s) into %s.\n", plural(int(st.Files), "file", "files"), human.Bytes(st.Bytes), strings.Join(st.Places, ", "))
		if st.Config {
			fmt.Fprintln(e.out, "The users, shared folders, access and settings are back too: everyone signs in with their old password.")
		}
		return nil
	case c.verb == "check" && len(c.args) == 1:
		rep, err := c.svc.CheckServerBackup(ctx, c.args[0], *readData)
		if err != nil {
			return serverBackupWords(err)
		}
		read := ""
		if *readData {
			read = fmt.Sprintf(", read back %s", human.Bytes(rep.ReadBytes))
		}
		fmt.Fprintf(e.out, "Checked %s, %s and %s%s.\n", plural(rep.Snapshots, "backup", "backups"), plural(rep.Packs, "pack", "packs"),
			plural(rep.Trees, "folder", "folders"), read)
		if len(rep.Problems) == 0 {
			fmt.Fprintln(e.out, "Nothing is wrong.")
			return nil
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(e.out, "  "+p)
		}
		return fmt.Errorf("the backup on the target is damaged (%s); run a new backup to store the files again", plural(len(rep.Problems), "problem", "problems"))
	case c.verb == "remove" && len(c.args) == 1:
		if err := c.svc.RemoveServerBackup(ctx, c.args[0]); err != nil {
			return serverBackupWords(err)
		}
		fmt.Fprintf(e.out, "Server backup %s removed. The backups it made are still on its target.\n", c.args[0])
		return nil
	}
	return errUsage
}

func serverBackupAdd(ctx context.Context, e *env, c verbCall, job serverbackup.Job) error {
	recovery, err := c.svc.AddServerBackup(ctx, job)
	if err != nil {
		return serverBackupWords(err)
	}
	how := ""
	if job.Encrypted {
		how = ", encrypted"
	}
	fmt.Fprintf(e.out, "Server backup %s made: %s to %s%s.\n", job.Name, strings.Join(job.Shares, ", "), job.Target, how)
	if recovery != "" {
		fmt.Fprintf(e.out, "\nIts recovery key opens the backup if the passphrase is lost. It is shown only now:\n"+
			"print it and keep it away from the server.\n\n    %s\n\n", recovery)
	}
	fmt.Fprintf(e.out, "Back up now with: hearthd serverbackup run %q\n", job.Name)
	return nil
}

func serverBackupList(ctx context.Context, e *env, c verbCall) error {
	jobs, err := c.svc.ServerBackups(ctx)
	if err != nil {
		return serverBackupWords(err)
	}
	if len(jobs) == 0 {
		fmt.Fprintln(e.out, "There are no server backups. Make one with: hearthd serverbackup add NAME -shares A,B -to FOLDER")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSHARES\tTO\tENCRYPTED\tRUNS\tKEEPS\tLAST RUN")
	for _, j := range jobs {
		last := "never"
		if r := j.LastRun; r != nil {
			last = r.Finished.Local().Format("2006-01-02 15:04") + ", "
			if r.Error != "" {
				last += "failed: " + r.Error
			} else {
				last += fmt.Sprintf("%s, %s new", plural(int(r.Files), "file", "files"), human.Bytes(r.Added))
			}
		}
		enc := "no"
		if j.Encrypted {
			enc = "yes"
		}
		runs := "when asked"
		if j.Daily != "" {
			runs = "daily at " + j.Daily
		}
		keep := repo.ServerPolicy
		if j.Keep != nil {
			keep = *j.Keep
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, strings.Join(j.Shares, ","), j.Target, enc, runs, keepWords(keep), last)
	}
	return tw.Flush()
}

// keepRule is the retention rule the -keep flags ask for: nil (the default rule) when
// none is given, else the default with the counts given in place of its own.
func keepRule(last, daily, weekly, monthly int) *backup.Policy {
	if last < 0 && daily < 0 && weekly < 0 && monthly < 0 {
		return nil
	}
	p := repo.ServerPolicy
	for _, f := range []struct {
		n  int
		to *int
	}{{last, &p.Last}, {daily, &p.Daily}, {weekly, &p.Weekly}, {monthly, &p.Monthly}} {
		if f.n >= 0 {
			*f.to = f.n
		}
	}
	return &p
}

// keepWords says a retention rule in a list's column.
func keepWords(p backup.Policy) string {
	return fmt.Sprintf("last %d, %d daily, %d weekly, %d monthly", p.Last, p.Daily, p.Weekly, p.Monthly)
}

// splitList reads a list given as "A,B, C".
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// serverBackupWords says a refusal the way a person acts on it.
func serverBackupWords(err error) error {
	switch {
	case errors.Is(err, serverbackup.ErrNoJob):
		return errors.New("there is no server backup of that name (see: hearthd serverbackup list)")
	case errors.Is(err, serverbackup.ErrNoBackup):
		return errors.New("the target holds no such backup; hearthd serverbackup list shows the last one made")
	}
	return err
}
