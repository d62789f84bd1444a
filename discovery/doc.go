// Package discovery finds Hearth servers on the home network by multicast DNS (RFC 6762)
// and DNS service discovery (RFC 6763), without addresses or ports typed by anyone.
//
// A server answers for two services:
//
//	_hearth._tcp.local.    instance: the server's friendly name
//	                       TXT id=<server id> v=<version> port=<HTTPS port>
//	                           fp=<SHA-256 of its CA certificate, hex, no colons>
//	_webdavs._tcp.local.   same instance name; TXT path=/dav/ (file managers that browse
//	                       DNS-SD, such as GNOME Files and Finder, show the drive)
//
// Every record carries a TTL of 120 seconds; a server re-announces when its addresses
// change and says goodbye (TTL 0) when it stops. A browser keeps what it heard in a cache that forgets an entry at goodbye or
// when its TTL runs out, and asks again before that, so a server that vanished without a
// goodbye (a pulled cable) is reported gone within its TTL.
//
// Only IPv4 is used for now: every home network has it, and it avoids the zone handling
// link-local IPv6 needs.
package discovery
