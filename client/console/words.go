package main

import (
	"context"
	"errors"
	"net"

	"github.com/hearth-home/hearth/client/connector"
)

// The failures every page meets, in words for a person (they follow a colon).
const (
	sayUnreachable = "the server cannot be reached. Check that it is switched on and that this PC is connected to the home network or the internet, then try again."
	sayNotJoined   = "the server no longer knows this PC. In Settings, leave the server, then join it again."
	sayOtherServer = "the server answering is not the one this PC joined, so Hearth did not trust it. If the server was set up again, leave it in Settings and join it again."
)

// plain says why something failed in words for a person, when it is one of the
// failures every page meets: the server away, this PC unknown to it, another server in
// its place, or a refusal the server explained itself.
func plain(err error) (string, bool) {
	var se *connector.ServerError
	var ne net.Error
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, connector.ErrPinMismatch):
		return sayOtherServer, true
	case errors.Is(err, connector.ErrBadCredentials):
		return sayNotJoined, true
	case errors.As(err, &se):
		return se.Msg, true
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return sayUnreachable, true
	}
	return "", false
}

// say is why something failed: in plain words when it is a failure every page meets,
// else err's own text (the console's own errors, such as errExists, are sentences).
func say(err error) string {
	if s, ok := plain(err); ok {
		return s
	}
	return err.Error()
}

// sayOr is why something failed in plain words, or otherwise: never Go's own text.
func sayOr(err error, otherwise string) string {
	if s, ok := plain(err); ok {
		return s
	}
	return otherwise
}
