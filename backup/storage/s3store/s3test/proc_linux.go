package s3test

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill versitygw if the test process dies first (a panic,
// a timeout), so no server outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
