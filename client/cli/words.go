package cli

import "github.com/hearth-home/hearth/client/words"

// failureWords says why a backup failed in words for a person, as the tray and console
// show it: never Go's own text.
func failureWords(err error) string {
	return words.Or(err, "something unexpected went wrong; the agent's log has the details.")
}
