package console

import (
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/web"
)

// pageNames are the templates in templates/, each parsed with base.html.
var pageNames = []string{"sorry", "signin", "home", "computers", "computer", "browse", "users", "user", "shares", "share",
	"storage", "events", "settings", "connector", "fileshares", "folder", "versions", "deleted", "view", "slideshow", "links", "search", "serverbackup"}

func parsePages(when func(time.Time) string) map[string]*template.Template {
	funcs := template.FuncMap{
		"bytes":     func(n any) string { return human.Bytes(toInt64(n)) },
		"when":      when,
		"stateWord": stateWord,
		"plural":    plural,
		"pct": func(part, whole any) string {
			w := float64(toInt64(whole))
			if w <= 0 {
				return "0"
			}
			return fmt.Sprintf("%.2f", math.Max(0, math.Min(100, 100*float64(toInt64(part))/w)))
		},
		"lower": strings.ToLower,
		"join":  strings.Join,
		// segment is a name as one segment of a page's address: html/template would
		// leave a '#' or '?' as it is, and a share "Photos #1" would link to "Photos ".
		"segment": func(v any) string { return url.PathEscape(fmt.Sprint(v)) },
		// segments escapes each part of a path: "Public/a #1.txt" is Public/a%20%231.txt.
		"segments": func(p string) string { return escapePath(strings.Split(p, "/")...) },
		"sortKeys": func() []string { return []string{"name", "size", "date"} },
	}
	out := map[string]*template.Template{}
	for _, n := range pageNames {
		out[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(files, "templates/base.html", "templates/"+n+".html"))
	}
	// Every page's template is in the list: a page left out would fail only when shown.
	all, _ := fs.Glob(files, "templates/*.html")
	if len(all) != len(out)+1 { // and base.html
		panic(fmt.Sprintf("console: %d templates, %d pages in pageNames", len(all), len(out)))
	}
	return out
}

func toInt64(n any) int64 {
	switch v := n.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case uint64:
		return int64(min(v, math.MaxInt64))
	case float64:
		return int64(v)
	}
	return 0
}

// stateWord is a health state in a word: the colour is never the only sign.
func stateWord(s string) string {
	switch s {
	case schema.Good:
		return "Healthy"
	case schema.Warning:
		return "Needs attention"
	case schema.Critical:
		return "At risk"
	}
	return "Unknown"
}

// plural is "1 file" or "3 files".
func plural(n any, one, many string) string {
	v := toInt64(n)
	if v == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", v, many)
}

type signInData struct {
	Problem, Next, Name, Host string
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, "signin", "Sign in", signInData{Problem: web.SignInProblem(r.Context()), Next: r.FormValue("next"),
		Name: r.PostFormValue("name"), Host: r.Host})
}
