package smart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// AccessError is smartctl failing to open a device, so nothing about the disk is known.
type AccessError struct {
	Device string
	Detail string // smartctl's own message
	// Err is fs.ErrPermission when the system refused access, fs.ErrNotExist when there
	// is no such device, and nil otherwise.
	Err error
	// root records whether hearthd already runs as root, which changes the advice.
	root bool
}

func (e *AccessError) Error() string {
	switch {
	case errors.Is(e.Err, fs.ErrPermission) && e.root:
		return fmt.Sprintf(sayNoAccessRoot, e.Device)
	case errors.Is(e.Err, fs.ErrPermission):
		return fmt.Sprintf(sayNoAccess, e.Device)
	case errors.Is(e.Err, fs.ErrNotExist):
		return fmt.Sprintf(sayCannotFind, e.Device)
	}
	return fmt.Sprintf(sayCannotAsk, e.Device)
}

func (e *AccessError) Unwrap() error { return e.Err }

// interpret turns smartctl's output for device into a Report, or into an error when
// smartctl could not ask the disk anything. Both readers use it, so a recorded output
// gives what the real run gave.
func interpret(device string, b []byte, code int) (Report, error) {
	out, status, err := parse(b, code)
	if err != nil {
		return Report{}, &wordsError{fmt.Sprintf(sayTooOld, device), err}
	}
	if err := classify(device, out, status); err != nil {
		return Report{}, err
	}
	r := judge(out, status)
	if r.Device == "" {
		r.Device = device
	}
	return r, nil
}

// classify finds the outputs that say nothing about the disk: smartctl could not tell
// what the device is (bit 0) or could not open it (bit 1, with no device object, which
// smartctl adds only once the device is open). A disk that is asleep is not an error.
func classify(device string, out output, status int) error {
	msg := out.errorText()
	missing := func() bool {
		_, err := os.Stat(device)
		return errors.Is(err, fs.ErrNotExist)
	}
	switch {
	case status&bitCmdLine != 0 && strings.Contains(msg, "Unable to detect device type"):
		// smartctl says this for a path that does not exist too.
		if missing() {
			return &AccessError{Device: device, Detail: msg, Err: fs.ErrNotExist}
		}
		return &wordsError{fmt.Sprintf(sayUnknownDevice, device), ErrNoSMART}
	case status&bitCmdLine != 0 && strings.Contains(msg, "Unknown USB bridge"):
		return &wordsError{fmt.Sprintf(sayUnknownBridge, device), ErrNoSMART}
	case status&bitCmdLine != 0:
		return &wordsError{fmt.Sprintf(sayRefused, device), errors.New(msg)}
	case status&bitOpen == 0 || out.Device != nil || out.asleep():
		return nil
	}
	e := &AccessError{Device: device, Detail: msg, root: os.Geteuid() == 0}
	switch {
	case refused(msg):
		e.Err = fs.ErrPermission
	case missing():
		e.Err = fs.ErrNotExist
	}
	return e
}

// refused tells whether smartctl's open failure is the system refusing access:
// EACCES and EPERM on Unix, ERROR_ACCESS_DENIED (5) on Windows.
func refused(msg string) bool {
	for _, s := range []string{"Permission denied", "Operation not permitted", "Error=5", "Access is denied"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// wordsError is a failure told in a sentence for a family; the cause stays for the log
// and for errors.Is.
type wordsError struct {
	say   string
	cause error
}

func (e *wordsError) Error() string { return e.say }
func (e *wordsError) Unwrap() error { return e.cause }
