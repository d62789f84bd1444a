// Package proc reads what the benchmarks report about processes from Linux's /proc:
// CPU time, resident memory and its peak, children; and finds a free port.
package proc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// stat returns the fields of /proc/PID/stat after the command name.
func stat(pid int) ([]string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:])), true
}

// CPUSeconds sums user and system time of the processes.
func CPUSeconds(pids []int) float64 {
	var ticks int64
	for _, pid := range pids {
		f, ok := stat(pid)
		if !ok {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return float64(ticks) / 100 // USER_HZ
}

// RSS sums a memory line of /proc/PID/status (in KiB), such as VmRSS or VmHWM.
func RSS(pids []int, field string) int64 {
	var kb int64
	for _, pid := range pids {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, field+":"); ok {
				n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
				kb += n
			}
		}
	}
	return kb
}

// ResetPeak makes VmHWM start again from the current RSS.
func ResetPeak(pids []int) {
	for _, pid := range pids {
		os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	}
}

// Children returns pid and its direct children (Apache's workers).
func Children(pid int) []int {
	out := []int{pid}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, ok := stat(n); ok {
			if pp, _ := strconv.Atoi(f[1]); pp == pid {
				out = append(out, n)
			}
		}
	}
	return out
}

// FreePort returns a TCP port on loopback that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
