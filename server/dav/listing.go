package dav

import (
	"html/template"
	"net/http"
	"path"
	"strings"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/webhdr"
)

var listingPage = template.Must(template.New("listing").Funcs(template.FuncMap{
	"size": func(fi pool.FileInfo) string {
		if fi.Dir {
			return ""
		}
		return human.Bytes(fi.Size)
	},
	"href": func(fi pool.FileInfo) string {
		h := hrefOf(path.Base(fi.Path))
		if fi.Dir {
			h += "/"
		}
		return h
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} – Hearth</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5">
<h1>{{.Title}}</h1>
{{if .Up}}<p><a href="../">Up one folder</a></p>{{end}}
<table style="width: 100%; border-collapse: collapse">
<tr><th style="text-align: left">Name</th><th style="text-align: right">Size</th><th style="text-align: right">Changed</th></tr>
{{range .Entries}}<tr><td><a href="{{href .}}">{{.Name}}{{if .Dir}}/{{end}}</a></td><td style="text-align: right">{{size .}}</td><td style="text-align: right">{{.ModTime.Format "2006-01-02 15:04"}}</td></tr>
{{else}}<tr><td colspan="3">This folder is empty.</td></tr>
{{end}}</table>
<p style="color: #666">{{.Note}}</p>
</body></html>
`))

// listFolder answers a browser's GET of a folder with a page listing it, so the address
// the family was given also works in a web browser.
func (h *Handler) listFolder(w http.ResponseWriter, r *http.Request, name string) {
	p := poolPath(name)
	list, err := h.fs.pool.List(r.Context(), p)
	if err != nil {
		h.poolError(w, r, err, http.StatusNotFound)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/") {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	}
	if p == "" {
		pr, _ := auth.PrincipalOf(r.Context())
		shown := h.topFilter(r.Context(), pr)
		keep := list[:0]
		for _, s := range list {
			if shown(s) {
				if s.Name == backupstore.Share {
					s = backupsEntry(s)
				}
				keep = append(keep, s)
			}
		}
		list = keep
	}
	title := "Shared folders"
	if p != "" {
		title = p
	}
	writeListing(w, r, listing{Title: title, Up: p != "", Entries: list,
		Note: "To add and change files, open this address as a network drive in your file manager."})
}

// listing is what the listing page shows.
type listing struct {
	Title   string
	Up      bool
	Entries []pool.FileInfo
	Note    string
}

func writeListing(w http.ResponseWriter, r *http.Request, l listing) {
	webhdr.SetPage(w.Header())
	if r.Method == http.MethodHead {
		return
	}
	listingPage.Execute(w, l)
}
