package main

import "github.com/hearth-home/hearth/client/words"

// The failures every page meets are said as the CLI and the tray say them (client/words).
const (
	sayUnreachable = words.Unreachable
	sayNotJoined   = words.NotJoined
	sayOtherServer = words.OtherServer
	sayUnexpected  = words.Unexpected
)

// plain says why something failed in words for a person, when it is one of the
// failures every page meets (client/words).
func plain(err error) (string, bool) { return words.Plain(err) }

// say is why something failed: in plain words when it is a failure every page meets,
// else err's own text (the console's own errors, such as errExists, are sentences).
func say(err error) string { return words.Say(err) }

// sayOr is why something failed in plain words, or otherwise: never Go's own text.
func sayOr(err error, otherwise string) string { return words.Or(err, otherwise) }
