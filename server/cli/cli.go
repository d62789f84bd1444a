// Package cli is the hearthd command line: the daemon ("run") and the commands that manage
// it. Each command group has its own file; the logic is in functions tests call directly.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/paths"
)

// Version is set at build time.
var Version = "dev"

// env is what a command runs with.
type env struct {
	in          io.Reader // nil: the terminal or standard input
	out, errOut io.Writer
	state       string
	// mountScan: the pool also looks at every mounted filesystem (app.Options.MountScan),
	// unless HEARTH_NO_MOUNT_SCAN=1 (tests set it).
	mountScan bool
}

type command struct {
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return withServerBackup(map[string]command{
		"run":      {"run [-drive DIR] [-v]      start the server", cmdRun},
		"drive":    {"drive add|list|remove|candidates   manage the pool's drives", cmdDrive},
		"share":    {"share add|list|set|remove|removed|restore|purge   manage shared folders and who may open them", cmdShare},
		"user":     {"user add|list|passwd|remove|token   manage the family's users", cmdUser},
		"setup":    {"setup [-name admin]       create the first administrator", cmdSetup},
		"device":   {"device list|remove ID     the PCs and phones that joined", cmdDevice},
		"status":   {"status                    the server's address, certificate and pool", cmdStatus},
		"cert":     {"cert renew-ca             a new certificate authority, limited to the server's names (joined PCs follow)", cmdCert},
		"pool":     {"pool status|scrub|repair|rebuild|jobs", cmdPool},
		"backup":   {"backup list|check [-read-data]|gc|keep PC [-last N -daily N -weekly N -monthly N]|pin PC ID|unpin PC ID|delete PC ID|deleted|undelete PC ID", cmdBackup},
		"file":     {"file ls|put|get|rm|mv|mkdir|versions|restore|find [-limit N] QUERY", cmdFile},
		"health":   {"health [-now] [-events N] [-json] | health forget PC   what needs attention", cmdHealth},
		"settings": {"settings [set name|keep|metrics|timezone|window VALUE]   the server's settings", cmdSettings},
		"version":  {"version                   print the version", func(_ context.Context, e *env, _ []string) error { fmt.Fprintln(e.out, "hearthd", Version); return nil }},
	})
}

// Main runs the command in args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, out, errOut io.Writer) int {
	return MainWithInput(ctx, args, nil, out, errOut)
}

// MainWithInput is Main with answers to prompts (passwords) read from in.
func MainWithInput(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	e := &env{in: in, out: out, errOut: errOut, state: paths.StateDir(), mountScan: os.Getenv("HEARTH_NO_MOUNT_SCAN") != "1"}
	if len(args) > 0 && (args[0] == "-state" || args[0] == "--state") && len(args) > 1 {
		e.state, args = args[1], args[2:]
	}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(errOut, cmds)
		return 2
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(errOut, "hearthd: no command %q\n", args[0])
		usage(errOut, cmds)
		return 2
	}
	if err := c.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, errRestart) {
			return app.ExitRestart
		}
		if errors.Is(err, errUsage) {
			fmt.Fprintf(errOut, "usage: hearthd %s\n", c.usage)
			return 2
		}
		fmt.Fprintln(errOut, "hearthd:", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: hearthd [-state DIR] COMMAND ...")
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(w, "  hearthd", cmds[n].usage)
	}
}

// parse reads flags anywhere among the arguments and returns the others.
func parse(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	fs.SetOutput(e.errOut)
	fs.StringVar(&e.state, "state", e.state, "the state folder")
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// connect returns the running daemon's service, or opens the pool here when no daemon
// runs. The returned func releases it.
func connect(ctx context.Context, e *env) (admin.Service, func(), error) {
	if c, err := admin.Dial(ctx, paths.Socket(e.state)); err == nil {
		return c, func() {}, nil
	}
	a, err := app.New(ctx, app.Options{StateDir: e.state, MountScan: e.mountScan}, quietLogger(e))
	if errors.Is(err, app.ErrRunning) {
		return nil, nil, fmt.Errorf("%w, but its control socket does not answer yet; try again in a moment", err)
	}
	if err != nil {
		return nil, nil, err
	}
	return a.Service(), func() { a.Close(context.Background()) }, nil
}

// quietLogger shows warnings and errors of a pool opened by a command.
func quietLogger(e *env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// verbCall is a parsed "GROUP VERB [flags] ARGS" with a connection to the pool.
type verbCall struct {
	verb string
	args []string
	svc  admin.Service
	done func()
}

// openVerb parses a command group's verb and flags, runs check (which may be nil) on
// them, and only then connects to the pool, so a typo never opens it.
func openVerb(ctx context.Context, e *env, group string, args, verbs []string, flags func(*flag.FlagSet) (check func() error)) (verbCall, error) {
	verb, args, err := sub(args, verbs...)
	if err != nil {
		return verbCall{}, err
	}
	fs := flag.NewFlagSet(group+" "+verb, flag.ContinueOnError)
	var check func() error
	if flags != nil {
		check = flags(fs)
	}
	rest, err := parse(fs, e, args)
	if err != nil {
		return verbCall{}, err
	}
	if check != nil {
		if err := check(); err != nil {
			return verbCall{}, err
		}
	}
	svc, done, err := connect(ctx, e)
	return verbCall{verb: verb, args: rest, svc: svc, done: done}, err
}

// openVerbless is openVerb for a command without verbs.
func openVerbless(ctx context.Context, e *env, name string, args []string, flags func(*flag.FlagSet)) (verbCall, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if flags != nil {
		flags(fs)
	}
	rest, err := parse(fs, e, args)
	if err != nil {
		return verbCall{}, err
	}
	svc, done, err := connect(ctx, e)
	return verbCall{args: rest, svc: svc, done: done}, err
}

func sub(args []string, names ...string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, errUsage
	}
	for _, n := range names {
		if args[0] == n {
			return n, args[1:], nil
		}
	}
	return "", nil, errUsage
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
