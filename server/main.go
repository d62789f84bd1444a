// Command hearthd is the Hearth home server.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "hearthd: the storage pool is being built; no commands yet")
	os.Exit(2)
}
