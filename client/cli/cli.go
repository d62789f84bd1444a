// Package cli is the hearth command on a PC: join a Hearth server, show its status,
// leave it.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/health"
	"github.com/hearth-home/hearth/client/words"
	"github.com/hearth-home/hearth/internal/joincode"
	"golang.org/x/term"
)

// env is what a command runs with.
type env struct {
	in          *bufio.Reader
	tty         bool // in is the terminal: passwords are read without echo
	out, errOut io.Writer
	config      string
	// probes check this PC's health; nil means the usual ones for its system.
	probes []health.Probe
}

// Main runs the command in args and returns the exit code. in answers prompts; when it
// is the terminal, passwords are not echoed.
func Main(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	e := &env{in: bufio.NewReader(in), out: out, errOut: errOut}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		e.tty = true
	}
	path, err := connector.ConfigPath()
	if v := os.Getenv("HEARTH_CONNECTOR_CONFIG"); v != "" {
		path, err = v, nil
	}
	if err != nil {
		fmt.Fprintln(errOut, "hearth:", words.Say(err))
		return 1
	}
	e.config = path
	// -v (or --debug) before the command also shows an error's technical detail.
	debug := false
	if len(args) > 0 && (args[0] == "-v" || args[0] == "--debug") {
		debug, args = true, args[1:]
	}
	if len(args) == 0 {
		usage(errOut)
		return 2
	}
	var run func(context.Context, *env, []string) error
	switch args[0] {
	case "join":
		run = join
	case "status":
		run = status
	case "leave":
		run = leave
	case "backup":
		run = backupNow
	case "snapshots":
		run = snapshots
	case "restore":
		run = restore
	case "pin", "unpin":
		run = pinCmd(args[0] == "pin")
	case "agent":
		run = runAgent
	case "health":
		run = healthCmd
	case "service":
		run = serviceCmd
	default:
		usage(errOut)
		return 2
	}
	if err := run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintln(errOut, "hearth:", words.Say(err))
		if debug {
			fmt.Fprintln(errOut, "detail:", err)
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage:
  hearth join [-user NAME] [-name DEVICE] [-fingerprint FP] [-trust-ca] [SERVER]
  hearth join -code CODE [-name DEVICE] [-trust-ca] [SERVER]
                                                         join this PC to a Hearth server
                                                         (found on the network when not named)
  hearth status                                          the server and this PC's place on it
  hearth leave                                           remove this PC from the server
  hearth backup [-json] [-include DIR]... [-exclude PAT]... [-at HH:MM] [-save]
                                                         back this PC up now (-save: keep the
                                                         folders, patterns and time as its settings)
  hearth snapshots [-json]                               list this PC's backups
  hearth restore [-to DIR] SNAPSHOT [PATH]               bring back a backup, or PATH in it
  hearth restore -repo DIR|s3://HOST/BUCKET/FOLDER -to DIR latest|ID [PATH]
                                                         read a server backup without the server
                                                         (SNAPSHOT: an ID, its first digits, or latest)
  hearth pin SNAPSHOT | unpin SNAPSHOT                   keep a backup whatever the retention rule
                                                         says, or no longer
  hearth health [-json] [-watch]                         check this PC (firewall, updates, disks...),
                                                         tell the server, and show what needs attention
  hearth agent                                           stay running: back up every night, catch up
                                                         after the PC was off, retry when the server is
                                                         away, back up when the tray, the console or
                                                         hearth backup ask, and report this PC's health
                                                         every 5 minutes (one agent per user and PC)
  hearth service install|uninstall                       start the agent at every login (or no longer)
  hearth -v COMMAND                                      as COMMAND, and show an error's technical detail`)
}

func join(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	fs.SetOutput(e.errOut)
	user := fs.String("user", "", "your user name on the server")
	name := fs.String("name", "", "this PC's name (default: its host name)")
	expect := fs.String("fingerprint", "", "the CA fingerprint 'hearthd status' shows; given, it is checked instead of asked")
	codeText := fs.String("code", "", "a join code from the server's web console (Get the connector): it finds and checks the server, and stands for the user's password")
	trust := fs.Bool("trust-ca", false, "also trust the server's certificate authority on this PC, so the drive opens without warnings (needs root or administrator; the authority can vouch only for the server's own and private names and addresses: one made before Hearth limited it is not trusted)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		usage(e.errOut)
		return flag.ErrHelp
	}
	if _, err := connector.Load(e.config); err == nil {
		return errors.New("this PC has already joined a server; run hearth leave first")
	}
	if *name == "" {
		*name, _ = os.Hostname()
	}
	if *codeText != "" {
		return joinWithCode(ctx, e, *codeText, *name, *trust, fs.Arg(0))
	}
	var server, announced string
	var err error
	if fs.NArg() == 1 {
		server, err = connector.ServerURL(fs.Arg(0))
	} else {
		server, announced, err = e.pickServer(ctx)
	}
	if err != nil {
		return err
	}
	id, err := connector.Probe(ctx, server)
	if err != nil {
		return err
	}
	if announced != "" && !connector.SameFingerprint(announced, id.CAFingerprint) {
		return fmt.Errorf("the server at %s is not the one that announced itself there (its certificate authority differs); not joined", server)
	}
	fmt.Fprintf(e.out, "The server at %s shows this certificate authority:\n  SHA-256 %s\nIt must match the \"Authority\" line of 'hearthd status' on the server.\n", server, id.CAFingerprint)
	if *expect != "" {
		// Given on the command line (scripts): it must match; nothing is asked.
		if !connector.SameFingerprint(*expect, id.CAFingerprint) {
			return errors.New("not joined: the server's fingerprint is not the one given with -fingerprint")
		}
	} else {
		ans, err := e.ask("Is it the same? (yes/no): ")
		if err != nil {
			return err
		}
		if a := strings.ToLower(ans); a != "yes" && a != "y" {
			return errors.New("not joined: the fingerprint was not confirmed")
		}
	}
	if *user == "" {
		if *user, err = e.ask("User name: "); err != nil {
			return err
		}
	}
	password, err := e.password("Password for " + *user + ": ")
	if err != nil {
		return err
	}
	cfg, err := connector.Join(ctx, id, *user, password, *name)
	if errors.Is(err, connector.ErrBadCredentials) {
		// Here it is the person's password, not this PC's place on the server.
		return errors.New("not joined: the user name or password is wrong; check them and try again")
	}
	if err != nil {
		return fmt.Errorf("not joined: %w", err)
	}
	return e.joined(ctx, cfg, id, *trust)
}

// joinWithCode joins with a join code: the server is the one on the network (or at
// server, when given) whose authority the code pins; nothing is asked.
func joinWithCode(ctx context.Context, e *env, text, name string, trust bool, server string) error {
	code, err := joincode.Parse(text)
	if err != nil {
		return err
	}
	if server != "" {
		if server, err = connector.ServerURL(server); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.out, "Looking for the server that made this code on the network...")
		found, err := connector.Discover(ctx, 3*time.Second)
		if err != nil {
			return err
		}
		f, ok := connector.ServerForCode(found, code)
		if !ok {
			return errors.New("no server on this network made this join code. Check the code, or give the server's name or address: hearth join -code CODE SERVER")
		}
		server = f.URL
	}
	id, err := connector.Probe(ctx, server)
	if err != nil {
		return err
	}
	cfg, err := connector.JoinWithCode(ctx, id, code, name)
	if errors.Is(err, connector.ErrNotCodesServer) {
		return fmt.Errorf("not joined: the server at %s is not the one that made this join code (another server, or something on the network standing in for it); the code was not sent", server)
	}
	if err != nil {
		return fmt.Errorf("not joined: %w", err)
	}
	return e.joined(ctx, cfg, id, trust)
}

// joined finishes a join: trusts the server's authority when asked, and keeps the PC's
// settings.
func (e *env) joined(ctx context.Context, cfg connector.Config, id connector.Identity, trust bool) error {
	if trust && !connector.Limited(id.CA) {
		fmt.Fprintln(e.errOut, "Joined, but the server's certificate authority is not added to this PC's trust store: it was made before Hearth limited authorities to the server's own names, so it could vouch for any web site. Ask the administrator to run 'hearthd cert renew-ca', then run 'hearth leave' and 'hearth join -trust-ca' again.")
	} else if trust {
		name := connector.TrustName(cfg.CAFingerprint)
		if err := connector.SystemTrustStore().Add(ctx, name, []byte(cfg.CA)); err != nil {
			fmt.Fprintf(e.errOut, "Joined, but the server's certificate authority could not be trusted on this PC: %v\n", err)
		} else {
			cfg.TrustedCA, cfg.TrustedCAPEM = name, cfg.CA
			fmt.Fprintln(e.out, "This PC now trusts the server's certificate authority: the drive opens without warnings.")
		}
	}
	if err := cfg.Save(e.config); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "This PC (%s) has joined %s as %s.\nOpen the shared folders at %s\n", cfg.DeviceName, cfg.Server, cfg.User, cfg.DAV())
	return nil
}

// pickServer looks for servers on the network and lets the person choose one. It returns
// the server's URL and the fingerprint it announced.
func (e *env) pickServer(ctx context.Context) (string, string, error) {
	fmt.Fprintln(e.out, "Looking for Hearth servers on this network...")
	found, err := connector.Discover(ctx, 3*time.Second)
	if err != nil {
		return "", "", err
	}
	switch len(found) {
	case 0:
		return "", "", errors.New("no Hearth server answered on this network; give its name or address: hearth join SERVER")
	case 1:
		fmt.Fprintf(e.out, "Found %s at %s.\n", found[0].Instance, found[0].URL)
		return found[0].URL, found[0].Fingerprint, nil
	}
	for i, f := range found {
		fmt.Fprintf(e.out, "  %d. %s at %s\n", i+1, f.Instance, f.URL)
	}
	ans, err := e.ask("Which one? ")
	if err != nil {
		return "", "", err
	}
	n, err := strconv.Atoi(ans)
	if err != nil || n < 1 || n > len(found) {
		return "", "", fmt.Errorf("%q is not one of the numbers shown", ans)
	}
	return found[n-1].URL, found[n-1].Fingerprint, nil
}

func status(ctx context.Context, e *env, _ []string) error {
	cfg, err := connector.Load(e.config)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Server:   %s\nDevice:   %s (%s)\nDrive:    %s\n", cfg.Server, cfg.DeviceName, cfg.DeviceID, cfg.DAV())
	if cfg, err = e.repin(ctx, cfg); err != nil && trustOnly(err) {
		fmt.Fprintln(e.errOut, err)
	}
	me, err := cfg.Me(ctx)
	if err != nil {
		fmt.Fprintf(e.out, "Reachable: no: %s\n", words.Say(err))
		return nil
	}
	var shares []string
	for _, s := range me.Shares {
		shares = append(shares, s.Name+" ("+s.Access+")")
	}
	fmt.Fprintf(e.out, "Reachable: yes, signed in as %s\nShares:   %s\n", me.Name, strings.Join(shares, ", "))
	return nil
}

func leave(ctx context.Context, e *env, _ []string) error {
	cfg, err := connector.Load(e.config)
	if err != nil {
		return err
	}
	notes, err := cfg.LeaveServer(ctx, e.config)
	for _, n := range notes {
		fmt.Fprintln(e.errOut, n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "This PC has left %s.\n", cfg.Server)
	return nil
}

func (e *env) ask(prompt string) (string, error) {
	fmt.Fprint(e.out, prompt)
	line, err := e.in.ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no answer given")
	}
	return strings.TrimSpace(line), nil
}

func (e *env) password(prompt string) (string, error) {
	if e.tty {
		fmt.Fprint(e.out, prompt)
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(e.out)
		return string(b), err
	}
	return e.ask(prompt)
}
