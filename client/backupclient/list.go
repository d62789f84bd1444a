package backupclient

import (
	"context"
	"fmt"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/restorer"
)

// List returns the items of the folder sub (a slash-separated path inside the backup,
// "" for its top) of the backup whose top folder listing is root: what a tree of the
// backup shows when that folder is opened.
func (c *Client) List(ctx context.Context, root backup.ID, sub string) ([]backup.Node, error) {
	cur := root
	for _, name := range backup.PathNames(sub) {
		t, err := c.tree(ctx, cur)
		if err != nil {
			return nil, err
		}
		var next *backup.ID
		for _, n := range t.Nodes {
			if n.FileName() == name && n.Subtree != nil {
				next = n.Subtree
			}
		}
		if next == nil {
			return nil, fmt.Errorf("%s: %w", sub, restorer.ErrNoPath)
		}
		cur = *next
	}
	t, err := c.tree(ctx, cur)
	return t.Nodes, err
}

func (c *Client) tree(ctx context.Context, id backup.ID) (backup.TreeBlob, error) {
	data, err := c.Blob(ctx, id)
	if err != nil {
		return backup.TreeBlob{}, fmt.Errorf("folder listing %s: %w", id.Short(), err)
	}
	return backup.DecodeTree(data)
}
