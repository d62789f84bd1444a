// Command summary prints the figures of one make bench run (bench/internal/summary) as
// one table: each figure, the peer's, the ratio and the goal beside it.
package main

import (
	"fmt"
	"os"

	"github.com/hearth-home/hearth/bench/internal/summary"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: summary FILE")
		os.Exit(2)
	}
	figs, err := summary.Read(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		os.Exit(1)
	}
	fmt.Print(summary.Table(figs))
}
