package main

import (
	"fmt"
	"net/url"
	"strings"
)

// folderCommand is the command that opens the server's WebDAV drive (davURL, such as
// https://hearth.local:8443/dav/) in the file manager of goos.
func folderCommand(goos, davURL string) (string, []string, error) {
	u, err := url.Parse(davURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", nil, fmt.Errorf("the drive's address %q is not an https address", davURL)
	}
	switch goos {
	case "windows":
		// Explorer reaches WebDAV over HTTPS through the WebClient service's UNC form.
		port := u.Port()
		if port == "" {
			port = "443"
		}
		unc := `\\` + u.Hostname() + "@SSL@" + port + strings.ReplaceAll(strings.TrimSuffix(u.Path, "/"), "/", `\`)
		return "explorer.exe", []string{unc}, nil
	case "darwin":
		// Finder's Connect to Server, which asks for the password in its own window.
		return "osascript", []string{"-e", fmt.Sprintf("mount volume %q", u.String())}, nil
	default:
		// GIO (Files, Nautilus, Thunar) and KIO (Dolphin) know davs://.
		u.Scheme = "davs"
		return "xdg-open", []string{u.String()}, nil
	}
}

// browserCommand is the command that opens an https address in the default browser
// of goos.
func browserCommand(goos, address string) (string, []string) {
	switch goos {
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler", address}
	case "darwin":
		return "open", []string{address}
	default:
		return "xdg-open", []string{address}
	}
}
