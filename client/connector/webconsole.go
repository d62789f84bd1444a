package connector

import "net/url"

// ManageURL is where an administrator manages the server from this PC: the web
// console's sign-in page at the address this PC joined (the one its trust was set up
// for), going on to the console's Home once signed in. A device token never opens the
// console's pages, so the browser signs in with the password itself.
func (c Config) ManageURL() string {
	return c.Server + "/signin?" + url.Values{"next": {"/"}}.Encode()
}
