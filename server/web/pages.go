package web

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/hearth-home/hearth/server/auth"
)

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hearth</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>Hearth</h1>
<p>Your home server is running.</p>
<p>Open the shared folders as a drive at <code>https://{{.Host}}/dav/</code> and sign in with your
Hearth user name and password.</p>
<p>To open it without security warnings, <a href="/ca.crt">download the server's certificate</a>
and add it to this computer's trusted certificates (the Hearth connector does this for you).</p>
</body></html>
`))

var setupPage = template.Must(template.New("setup").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Set up Hearth</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="/static/style.css"></head>
<body><main id="main"><div class="signin card">
<h1><img src="/static/hearth.svg" alt="" width="40" height="40"> Set up Hearth</h1>
{{if .Done}}<p>{{.Done}}</p><p><a class="button primary" href="/signin">Sign in</a></p>{{else}}
{{if .Error}}<p class="flash bad" role="alert">{{.Error}}</p>{{end}}
<p>Choose the administrator's name and password. The administrator adds the family's users and
decides who may open which shared folder.</p>
<form method="post" action="/setup">
<input type="hidden" name="token" value="{{.Token}}">
<p><label for="name">Name</label><input id="name" name="name" value="{{.Name}}" autocomplete="username" required></p>
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required></p>
<p><button type="submit" class="primary">Create the administrator</button></p>
</form>{{end}}
</div></main></body></html>
`))

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	homePage.Execute(w, struct{ Host string }{r.Host})
}

// setup creates the first administrator, once, for whoever has the one-time token that
// hearthd printed when it started without one.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer") // the page's address holds the one-time token
	data := struct{ Token, Name, Error, Done string }{Token: r.FormValue("token"), Name: r.FormValue("name")}
	has, err := s.opt.Accounts.HasAdmin(ctx)
	if err != nil {
		http.Error(w, "The server could not read its users; please try again.", http.StatusInternalServerError)
		return
	}
	if has {
		data.Done = "Hearth is already set up. Sign in with your user name and password."
		setupPage.Execute(w, data)
		return
	}
	if s.opt.SetupToken == "" || !tokenEqual(data.Token, s.opt.SetupToken) {
		w.WriteHeader(http.StatusForbidden)
		data.Done = "This setup link is not valid. Use the link hearthd printed when it started, or run: hearthd setup"
		setupPage.Execute(w, data)
		return
	}
	if r.Method == http.MethodPost {
		if err := s.opt.Setup(ctx, r.FormValue("name"), r.FormValue("password")); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			data.Error = setupProblem(err)
			setupPage.Execute(w, data)
			return
		}
		data.Done = "Done. Sign in as " + data.Name + " to run the server from this browser."
	}
	setupPage.Execute(w, data)
}

// setupProblem is why the first administrator could not be made, in words for the page.
func setupProblem(err error) string {
	switch {
	case errors.Is(err, auth.ErrWeakPassword):
		return "A password needs at least 8 characters. A few words make a strong one."
	case errors.Is(err, auth.ErrBadName):
		return "A name is 1 to 32 letters, digits, '-', '_' or '.', starting with a letter or digit."
	}
	return "The server could not make the administrator. Please try again."
}
