package backup

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"
)

// NodeType is what a tree entry is.
type NodeType string

const (
	File    NodeType = "file"
	Dir     NodeType = "dir"
	Symlink NodeType = "symlink"
)

// Chunk is one piece of a file's content, in order.
type Chunk struct {
	ID   ID     `json:"id"`
	Size uint32 `json:"size"`
}

// Node is one entry of a folder.
type Node struct {
	// Name is the entry's name. Names that are not valid UTF-8 (possible on Linux) are
	// stored in RawName instead, base64-encoded, because JSON would replace their bytes.
	Name    string      `json:"name,omitempty"`
	RawName string      `json:"raw_name,omitempty"`
	Type    NodeType    `json:"type"`
	Mode    fs.FileMode `json:"mode"`
	ModTime int64       `json:"mtime_ns"`
	Size    int64       `json:"size,omitempty"`
	// Inode is the file's inode (file ID on Windows): with size and mtime it tells the
	// next backup that a file has not changed.
	Inode   uint64  `json:"inode,omitempty"`
	UID     uint32  `json:"uid,omitempty"`
	GID     uint32  `json:"gid,omitempty"`
	Content []Chunk `json:"content,omitempty"`
	Subtree *ID     `json:"subtree,omitempty"`
	Target  string  `json:"target,omitempty"`
}

// TreeBlob is a folder's listing, sorted by name.
type TreeBlob struct {
	Nodes []Node `json:"nodes"`
}

// SetName stores name, in RawName when it is not valid UTF-8.
func (n *Node) SetName(name string) {
	if utf8.ValidString(name) {
		n.Name, n.RawName = name, ""
	} else {
		n.Name, n.RawName = "", base64.StdEncoding.EncodeToString([]byte(name))
	}
}

// FileName returns the entry's name as the filesystem knows it.
func (n *Node) FileName() string {
	if n.RawName != "" {
		b, _ := base64.StdEncoding.DecodeString(n.RawName)
		return string(b)
	}
	return n.Name
}

// EncodeTree returns the canonical form of a tree: sorted by name, as compact JSON, so
// that the same folder always gets the same ID and is stored once.
func EncodeTree(t TreeBlob) ([]byte, error) {
	slices.SortFunc(t.Nodes, func(a, b Node) int { return strings.Compare(a.FileName(), b.FileName()) })
	if t.Nodes == nil {
		t.Nodes = []Node{}
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return json.Marshal(t)
}

// DecodeTree reads a tree blob and checks it: names are safe to create, sorted and
// unique; each node has what its type needs.
func DecodeTree(data []byte) (TreeBlob, error) {
	var t TreeBlob
	if err := json.Unmarshal(data, &t); err != nil {
		return t, fmt.Errorf("tree: %w: %v", ErrCorrupt, err)
	}
	if err := t.check(); err != nil {
		return t, err
	}
	return t, nil
}

func (t TreeBlob) check() error {
	prev := ""
	for i := range t.Nodes {
		n := &t.Nodes[i]
		if err := n.check(); err != nil {
			return err
		}
		name := n.FileName()
		if i > 0 && name <= prev {
			return fmt.Errorf("tree: %w: %q is out of order or repeated", ErrCorrupt, name)
		}
		prev = name
	}
	return nil
}

func (n *Node) check() error {
	if n.RawName != "" {
		b, err := base64.StdEncoding.DecodeString(n.RawName)
		if err != nil || n.Name != "" || utf8.Valid(b) {
			return fmt.Errorf("tree: %w: a raw name must be base64 of bytes that are not UTF-8", ErrCorrupt)
		}
	}
	name := n.FileName()
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("tree: %w: unsafe name %q", ErrCorrupt, name)
	}
	bad := func(why string) error { return fmt.Errorf("tree: %w: %q %s", ErrCorrupt, name, why) }
	if n.Size < 0 {
		return bad("has a negative size")
	}
	switch n.Type {
	case File:
		var sum int64
		for _, c := range n.Content {
			sum += int64(c.Size)
		}
		if sum != n.Size || n.Subtree != nil || n.Target != "" {
			return bad("is a file whose pieces do not add up")
		}
	case Dir:
		if n.Subtree == nil || n.Content != nil || n.Size != 0 {
			return bad("is a folder without its listing")
		}
	case Symlink:
		if n.Target == "" || strings.ContainsRune(n.Target, 0) || n.Content != nil || n.Subtree != nil {
			return bad("is a link without a target")
		}
	default:
		return bad("has an unknown type")
	}
	return nil
}
