package console

import (
	"net/http"

	"github.com/hearth-home/hearth/server/auth"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

type installer struct {
	Name, For string
	Size      int64
}

type connectorData struct {
	Files       []installer
	Host, Short string   // the server's address and the start of its authority's fingerprint
	Users       []string // whom an administrator may make a join code for
	// Code is a join code just made, shown this once, for User until Expires.
	Code, User, Expires string
}

// installers are the connector's installers the server carries, each with whom it is for.
func (c *Console) installers() []installer {
	if c.opt.Connectors == "" {
		return nil
	}
	des, err := os.ReadDir(c.opt.Connectors)
	if err != nil {
		return nil
	}
	var out []installer
	for _, de := range des {
		n := de.Name()
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		var who string
		switch {
		case strings.HasSuffix(n, ".exe"):
			who = "Windows"
		case strings.HasPrefix(n, "Hearth-macos-arm64") && strings.HasSuffix(n, ".zip"):
			who = "Mac with Apple silicon"
		case strings.HasPrefix(n, "Hearth-macos-amd64") && strings.HasSuffix(n, ".zip"):
			who = "Mac with Intel"
		case strings.HasPrefix(n, "hearth_") && strings.HasSuffix(n, "_amd64.deb"):
			who = "Linux (Debian, Ubuntu), 64-bit PC"
		case strings.HasPrefix(n, "hearth_") && strings.HasSuffix(n, "_arm64.deb"):
			who = "Linux (Debian, Ubuntu), ARM"
		default:
			continue // the server's own packages, or anything else, are not offered
		}
		if strings.Contains(n, "-cli-only") {
			who += ", without the tray for now"
		}
		out = append(out, installer{Name: n, For: who, Size: info.Size()})
	}
	slices.SortFunc(out, func(a, b installer) int { return strings.Compare(a.For, b.For) })
	return out
}

func (c *Console) connector(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, "connector", "Get the connector", c.connectorData(r))
}

func (c *Console) connectorData(r *http.Request) connectorData {
	d := connectorData{Files: c.installers(), Host: r.Host}
	// The authority's: the one the connector shows and pins, as 'hearthd status' does.
	if info, err := c.opt.Service.Server(r.Context()); err == nil && len(info.CAFingerprint) >= 16 {
		d.Short = info.CAFingerprint[:16]
	}
	if pr, _ := auth.PrincipalOf(r.Context()); pr.Admin {
		if us, err := c.opt.Service.Users(r.Context()); err == nil {
			for _, u := range us {
				d.Users = append(d.Users, u.Name)
			}
		}
	}
	return d
}

// joinCode makes a join code for the person signed in, or for the user an administrator
// chose, and shows it this once: the answer is the page itself, not a redirect, so the
// code is never kept in a cookie.
func (c *Console) joinCode(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	name := pr.Name
	if who := r.PostFormValue("user"); who != "" && pr.Admin {
		name = who
	}
	d := c.connectorData(r)
	us, err := c.opt.Service.Users(r.Context())
	i := slices.IndexFunc(us, func(u auth.User) bool { return strings.EqualFold(u.Name, name) })
	if err != nil || i < 0 || c.opt.JoinCodes == nil {
		c.sorry(w, r, http.StatusNotFound, "There is no such user. Go back to Get the connector and choose one.")
		return
	}
	info, err := c.opt.Service.Server(r.Context())
	if err != nil {
		c.unreadable(w, r, "the server's certificate", err)
		return
	}
	code, expires, err := c.opt.JoinCodes.Make(us[i], info.CAFingerprint)
	if err != nil {
		c.sorry(w, r, http.StatusTooManyRequests, Sentence(err))
		return
	}
	d.Code, d.User, d.Expires = code.String(), us[i].Name, c.when(expires)
	c.render(w, r, "connector", "Get the connector", d)
}

// connectorFile downloads one of the installers the page offers (and nothing else).
func (c *Console) connectorFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !slices.ContainsFunc(c.installers(), func(i installer) bool { return i.Name == name }) {
		c.sorry(w, r, http.StatusNotFound, "There is no such installer. Go back to Get the connector.")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	http.ServeFile(w, r, filepath.Join(c.opt.Connectors, name))
}
