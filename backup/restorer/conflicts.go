package restorer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-home/hearth/backup"
)

// Choice is what to do with a file of the backup whose place holds something already.
type Choice int

const (
	// Replace puts the backup's file in its place; what was there is gone.
	Replace Choice = iota + 1
	// KeepBoth restores the backup's file beside it, as "name (restored).ext".
	KeepBoth
	// Skip leaves what is there and restores nothing in its place.
	Skip
)

// Options say how a restore meets what is there already.
type Options struct {
	// Conflict decides for each file, link or folder of the backup whose place on this PC
	// holds something it would replace (path is that place). Nil: a restore that would
	// replace anything writes nothing and fails with a *ReplaceError, so no tool
	// overwrites silently.
	Conflict func(path string) Choice
}

// ReplaceError refuses a restore that would replace files, when no one said to.
type ReplaceError struct {
	Count    int
	Examples []string // the first few places
}

func (e *ReplaceError) Error() string {
	return fmt.Sprintf("%d files there would be replaced by the backup's (such as %s); nothing was restored", e.Count, strings.Join(e.Examples, ", "))
}

// ErrWouldReplace: see ReplaceError.
var ErrWouldReplace = errors.New("the restore would replace files")

func (e *ReplaceError) Is(target error) bool { return target == ErrWouldReplace }

// inTheWay tells whether restoring a node of type t at path meets something there
// already: anything where a file or link goes, and anything but a folder where a folder
// goes (a folder there is merged into).
func inTheWay(t backup.NodeType, path string) bool {
	fi, err := os.Lstat(path)
	if err != nil {
		return false
	}
	return t != backup.Dir || !fi.IsDir()
}

// keepBothName is a free name beside path: "name (restored).ext", then "(restored 2)".
func keepBothName(path string) string {
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for i := 1; ; i++ {
		try := stem + " (restored)" + ext
		if i > 1 {
			try = fmt.Sprintf("%s (restored %d)%s", stem, i, ext)
		}
		if _, err := os.Lstat(try); errors.Is(err, fs.ErrNotExist) {
			return try
		}
	}
}

// Conflicts counts what restoring sub of the tree root into dir would replace, and
// returns the first few places: what a tool shows before asking, or refusing.
func Conflicts(ctx context.Context, l Loader, root backup.ID, sub, dir string) (int, []string, error) {
	r := &restorer{l: l}
	node, err := r.find(ctx, root, sub)
	if err != nil {
		return 0, nil, err
	}
	var n int
	var examples []string
	var walk func(id backup.ID, dir string) error
	visit := func(nd backup.Node, path string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if inTheWay(nd.Type, path) {
			n++
			if len(examples) < 3 {
				examples = append(examples, path)
			}
			return nil
		}
		if nd.Type == backup.Dir && nd.Subtree != nil {
			return walk(*nd.Subtree, path)
		}
		return nil
	}
	walk = func(id backup.ID, dir string) error {
		t, err := r.loadTree(ctx, id)
		if err != nil {
			return err
		}
		for _, nd := range t.Nodes {
			if err := visit(nd, filepath.Join(dir, nd.FileName())); err != nil {
				return err
			}
		}
		return nil
	}
	if node == nil {
		err = walk(root, dir)
	} else {
		err = visit(*node, filepath.Join(dir, node.FileName()))
	}
	return n, examples, err
}
