package main

import "github.com/hearth-home/hearth/client/words"

// failureWords says why a backup the tray ran itself (no agent runs) failed, in the
// words the agent and the CLI use for their own (client/words): never Go's text.
func failureWords(err error) string {
	return words.Or(err, "something unexpected went wrong; the tray's log has the details.")
}
