package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
	"golang.org/x/term"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func backupNow(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(e.errOut)
	asJSON := fs.Bool("json", false, "report progress and the result as JSON lines, for programs")
	var include, exclude listFlag
	fs.Var(&include, "include", "a folder to back up (repeat; default: your home folder)")
	fs.Var(&exclude, "exclude", "a name or full-path pattern to leave out (repeat; default: caches and temporary files)")
	at := fs.String("at", "", "the nightly backup time, HH:MM (with -save)")
	save := fs.Bool("save", false, "keep -include, -exclude and -at as this PC's settings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := connector.Load(e.config)
	if err != nil {
		return err
	}
	set := cfg.Backup
	if len(include) > 0 {
		set.Include = nil
		for _, p := range include {
			abs, err := filepath.Abs(p)
			if err != nil {
				return err
			}
			set.Include = append(set.Include, abs)
		}
	}
	if len(exclude) > 0 {
		set.Exclude = exclude
	}
	if *at != "" {
		set.At = *at
	}
	if _, err := set.Next(time.Now()); err != nil {
		return err
	}
	if *save {
		cfg.Backup = set
		if err := cfg.Save(e.config); err != nil {
			return err
		}
	}
	var snap schema.Snapshot
	if agent, aerr := localapi.Dial(ctx, e.config); aerr == nil {
		// The agent backs this PC up; it is asked, and followed, as the tray is.
		defer agent.Close()
		req := localapi.Request{By: localapi.ByCLI}
		if !*save && (len(include) > 0 || len(exclude) > 0) {
			req.Include, req.Exclude = set.Include, set.Exclude
		}
		snap, err = e.throughAgent(ctx, agent, req, *asJSON)
	} else {
		snap, err = runBackup(ctx, cfg, set, e.progress(*asJSON), e.waiting(*asJSON))
	}
	if err != nil {
		if *asJSON {
			json.NewEncoder(e.out).Encode(map[string]string{"error": err.Error()})
		}
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.out).Encode(map[string]any{"done": true, "snapshot": snap})
	}
	fmt.Fprintf(e.out, "Backed up %s (%s); %s was new. Backup %s, %s.\n", count(snap.Files, "file"), human.Bytes(snap.Bytes), human.Bytes(snap.Added), snap.ID[:8], snap.Folder)
	return nil
}

// runBackup backs the PC up with its settings, waiting for another backup of it to end.
func runBackup(ctx context.Context, cfg connector.Config, set connector.BackupSettings, progress func(archiver.Progress), waiting func(string)) (schema.Snapshot, error) {
	return backupclient.BackupWith(ctx, cfg, set, progress, waiting)
}

// throughAgent asks the agent to back up and follows that backup, or the one it runs
// already, to its end.
func (e *env) throughAgent(ctx context.Context, agent *localapi.Client, req localapi.Request, asJSON bool) (schema.Snapshot, error) {
	st, started, err := agent.Backup(ctx, req)
	if err != nil {
		return schema.Snapshot{}, err
	}
	switch {
	case !started && len(req.Include)+len(req.Exclude) > 0:
		fmt.Fprintf(e.errOut, "A backup of this PC is already running (%s), with its saved settings, not the folders and patterns given; following it. Run hearth backup again when it has finished.\n", localapi.ByWords(st.By))
	case !started:
		fmt.Fprintf(e.errOut, "A backup of this PC is already running (%s); following it.\n", localapi.ByWords(st.By))
	default:
		fmt.Fprintln(e.errOut, "The Hearth agent is backing this PC up.")
	}
	run, progress, waiting := st.Run, e.progress(asJSON), e.waiting(asJSON)
	var res *localapi.Result
	var told string
	var shown *localapi.Progress
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	agent.Watch(wctx, func(s localapi.State) {
		switch {
		case s.Last != nil && s.Last.Run >= run:
			res = s.Last
			cancel()
		case s.Run != run:
		case s.Waiting != "" && s.Waiting != told:
			told = s.Waiting
			waiting(told)
		case s.Progress != nil && progress != nil:
			shown = s.Progress
			progress(s.Progress.Archiver())
		}
	})
	if res == nil {
		if ctx.Err() != nil {
			return schema.Snapshot{}, ctx.Err()
		}
		return schema.Snapshot{}, errors.New("the Hearth agent stopped before the backup ended; run hearth backup again")
	}
	if shown != nil && !asJSON { // end the progress line
		p := shown.Archiver()
		p.Done = true
		progress(p)
	}
	if !res.OK || res.Snapshot == nil {
		return schema.Snapshot{}, errors.New(res.Words)
	}
	return *res.Snapshot, nil
}

// waiting tells the person (or program) that the backup waits for another one.
func (e *env) waiting(asJSON bool) func(string) {
	if asJSON {
		enc := json.NewEncoder(e.out)
		return func(why string) { enc.Encode(map[string]string{"waiting": why}) }
	}
	return func(why string) { fmt.Fprintf(e.errOut, "Waiting: %s.\n", strings.TrimSuffix(why, ".")) }
}

// progress returns the progress reporter: a line redrawn on a terminal, JSON lines for
// programs, nothing otherwise.
func (e *env) progress(asJSON bool) func(archiver.Progress) {
	if asJSON {
		enc := json.NewEncoder(e.out)
		return func(p archiver.Progress) { enc.Encode(progressJSON(p)) }
	}
	f, ok := e.out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(p archiver.Progress) {
		fmt.Fprint(e.out, "\r"+progressLine(p)+"\x1b[K")
		if p.Done {
			fmt.Fprintln(e.out)
		}
	}
}

type progressReport struct {
	Files      int64   `json:"files"`
	Bytes      int64   `json:"bytes"`
	TotalFiles int64   `json:"total_files"`
	TotalBytes int64   `json:"total_bytes"`
	Counted    bool    `json:"counted"`
	Sent       int64   `json:"sent"`
	Speed      float64 `json:"bytes_per_second"`
	ETA        float64 `json:"eta_seconds,omitempty"`
}

func progressJSON(p archiver.Progress) progressReport {
	r := progressReport{Files: p.Files, Bytes: p.Bytes, TotalFiles: p.TotalFiles, TotalBytes: p.TotalBytes, Counted: p.Counted, Sent: p.Sent}
	r.Speed, r.ETA = rate(p)
	return r
}

func rate(p archiver.Progress) (speed, eta float64) {
	secs := time.Since(p.Started).Seconds()
	if secs <= 0 {
		return 0, 0
	}
	speed = float64(p.Bytes) / secs
	if p.Counted && speed > 0 && p.TotalBytes > p.Bytes {
		eta = float64(p.TotalBytes-p.Bytes) / speed
	}
	return speed, eta
}

// progressLine is one line: a bar, files, bytes, speed and time left.
func progressLine(p archiver.Progress) string {
	speed, eta := rate(p)
	bar := strings.Repeat("·", 20)
	pct := ""
	if p.Counted && p.TotalBytes > 0 {
		done := min(int(20*p.Bytes/p.TotalBytes), 20)
		bar = strings.Repeat("█", done) + strings.Repeat("·", 20-done)
		pct = fmt.Sprintf(" %3d%%", min(100*p.Bytes/p.TotalBytes, 100))
	}
	left := ""
	if eta > 0 {
		left = ", " + (time.Duration(eta) * time.Second).Round(time.Second).String() + " left"
	}
	return fmt.Sprintf("[%s]%s %d files, %s, %s/s%s", bar, pct, p.Files, human.Bytes(p.Bytes), human.Bytes(int64(speed)), left)
}

func snapshots(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("snapshots", flag.ContinueOnError)
	fs.SetOutput(e.errOut)
	asJSON := fs.Bool("json", false, "as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := e.backupClient()
	if err != nil {
		return err
	}
	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if snaps == nil {
			snaps = []schema.Snapshot{}
		}
		return json.NewEncoder(e.out).Encode(snaps)
	}
	if len(snaps) == 0 {
		fmt.Fprintf(e.out, "%s has no backups yet; run hearth backup.\n", c.PC())
		return nil
	}
	for _, s := range snaps {
		pin := ""
		if s.Pinned {
			pin = "  pinned"
		}
		fmt.Fprintf(e.out, "%s  %s  %6d files  %9s  (%s new)  %s%s\n", s.ID[:8], s.Folder, s.Files, human.Bytes(s.Bytes), human.Bytes(s.Added),
			strings.Join(s.Paths, ", "), pin)
	}
	return nil
}

// pinCmd keeps a backup whatever the retention rule says, or no longer.
func pinCmd(pinned bool) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			usage(e.errOut)
			return flag.ErrHelp
		}
		c, err := e.backupClient()
		if err != nil {
			return err
		}
		id, s, err := c.Snapshot(ctx, args[0])
		if err != nil {
			return err
		}
		if !pinned {
			// Letting a kept backup go needs the owner, not this PC's token: a stolen
			// or infected PC must not be able to make the server drop backups.
			pw, err := e.password(c.Owner() + "'s password (letting a kept backup go needs it): ")
			if err != nil {
				return err
			}
			c = c.AsOwner(pw)
		}
		if err := c.Pin(ctx, id, pinned); err != nil {
			return err
		}
		if pinned {
			fmt.Fprintf(e.out, "The backup of %s is kept until you unpin it.\n", backup.FolderName(s.Time))
		} else {
			fmt.Fprintf(e.out, "The backup of %s is no longer pinned; the retention rule judges it again.\n", backup.FolderName(s.Time))
		}
		return nil
	}
}

func restore(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(e.errOut)
	to := fs.String("to", "", "the folder to restore into (required; -to / puts files back where they were)")
	repoSpec := fs.String("repo", "", "read a server backup without the server: a folder (its external drive) or s3://HOST:PORT/BUCKET/FOLDER")
	overwrite := fs.Bool("overwrite", false, "replace the files already there with the backup's (without it, a restore that would replace any file restores nothing)")
	// Flags may follow the arguments: hearth restore latest /home/ann/Documents --to /tmp/x.
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) < 1 || len(pos) > 2 {
		usage(e.errOut)
		return flag.ErrHelp
	}
	if *to == "" {
		return errors.New("say where to restore to: hearth restore -to FOLDER " + strings.Join(pos, " ") + " (an empty folder, or -to / to put the files back where they were)")
	}
	sub := ""
	if len(pos) == 2 {
		sub = pos[1]
	}
	start := time.Now()
	var opt restorer.Options
	if *overwrite {
		opt.Conflict = func(string) restorer.Choice { return restorer.Replace }
	}
	var st restorer.Stats
	var err error
	if *repoSpec != "" {
		err = restoreFromRepo(ctx, e, *repoSpec, pos[0], sub, *to, opt)
	} else {
		var c *backupclient.Client
		if c, err = e.backupClient(); err != nil {
			return err
		}
		st, err = c.Restore(ctx, pos[0], sub, *to, opt)
	}
	if re, ok := errors.AsType[*restorer.ReplaceError](err); ok {
		what := fmt.Sprintf("%d files or folders", re.Count)
		if re.Count == 1 {
			what = "1 file or folder"
		}
		return fmt.Errorf("nothing was restored: %s already there would be replaced (such as %s). Restore into an empty folder with -to, or add -overwrite to replace them",
			what, strings.Join(re.Examples, ", "))
	}
	if err != nil || *repoSpec != "" {
		return err
	}
	fmt.Fprintf(e.out, "Restored %s (%s), %s and %s into %s in %s.\n", count(st.Files, "file"), human.Bytes(st.Bytes),
		count(st.Dirs, "folder"), count(st.Links, "link"), *to, time.Since(start).Round(time.Millisecond))
	return nil
}

// lastBackup is when this PC last backed up (zero if never).
func lastBackup(ctx context.Context, cfg connector.Config) (time.Time, error) {
	c, err := backupclient.New(cfg)
	if err != nil {
		return time.Time{}, err
	}
	snaps, err := c.Snapshots(ctx)
	if err != nil || len(snaps) == 0 {
		return time.Time{}, err
	}
	return snaps[len(snaps)-1].Time, nil
}

func count(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// backupClient is the backup client of the PC's saved connection.
func (e *env) backupClient() (*backupclient.Client, error) {
	cfg, err := connector.Load(e.config)
	if err != nil {
		return nil, err
	}
	return backupclient.New(cfg)
}
