package console

import (
	"net/http"
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
	Host, Short string // the server's address and the start of its fingerprint
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
	d := connectorData{Files: c.installers(), Host: r.Host}
	if info, err := c.opt.Service.Server(r.Context()); err == nil && len(info.Fingerprint) >= 16 {
		d.Short = info.Fingerprint[:16]
	}
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
