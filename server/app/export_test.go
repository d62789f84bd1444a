package app

// CloseWebListener closes the HTTPS listener under the running web server, as a failing
// network stack would, for tests of the supervisor.
func (a *App) CloseWebListener() {
	l, _ := a.listeners()
	l.HTTPS.Close()
}

// RenewCertificate does what the server does when its certificate is due (renewWhenDue
// waits for that time; tests do not).
func (a *App) RenewCertificate() error { return a.renewCertificate() }
