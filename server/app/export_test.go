package app

// CloseWebListener closes the HTTPS listener under the running web server, as a failing
// network stack would, for tests of the supervisor.
func (a *App) CloseWebListener() {
	l, _ := a.listeners()
	l.HTTPS.Close()
}
