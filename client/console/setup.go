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
)

// setupPage joins this PC to a server, as 'hearth join' does: find the server, show the
// fingerprint of its certificate authority to compare with 'hearthd status', then sign
// in once with the user's password.
type setupPage struct {
	work       *background
	configPath string
	found      []connector.Found
	id         *connector.Identity // the server connected to, not yet trusted

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
	form := widget.NewForm(widget.NewFormItem("Your user name", p.user), widget.NewFormItem("Password", p.password),
		widget.NewFormItem("This PC's name", p.name))
	intro := widget.NewLabel("This PC has not joined a Hearth server yet. Choose the server, check it is yours, and sign in once.")
	intro.Wrapping = fyne.TextWrapWord
	return container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Join a Hearth server", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), intro,
		p.servers, p.address, p.connect, p.finger, p.matches, form, p.join, p.status))
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

// doConnect reaches the server and shows its authority's fingerprint.
func (p *setupPage) doConnect() {
	server, err := connector.ServerURL(p.address.Text)
	if err != nil {
		p.status.SetText(err.Error())
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
			err = errors.New("the server there is not the one that announced itself (its certificate authority differs); not joined")
		}
		fyne.Do(func() {
			p.connect.Enable()
			if err != nil {
				p.status.SetText(err.Error())
				return
			}
			p.id = &id
			p.matches.Enable()
			p.status.SetText("")
			p.finger.SetText("The server shows this certificate authority:\nSHA-256 " + id.CAFingerprint +
				"\nIt must match the \"Authority\" line of 'hearthd status' on the server.")
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
				p.status.SetText("Not joined: " + err.Error())
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
