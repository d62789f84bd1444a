package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/internal/joincode"
)

// setupPage joins this PC to a server, as 'hearth join' does: with a join code from the
// server's web console, which finds and checks the server and stands for the password;
// or, without one, find the server, show the fingerprint of its certificate authority to
// compare with the web console's Settings page, then sign in once with the user's password.
type setupPage struct {
	work       *background
	configPath string
	found      []connector.Found
	id         *connector.Identity // the server connected to, not yet trusted

	code     *widget.Entry
	codeJoin *widget.Button
	servers  *widget.Select
	address  *widget.Entry
	connect  *widget.Button
	finger   *widget.Label
	matches  *widget.Check
	user     *widget.Entry
	password *widget.Entry
	name     *widget.Entry
	join     *widget.Button
	status   *widget.Label
	// joined is called with the new configuration once it is saved.
	joined func(connector.Config)
}

func newSetupPage(work *background, configPath string, joined func(connector.Config)) *setupPage {
	p := &setupPage{work: work, configPath: configPath, joined: joined, address: widget.NewEntry(), finger: widget.NewLabel(""),
		user: widget.NewEntry(), password: widget.NewPasswordEntry(), name: widget.NewEntry(), status: widget.NewLabel("")}
	p.finger.Wrapping, p.status.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	p.code = widget.NewEntry()
	p.code.SetPlaceHolder("The join code, such as 7K2QD-M9XWA-0B4TE-HR5NZ")
	p.code.OnSubmitted = func(string) { p.doCodeJoin() }
	p.codeJoin = widget.NewButton("Join with the code", p.doCodeJoin)
	p.codeJoin.Importance = widget.HighImportance
	p.address.SetPlaceHolder("The server's name or address, such as homeserver or 192.168.1.5")
	p.servers = widget.NewSelect(nil, func(choice string) {
		for _, f := range p.found {
			if f.Instance+" ("+f.URL+")" == choice {
				p.address.SetText(f.URL)
			}
		}
	})
	p.servers.PlaceHolder = "Looking for servers on this network…"
	host, _ := os.Hostname()
	p.name.SetText(strings.SplitN(host, ".", 2)[0])
	p.connect = widget.NewButton("Connect", p.doConnect)
	p.matches = widget.NewCheck("It is the same as on the server", func(bool) { p.ready() })
	p.join = widget.NewButton("Join", p.doJoin)
	p.matches.Disable()
	p.join.Disable()
	return p
}

func (p *setupPage) content() fyne.CanvasObject {
	intro := widget.NewLabel("This PC has not joined a Hearth server yet. In the server's web console, open Get the connector and make a join code, then type it here. The code finds the server and checks it is yours.")
	intro.Wrapping = fyne.TextWrapWord
	withCode := widget.NewForm(widget.NewFormItem("Join code", p.code), widget.NewFormItem("This PC's name", p.name))
	form := widget.NewForm(widget.NewFormItem("Your user name", p.user), widget.NewFormItem("Password", p.password))
	without := widget.NewLabel("Choose the server, check that it is yours, and sign in once with your password.")
	without.Wrapping = fyne.TextWrapWord
	other := widget.NewAccordion(widget.NewAccordionItem("Without a join code",
		container.NewVBox(without, p.servers, p.address, p.connect, p.finger, p.matches, form, p.join)))
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Join a Hearth server", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), intro,
		withCode, p.codeJoin, p.status, other))
}

// discover lists the servers that announce themselves on the network.
func (p *setupPage) discover(ctx context.Context) {
	found, err := connector.Discover(ctx, 3*time.Second)
	fyne.Do(func() {
		p.found = found
		var names []string
		for _, f := range found {
			names = append(names, f.Instance+" ("+f.URL+")")
		}
		p.servers.SetOptions(names)
		switch {
		case err != nil || len(found) == 0:
			p.servers.PlaceHolder = "No server answered on this network; type its name or address below"
		case len(found) == 1:
			p.servers.SetSelected(names[0])
		default:
			p.servers.PlaceHolder = "Choose the server"
		}
		p.servers.Refresh()
	})
}

func (p *setupPage) ready() {
	if p.id != nil && p.matches.Checked {
		p.join.Enable()
	} else {
		p.join.Disable()
	}
}

// errOtherAuthority: the server at the address has another authority than the one that
// announced itself there.
var errOtherAuthority = errors.New("the server there is not the one that announced itself")

// doConnect reaches the server and shows its authority's fingerprint.
func (p *setupPage) doConnect() {
	server, err := connector.ServerURL(p.address.Text)
	if err != nil {
		p.status.SetText("That is not a server's name or address. Type a name such as hearth.local, or an address such as 192.168.1.20.")
		return
	}
	announced := ""
	for _, f := range p.found {
		if f.URL == server {
			announced = f.Fingerprint
		}
	}
	p.status.SetText("Connecting…")
	p.connect.Disable()
	p.id = nil
	p.matches.SetChecked(false)
	p.matches.Disable()
	p.ready()
	p.work.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		id, err := connector.Probe(ctx, server)
		if err == nil && announced != "" && !connector.SameFingerprint(announced, id.CAFingerprint) {
			err = errOtherAuthority
		}
		fyne.Do(func() {
			p.connect.Enable()
			switch {
			case errors.Is(err, errOtherAuthority):
				p.status.SetText("The server at that address is not the one that announced itself on the network, so Hearth did not trust it. Not joined.")
				return
			case err != nil:
				p.status.SetText("Not connected: " + sayOr(err, "something went wrong. Please try again."))
				return
			}
			p.id = &id
			p.matches.Enable()
			p.status.SetText("")
			p.finger.SetText("The server shows this certificate authority:\nSHA-256 " + id.CAFingerprint +
				"\nIt must match the certificate fingerprint on the Settings page of the server's web console.")
		})
	})
}

// doJoin signs in once with the password and keeps this PC's own token.
func (p *setupPage) doJoin() {
	if p.id == nil || !p.matches.Checked {
		return
	}
	id, user, password, name := *p.id, strings.TrimSpace(p.user.Text), p.password.Text, strings.TrimSpace(p.name.Text)
	p.join.Disable()
	p.status.SetText("Joining…")
	p.work.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cfg, err := connector.Join(ctx, id, user, password, name)
		if err == nil {
			err = cfg.Save(p.configPath)
		}
		fyne.Do(func() {
			if err == nil { // joined: a second click would register a second device
				p.connect.Disable()
				p.matches.Disable()
			} else {
				p.ready()
			}
			if errors.Is(err, connector.ErrBadCredentials) {
				p.status.SetText("The user name or password is wrong.")
				return
			}
			if err != nil {
				p.status.SetText("Not joined: " + sayOr(err, "something went wrong. Please try again."))
				return
			}
			p.password.SetText("")
			p.status.SetText("This PC has joined " + cfg.Server + ".")
			if p.joined != nil {
				p.joined(cfg)
			}
		})
	})
}

// doCodeJoin joins with the join code typed: the server is the one on the network (or
// at the address typed below) whose authority the code pins; nothing else is asked.
func (p *setupPage) doCodeJoin() {
	code, err := joincode.Parse(p.code.Text)
	if err != nil {
		p.status.SetText("That is not a join code. It has twenty letters and digits, as the server's web console shows it.")
		return
	}
	name, typed, found := strings.TrimSpace(p.name.Text), strings.TrimSpace(p.address.Text), p.found
	p.codeJoin.Disable()
	p.status.SetText("Joining…")
	p.work.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cfg, msg := p.joinWithCode(ctx, code, name, typed, found)
		fyne.Do(func() {
			if msg != "" {
				p.codeJoin.Enable()
				p.status.SetText(msg)
				return
			}
			p.code.SetText("")
			p.connect.Disable()
			p.status.SetText("This PC has joined " + cfg.Server + " as " + cfg.User + ".")
			if p.joined != nil {
				p.joined(cfg)
			}
		})
	})
}

// joinWithCode finds the code's server, joins and saves; it says why not in words.
func (p *setupPage) joinWithCode(ctx context.Context, code joincode.Code, name, typed string, found []connector.Found) (connector.Config, string) {
	// An address typed on purpose comes first; then the servers heard on the network.
	server := ""
	if typed != "" {
		var err error
		if server, err = connector.ServerURL(typed); err != nil {
			return connector.Config{}, "The address typed under Without a join code is not one a server could have. Check it."
		}
	} else if f, ok := connector.ServerForCode(found, code); ok {
		server = f.URL
	} else if more, err := connector.Discover(ctx, 3*time.Second); err == nil {
		if f, ok := connector.ServerForCode(more, code); ok {
			server = f.URL
		}
	}
	if server == "" {
		return connector.Config{}, "No server on this network made this code. Check the code; if the server is elsewhere, type its address under Without a join code and try again."
	}
	id, err := connector.Probe(ctx, server)
	if err != nil {
		return connector.Config{}, "The server at " + server + " cannot be reached. Check that it is switched on and that this PC is connected, then try again."
	}
	cfg, err := connector.JoinWithCode(ctx, id, code, name)
	if err == nil {
		err = cfg.Save(p.configPath)
	}
	switch {
	case err == nil:
		return cfg, ""
	case errors.Is(err, connector.ErrNotCodesServer):
		return cfg, "The server at " + server + " is not the one that made this code, so the code was not sent. Check the address, or make the code on the right server."
	case errors.Is(err, connector.ErrBadJoinCode):
		return cfg, "The server does not take this code: it may be mistyped, used already, or more than an hour old. Make a new one in the server's web console."
	}
	return cfg, "Not joined: " + sayOr(err, "something went wrong. Please try again.")
}
