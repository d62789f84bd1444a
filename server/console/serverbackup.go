package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/disks"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// The Server backup page (issue 23): the jobs that copy the shares to an external drive
// or an S3 store, made, run, removed and restored from here as with hearthd
// serverbackup.
func (c *Console) serverBackupRoutes() {
	c.mux.HandleFunc("GET /serverbackup", c.adminOnly(c.serverBackups))
	c.mux.HandleFunc("POST /serverbackup", c.adminOnly(c.addServerBackup))
	c.mux.HandleFunc("POST /serverbackup/{name}/run", c.adminOnly(c.runServerBackup))
	c.mux.HandleFunc("POST /serverbackup/{name}/restore", c.adminOnly(c.restoreServerBackup))
	c.mux.HandleFunc("POST /serverbackup/{name}/remove", c.adminOnly(c.removeServerBackup))
}

type serverBackupData struct {
	Jobs    []serverbackup.Job
	Shares  []string
	Running bool // a run is in progress: the page follows it
	// Drives are the disks plugged into the server that are not the pool's: where a
	// backup to a drive can go.
	Drives []disks.Mount
	// Recovery is the recovery key of the job Made just now, shown this once: the
	// answer to the form is the page itself, never a redirect or a cookie.
	Recovery, Made string
}

func (c *Console) serverBackups(w http.ResponseWriter, r *http.Request) {
	d, err := c.serverBackupData(r)
	if err != nil {
		c.unreadable(w, r, "its server backups", err)
		return
	}
	c.render(w, r, "serverbackup", "Server backup", d)
}

func (c *Console) serverBackupData(r *http.Request) (serverBackupData, error) {
	ctx := r.Context()
	jobs, err := c.opt.Service.ServerBackups(ctx)
	if err != nil {
		return serverBackupData{}, err
	}
	shares, err := c.opt.Service.Shares(ctx)
	if err != nil {
		return serverBackupData{}, err
	}
	d := serverBackupData{Jobs: jobs}
	for _, s := range shares {
		if s.Name == pool.BackupsShare {
			continue // the PCs' backups are not a server backup's source yet
		}
		d.Shares = append(d.Shares, s.Name)
	}
	for _, j := range jobs {
		d.Running = d.Running || j.Running
	}
	if cands, err := c.opt.Service.DriveCandidates(ctx); err != nil {
		c.opt.Log.Warn("looking for drives to back up to failed", "err", err)
	} else {
		for _, m := range cands.Mounts {
			if m.Offered {
				d.Drives = append(d.Drives, m)
			}
		}
	}
	return d, nil
}

func (c *Console) addServerBackup(w http.ResponseWriter, r *http.Request) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	if err := r.ParseForm(); err != nil {
		c.done(w, r, "/serverbackup", err, "")
		return
	}
	job := serverbackup.Job{Name: f("name"), Shares: r.PostForm["share"], Daily: f("daily"),
		Encrypted: r.PostFormValue("encrypt") != "", Passphrase: r.PostFormValue("passphrase")}
	switch f("where") {
	case "s3":
		limit, _ := strconv.ParseFloat(f("limit"), 64)
		job.Target.S3 = &serverbackup.S3Target{Endpoint: f("endpoint"), Bucket: f("bucket"), Prefix: f("prefix"), Region: f("region"),
			AccessKey: f("access-key"), SecretKey: r.PostFormValue("secret-key"), Insecure: r.PostFormValue("insecure") != "",
			Limit: int64(limit * (1 << 20))}
		job.Encrypted = true // always, and the page says so
	default:
		job.Target.Folder = f("folder")
	}
	if job.Encrypted && job.Passphrase != r.PostFormValue("passphrase2") {
		c.backupFlash(w, r, errPassphrases)
		return
	}
	recovery, err := c.opt.Service.AddServerBackup(r.Context(), job)
	if err != nil {
		c.backupFlash(w, r, err)
		return
	}
	if recovery == "" {
		c.done(w, r, "/serverbackup", nil, "The server backup "+job.Name+" is made. It backs up by itself at the time set, or when you choose Back up now.")
		return
	}
	d, err := c.serverBackupData(r)
	if err != nil {
		c.unreadable(w, r, "its server backups", err)
		return
	}
	d.Recovery, d.Made = recovery, job.Name
	c.render(w, r, "serverbackup", "Server backup", d)
}

func (c *Console) runServerBackup(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := c.opt.Service.StartServerBackup(r.Context(), name); err != nil {
		c.backupFlash(w, r, err)
		return
	}
	c.done(w, r, "/serverbackup", nil, "The server backup "+name+" has started; this page shows when it is done.")
}

func (c *Console) restoreServerBackup(w http.ResponseWriter, r *http.Request) {
	name, share := r.PathValue("name"), r.PostFormValue("share")
	opt := serverbackup.RestoreOptions{Shares: []string{share}}
	// A path inside the share, when given, brings back that file or folder alone.
	if sub := strings.Trim(r.PostFormValue("path"), "/ "); sub != "" {
		share += "/" + sub
		opt = serverbackup.RestoreOptions{Path: share}
	}
	st, err := c.opt.Service.RestoreServerBackup(r.Context(), name, opt)
	if err != nil {
		c.backupFlash(w, r, err)
		return
	}
	c.done(w, r, "/serverbackup", nil, "The backup of "+share+" is back: "+plural(st.Files, "file", "files")+" in \u201c"+strings.Join(st.Places, "\u201d, \u201c")+"\u201d. Nothing of the family's was replaced.")
}

func (c *Console) removeServerBackup(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := c.opt.Service.RemoveServerBackup(r.Context(), name)
	c.done(w, r, "/serverbackup", errOrWords(err), "The server backup "+name+" is removed. Its backups stay on the drive or store, and a new server backup there uses them again.")
}

// backupFlash goes back to the page with err in words.
func (c *Console) backupFlash(w http.ResponseWriter, r *http.Request, err error) {
	c.opt.Log.Warn("a server backup action failed", "path", r.URL.Path, "err", err)
	setFlash(w, true, serverBackupSentence(err))
	http.Redirect(w, r, "/serverbackup", http.StatusSeeOther)
}

func errOrWords(err error) error {
	if err == nil {
		return nil
	}
	return &wordsError{serverBackupSentence(err), err}
}

type wordsError struct {
	words string
	err   error
}

func (e *wordsError) Error() string { return e.words }
func (e *wordsError) Unwrap() error { return e.err }

// errPassphrases: the passphrase and its repetition differ.
var errPassphrases = errors.New("the two passphrases differ; type the same one twice")

// serverBackupWords are the errors whose own text is written for a person.
var serverBackupWords = []error{serverbackup.ErrNoJob, serverbackup.ErrJobExists, serverbackup.ErrJobName, serverbackup.ErrNoTarget,
	serverbackup.ErrS3Plain, serverbackup.ErrOnPool, serverbackup.ErrRunning, serverbackup.ErrNotEncrypted, serverbackup.ErrNoBackup,
	serverbackup.ErrDaily, serverbackup.ErrNoShares, serverbackup.ErrMissingShare, crypt.ErrNoPassphrase, crypt.ErrWrongPassphrase,
	crypt.ErrEncrypted, crypt.ErrInitialized, repo.ErrLocked, errPassphrases}

// serverBackupSentence is err as a sentence for the page: the server backup's own
// words where it has them (a drive not plugged in, a wrong passphrase), else the
// console's usual.
func serverBackupSentence(err error) string {
	var msg string
	var te *serverbackup.TargetError
	var pe *serverbackup.PlainError
	var we *wordsError
	switch {
	case errors.As(err, &we):
		return we.words
	case errors.As(err, &te):
		msg = te.Words
	case errors.As(err, &pe):
		msg = pe.Words
	case errors.Is(err, admin.ErrNoDaemon):
		return Sentence(err)
	}
	for _, known := range serverBackupWords {
		if msg == "" && errors.Is(err, known) {
			msg = known.Error()
			if errors.Is(err, serverbackup.ErrMissingShare) || errors.Is(err, repo.ErrLocked) {
				msg = err.Error() // names the share, or who holds the target: in words
			}
		}
	}
	if msg == "" {
		return Sentence(err)
	}
	rs := []rune(msg)
	rs[0] = unicode.ToUpper(rs[0])
	return strings.TrimSuffix(string(rs), ".") + "."
}
