package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"
)

func cmdSetup(ctx context.Context, e *env, args []string) error {
	var name *string
	c, err := openVerbless(ctx, e, "setup", args, func(fs *flag.FlagSet) {
		name = fs.String("name", "admin", "the administrator's user name")
	})
	if err != nil {
		return err
	}
	defer c.done()
	if len(c.args) != 0 {
		return errUsage
	}
	pw, err := e.newPassword(fmt.Sprintf("Password for the administrator %s: ", *name))
	if err != nil {
		return err
	}
	u, err := c.svc.Setup(ctx, *name, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Administrator %s created, with a share of their own. Add the family with: hearthd user add NAME\n", u.Name)
	return nil
}

func cmdUser(ctx context.Context, e *env, args []string) error {
	var admin *bool
	var label *string
	c, err := openVerb(ctx, e, "user", args, []string{"add", "list", "passwd", "remove", "token"}, func(fs *flag.FlagSet) func() error {
		admin = fs.Bool("admin", false, "make the new user an administrator")
		label = fs.String("label", "", "which device a token is for")
		return nil
	})
	if err != nil {
		return err
	}
	defer c.done()
	verb, rest, svc := c.verb, c.args, c.svc
	switch {
	case verb == "list" && len(rest) == 0:
		us, err := svc.Users(ctx)
		if err != nil {
			return err
		}
		if len(us) == 0 {
			fmt.Fprintln(e.out, "There are no users yet. Create the administrator with: hearthd setup")
			return nil
		}
		tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tROLE\tSINCE")
		for _, u := range us {
			role := "user"
			if u.Admin {
				role = "administrator"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, role, u.Created.Format("2006-01-02"))
		}
		return tw.Flush()
	case verb == "add" && len(rest) == 1:
		pw, err := e.newPassword(fmt.Sprintf("Password for %s: ", rest[0]))
		if err != nil {
			return err
		}
		u, err := svc.AddUser(ctx, rest[0], pw, *admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "User %s added, with a share of their own and access to the family shares.\n", u.Name)
		return nil
	case verb == "passwd" && len(rest) == 1:
		pw, err := e.newPassword(fmt.Sprintf("New password for %s: ", rest[0]))
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, rest[0], pw); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Password of %s changed; the web pages signed in with the old one are signed out.\n", rest[0])
		// A PC's own sign-in is not the password: say so, in case the password was
		// changed because someone else knew it and joined a device of their own.
		if ds, err := svc.Devices(ctx); err == nil {
			n := 0
			for _, d := range ds {
				if strings.EqualFold(d.User, rest[0]) {
					n++
				}
			}
			if n > 0 {
				fmt.Fprintf(e.out, "Their %d device(s) keep their own sign-in: hearthd device list shows them, hearthd device remove ID ends one.\n", n)
			}
		}
		return nil
	case verb == "remove" && len(rest) == 1:
		if err := svc.RemoveUser(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "User %s removed. Their share and files are kept; an administrator can still open them.\n", rest[0])
		return nil
	case verb == "token" && len(rest) == 1:
		t, err := svc.NewToken(ctx, rest[0], *label)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "%s\nUse this as the password of %s on one device. It is shown only now.\nIt cannot back up a PC or touch its backups: a PC gets its own when it joins (hearth join).\n", t, rest[0])
		return nil
	}
	return errUsage
}

// newPassword asks for a password: twice without echo on a terminal, or as one line of
// standard input otherwise (for scripts).
func (e *env) newPassword(prompt string) (string, error) {
	fd := int(os.Stdin.Fd())
	if e.in == nil && term.IsTerminal(fd) {
		fmt.Fprint(e.errOut, prompt)
		a, err := term.ReadPassword(fd)
		fmt.Fprintln(e.errOut)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.errOut, "Again: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(e.errOut)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
		return string(a), nil
	}
	in := e.in
	if in == nil {
		in = os.Stdin
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password given: type it when asked, or pipe it on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func cmdStatus(ctx context.Context, e *env, args []string) error {
	c, err := openVerbless(ctx, e, "status", args, nil)
	if err != nil {
		return err
	}
	defer c.done()
	if len(c.args) != 0 {
		return errUsage
	}
	info, err := c.svc.Server(ctx)
	if err != nil {
		return err
	}
	st, err := c.svc.Status(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Hearth\t%s\n", info.Version)
	if info.URL != "" {
		fmt.Fprintf(tw, "Drive\t%s\n", info.URL)
	} else {
		fmt.Fprintf(tw, "Drive\tnot served: hearthd is not running (start it with: hearthd run)\n")
	}
	// The authority's fingerprint first: the one a joining PC shows. The certificate's
	// own changes with every renewal and is for experts.
	fmt.Fprintf(tw, "Authority\tSHA-256 %s%s\n", info.CAFingerprint, authorityNote(info))
	fmt.Fprintf(tw, "\t(a PC that joins shows this fingerprint; a join code from the web console checks it by itself)\n")
	fmt.Fprintf(tw, "Certificate\tSHA-256 %s (renewed every year; no PC shows it)\n", info.Fingerprint)
	fmt.Fprintf(tw, "Names\t%s\n", strings.Join(info.Names, ", "))
	fmt.Fprintf(tw, "Pool\t%d drives, %d files, %d shares\n", len(st.Drives), st.Files, st.Shares)
	switch {
	case info.SetupURL != "":
		fmt.Fprintf(tw, "Setup\tno administrator yet: open %s (or run hearthd setup)\n", info.SetupURL)
	case info.SetupNeeded:
		fmt.Fprintf(tw, "Setup\tno administrator yet: run hearthd setup\n")
	}
	return tw.Flush()
}
