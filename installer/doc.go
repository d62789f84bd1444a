// Package installer holds the packaging of Hearth: the nfpm descriptions of the server's
// and the connector's .deb, and the files they install (systemd units, the sysusers
// entry, maintainer scripts, desktop entries). 'make installers' builds the packages
// into dist/; this package's tests check what was built (make installers-test).
package installer
