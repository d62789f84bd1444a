package dav

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hearth-home/hearth/server/pool/safepath"
	"golang.org/x/net/webdav"
)

// Prefix is where the WebDAV drive is served.
const Prefix = "/dav"

var errBadPath = errors.New("bad path")

// nameOf checks a request's URL path and returns its WebDAV name ("/Share/dir/file", or
// "/" for the list of shares). The pool checks every path too; this layer refuses early,
// with a 400, and also what only the URL shows: an encoded slash would turn into part of a
// file name.
func nameOf(u *url.URL) (string, error) {
	raw := u.EscapedPath()
	if strings.Contains(strings.ToLower(raw), "%2f") || strings.Contains(strings.ToLower(raw), "%5c") {
		return "", fmt.Errorf("%w: a slash or backslash is written in code (%%2F, %%5C) in %q", errBadPath, raw)
	}
	p := u.Path
	if p != Prefix && !strings.HasPrefix(p, Prefix+"/") {
		return "", fmt.Errorf("%w: %q is not under %s/", errBadPath, p, Prefix)
	}
	name := strings.TrimPrefix(p, Prefix)
	inner := strings.Trim(name, "/")
	if inner == "" {
		return "/", nil
	}
	if strings.Contains(strings.TrimSuffix(strings.TrimPrefix(name, "/"), "/"), "//") {
		return "", fmt.Errorf("%w: %q has an empty folder name", errBadPath, p)
	}
	if _, err := safepath.Clean(inner); err != nil {
		return "", fmt.Errorf("%w: %w", errBadPath, err)
	}
	return "/" + inner, nil
}

// destinationOf reads and checks the Destination header of a COPY or MOVE.
func destinationOf(hdr string) (string, error) {
	if hdr == "" {
		return "", fmt.Errorf("%w: no Destination header", errBadPath)
	}
	u, err := url.Parse(hdr)
	if err != nil {
		return "", fmt.Errorf("%w: the Destination header is not a URL", errBadPath)
	}
	return nameOf(u)
}

// cutShare splits a pool path into its share and the rest.
func cutShare(p string) (share, rest string, ok bool) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", "", false
	}
	share, rest = safepath.Split(p)
	return share, rest, true
}

// ifList is one parenthesised list of an If header (RFC 4918 10.4), with the resource
// tag before it ("" when untagged).
type ifList struct {
	resource string
	conds    []webdav.Condition
}

// parseIf reads an If header; ok is false when it is malformed.
func parseIf(hdr string) (lists []ifList, ok bool) {
	s := strings.TrimSpace(hdr)
	resource := ""
	for s != "" {
		switch s[0] {
		case '<':
			end := strings.IndexByte(s, '>')
			if end < 0 {
				return nil, false
			}
			resource, s = s[1:end], strings.TrimSpace(s[end+1:])
		case '(':
			l, rest, ok := parseIfList(s[1:])
			if !ok {
				return nil, false
			}
			l.resource = resource
			lists, s = append(lists, l), strings.TrimSpace(rest)
		default:
			return nil, false
		}
	}
	return lists, len(lists) > 0
}

func parseIfList(s string) (ifList, string, bool) {
	var l ifList
	for {
		s = strings.TrimSpace(s)
		var c webdav.Condition
		if rest, ok := strings.CutPrefix(s, "Not"); ok {
			c.Not, s = true, strings.TrimSpace(rest)
		}
		switch {
		case s == "":
			return l, "", false
		case s[0] == ')':
			return l, s[1:], len(l.conds) > 0
		case s[0] == '<':
			end := strings.IndexByte(s, '>')
			if end < 0 {
				return l, "", false
			}
			c.Token, s = s[1:end], s[end+1:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return l, "", false
			}
			c.ETag, s = s[1:end], s[end+1:]
		default:
			return l, "", false
		}
		l.conds = append(l.conds, c)
	}
}

// ifTokens returns the lock tokens an If header submits.
func ifTokens(hdr string) []string {
	lists, _ := parseIf(hdr)
	var out []string
	for _, l := range lists {
		for _, c := range l.conds {
			if c.Token != "" && !c.Not {
				out = append(out, c.Token)
			}
		}
	}
	return out
}
