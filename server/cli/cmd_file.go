package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hearth-home/hearth/internal/atomicfile"
	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/pool"
)

func cmdFile(ctx context.Context, e *env, args []string) error {
	var to *string
	var limit *int
	verbs := []string{"ls", "put", "get", "rm", "mv", "mkdir", "versions", "restore", "find"}
	c, err := openVerb(ctx, e, "file", args, verbs, func(fs *flag.FlagSet) func() error {
		to = fs.String("to", "", "restore to this path instead (restore)")
		limit = fs.Int("limit", pool.FindDefault, "show at most this many (find)")
		return nil
	})
	if err != nil {
		return err
	}
	defer c.done()
	verb, rest, svc := c.verb, c.args, c.svc
	switch {
	case verb == "ls" && len(rest) <= 1:
		dir := ""
		if len(rest) == 1 {
			dir = rest[0]
		}
		return fileList(ctx, e, svc, dir)
	case verb == "put" && len(rest) == 2:
		return filePut(ctx, e, svc, rest[0], rest[1])
	case verb == "get" && len(rest) == 2:
		return fileGet(ctx, svc, rest[0], rest[1])
	case verb == "rm" && len(rest) == 1:
		return svc.Remove(ctx, rest[0])
	case verb == "mv" && len(rest) == 2:
		return svc.Rename(ctx, rest[0], rest[1])
	case verb == "mkdir" && len(rest) == 1:
		_, err := svc.Mkdir(ctx, rest[0], time.Time{})
		return err
	case verb == "find" && len(rest) >= 1:
		return fileFind(ctx, e, svc, strings.Join(rest, " "), *limit)
	case verb == "versions" && len(rest) == 1:
		return fileVersions(ctx, e, svc, rest[0])
	case verb == "restore" && len(rest) == 2:
		gen, err := strconv.ParseUint(rest[1], 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a version number; hearthd file versions %s lists them", rest[1], rest[0])
		}
		fi, err := svc.RestoreVersion(ctx, rest[0], gen, *to)
		if err == nil {
			fmt.Fprintf(e.out, "Restored %s (%s); what was there is kept as a previous version.\n", fi.Path, human.Bytes(fi.Size))
		}
		return err
	}
	return errUsage
}

func fileList(ctx context.Context, e *env, svc admin.Service, dir string) error {
	list, err := svc.List(ctx, dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	for _, fi := range list {
		if fi.Dir {
			fmt.Fprintf(tw, "%s/\t\t%s\t\n", fi.Name, fi.ModTime.Local().Format("2006-01-02 15:04"))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d of %d copies\n", fi.Name, human.Bytes(fi.Size), fi.ModTime.Local().Format("2006-01-02 15:04"), fi.Copies, fi.Wanted)
	}
	return tw.Flush()
}

func filePut(ctx context.Context, e *env, svc admin.Service, local, path string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fi, err := svc.Put(ctx, path, f, st.Size(), st.ModTime())
	if err == nil {
		fmt.Fprintf(e.out, "Stored %s (%s, %d copies).\n", fi.Path, human.Bytes(fi.Size), fi.Copies)
	}
	return err
}

// fileGet writes into a temp file beside local and renames it into place, so an
// interrupted download never leaves half a file under the real name.
func fileGet(ctx context.Context, svc admin.Service, path, local string) error {
	rc, fi, err := svc.Get(ctx, path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if local == "-" {
		_, err := io.Copy(os.Stdout, rc)
		return err
	}
	if err := atomicfile.Copy(local, rc, 0o600, fi.ModTime); err != nil {
		return fmt.Errorf("download %s: %w", path, err)
	}
	return nil
}

func fileVersions(ctx context.Context, e *env, svc admin.Service, path string) error {
	vs, err := svc.Versions(ctx, path)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		fmt.Fprintf(e.out, "No previous versions of %s are kept.\n", path)
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFILE\tSIZE\tMODIFIED\tREPLACED")
	for _, v := range vs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.Gen, v.Path, human.Bytes(v.Size),
			v.ModTime.Local().Format("2006-01-02 15:04"), v.Kept.Local().Format("2006-01-02 15:04"))
	}
	tw.Flush()
	fmt.Fprintf(e.out, "Bring one back with: hearthd file restore PATH VERSION\n")
	return nil
}

// fileFind searches every shared folder by name (the command is the server's owner's).
func fileFind(ctx context.Context, e *env, svc admin.Service, query string, limit int) error {
	if limit < 1 || limit > pool.FindMax {
		return fmt.Errorf("-limit is a number from 1 to %d", pool.FindMax)
	}
	shares, err := svc.Shares(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(shares))
	for _, s := range shares {
		names = append(names, s.Name)
	}
	found, err := svc.Find(ctx, query, names, limit+1) // one more tells whether there are more
	if err != nil {
		return err
	}
	more := len(found) > limit
	found = found[:min(limit, len(found))]
	if len(found) == 0 {
		fmt.Fprintf(e.out, "No file or folder has %q in its name.\n", query)
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	for _, fi := range found {
		if fi.Dir {
			fmt.Fprintf(tw, "%s/\t\t%s\n", fi.Path, fi.ModTime.Local().Format("2006-01-02 15:04"))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", fi.Path, human.Bytes(fi.Size), fi.ModTime.Local().Format("2006-01-02 15:04"))
	}
	tw.Flush()
	if more {
		fmt.Fprintf(e.out, "There are more; these are the first %d, best first. Use -limit to see more.\n", limit)
	}
	return nil
}
