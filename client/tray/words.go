package main

import (
	"context"
	"errors"
	"net"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
)

// failureWords says why a backup the tray ran itself (no agent runs) failed, in the
// words the agent uses for its own: never Go's text.
func failureWords(err error) string {
	var se *connector.ServerError
	var st *backupclient.StatusError
	var ne net.Error
	switch {
	case errors.Is(err, connector.ErrPinMismatch):
		return "the server answering is not the one this PC joined, so Hearth did not trust it. If the server was set up again, leave it and join it again."
	case errors.Is(err, connector.ErrBadCredentials):
		return "the server no longer knows this PC. Leave the server, then join it again."
	case errors.Is(err, backupclient.ErrRunning):
		return "another program on this PC is backing it up; try again when it has finished."
	case errors.As(err, &se):
		return se.Msg
	case errors.As(err, &st):
		return st.Msg
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return "the server cannot be reached. Check that it is switched on and that this PC is connected to the home network, then try again."
	}
	return "something unexpected went wrong; the tray's log has the details."
}
