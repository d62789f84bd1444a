package main

import (
	"errors"
	"os/exec"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/hearth-home/hearth/client/launch"
)

// manageServer opens the server's web console in the browser, at its sign-in page:
// this PC's key does not open it, the administrator's password does.
func (c *console) manageServer() {
	address := c.cfg.ManageURL()
	c.work.do(func() {
		if err := c.launch(address); err != nil {
			fyne.Do(func() {
				dialog.ShowInformation("No web browser opened", "Open "+address+" in a web browser to manage the server.", c.win)
			})
		}
	})
}

// openAddress opens an https address in the default browser.
func openAddress(address string) error {
	for _, cmd := range openers(runtime.GOOS) {
		if _, err := exec.LookPath(cmd[0]); err != nil {
			continue
		}
		return launch.Briefly(exec.Command(cmd[0], append(cmd[1:], address)...), 5*time.Second)
	}
	return errors.New("this PC has no program to open web addresses with")
}
