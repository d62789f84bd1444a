package main

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearth-home/hearth/bench/internal/proc"
	"golang.org/x/sys/unix"
)

// metaAttr is the extended attribute holding a pool item's stamp.
const metaAttr = "user.hearth"

// server is one hearthd state folder with two drives.
type server struct {
	bin, state string
	drives     []string
	port       int
	cmd        *exec.Cmd
}

// newServer sets up a hearthd with an administrator (whose share holds the files) and a
// second drive, and leaves it stopped.
func newServer(dir, bin, name string) *server {
	root := filepath.Join(dir, name)
	s := &server{bin: bin, state: filepath.Join(root, "state")}
	check(os.MkdirAll(root, 0o755))
	port, err := proc.FreePort()
	check(err)
	s.port = port
	s.start()
	s.hearthd(pass+"\n", "setup", "-name", user)
	second := filepath.Join(root, "drive2")
	check(os.MkdirAll(second, 0o755))
	s.hearthd("", "drive", "add", second)
	s.stop()
	s.drives = []string{filepath.Join(s.state, "drives", "drive1"), second}
	// The share's folder is on every drive, stamped as the pool made it on the first.
	first := filepath.Join(s.drives[0], "Shares", user)
	stamp := getStamp(first)
	for _, d := range s.drives[1:] {
		share := filepath.Join(d, "Shares", user)
		check(os.MkdirAll(share, 0o755))
		check(unix.Lsetxattr(share, metaAttr, stamp, 0))
	}
	return s
}

func (s *server) shares() []string {
	var out []string
	for _, d := range s.drives {
		out = append(out, filepath.Join(d, "Shares", user))
	}
	return out
}

func (s *server) start() {
	s.cmd = exec.Command(s.bin, "-state", s.state, "run", "-listen", fmt.Sprintf("127.0.0.1:%d", s.port), "-http", "off", "-announce=false", "-media", "127.0.0.1:0")
	s.cmd.Env = append(os.Environ(), "HEARTH_NO_MOUNT_SCAN=1")
	log, err := os.OpenFile(filepath.Join(filepath.Dir(s.state), "hearthd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	check(err)
	defer log.Close()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	check(s.cmd.Start())
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: time.Second}
	for range 6000 {
		if resp, err := c.Get(fmt.Sprintf("https://127.0.0.1:%d/", s.port)); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	panic("hearthd did not start; see hearthd.log")
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

func (s *server) hearthd(stdin string, args ...string) string {
	return s.hearthdEnv(nil, stdin, args...)
}

func (s *server) hearthdEnv(env []string, stdin string, args ...string) string {
	cmd := exec.Command(s.bin, append([]string{"-state", s.state}, args...)...)
	cmd.Env = append(append(os.Environ(), "HEARTH_NO_MOUNT_SCAN=1"), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		panic(fmt.Sprintf("hearthd %v: %v\n%s", args, err, out))
	}
	return string(out)
}

// template makes the folder t through the pool, places perDir files in it on the first
// drive and lets a rebuild stamp them, as the pool would have written them.
func (s *server) template() {
	s.start()
	s.hearthd("", "file", "mkdir", user+"/t")
	s.stop()
	t := filepath.Join(s.shares()[0], "t")
	for i := range perDir {
		check(os.WriteFile(filepath.Join(t, fmt.Sprintf("f%03d", i)), []byte(fmt.Sprint(i)), 0o644))
	}
	s.hearthd("", "pool", "rebuild")
}

// generate copies the template folder with its stamps (as cp -a does) until there are
// folders of them, spread over the drives, one writer per drive.
func (s *server) generate(folders int) {
	t := filepath.Join(s.shares()[0], "t")
	dirStamp := getStamp(t)
	stamps := make([][]byte, perDir)
	for i := range perDir {
		stamps[i] = getStamp(filepath.Join(t, fmt.Sprintf("f%03d", i)))
	}
	start := time.Now()
	var wg sync.WaitGroup
	for di, share := range s.shares() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 1; k < folders; k++ {
				if k%len(s.drives) != di {
					continue
				}
				dir := filepath.Join(share, fmt.Sprintf("t%05d", k))
				check(os.Mkdir(dir, 0o755))
				for i := range perDir {
					writeFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), []byte(fmt.Sprint(i)), stamps[i])
				}
				check(unix.Lsetxattr(dir, metaAttr, dirStamp, 0))
			}
		}()
	}
	wg.Wait()
	fmt.Printf("(generated %d stamped files in %s)\n", folders*perDir, time.Since(start).Round(time.Second))
}

// fillHand places folders of unstamped files of size bytes on the drives, as a disk
// filled on another computer; each file's content differs.
func (s *server) fillHand(folders, size int) {
	start := time.Now()
	var wg sync.WaitGroup
	for di, share := range s.shares() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := make([]byte, size)
			for i := range data {
				data[i] = byte(i*7 + di)
			}
			for k := 0; k < folders; k++ {
				if k%len(s.drives) != di {
					continue
				}
				dir := filepath.Join(share, fmt.Sprintf("h%05d", k))
				check(os.Mkdir(dir, 0o755))
				for i := range perDir {
					binary.BigEndian.PutUint64(data, uint64(k*perDir+i))
					writeFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), data, nil)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("(placed %d files by hand in %s)\n", folders*perDir, time.Since(start).Round(time.Second))
}

// unstamp removes the stamps a rebuild gave the hand-placed files and their folders.
func (s *server) unstamp() {
	for _, share := range s.shares() {
		check(filepath.WalkDir(share, func(p string, _ fs.DirEntry, err error) error {
			if err != nil || p == share {
				return err
			}
			if err := unix.Lremovexattr(p, metaAttr); err != nil && err != unix.ENODATA {
				return fmt.Errorf("unstamp %s: %w", p, err)
			}
			return nil
		}))
	}
}

func writeFile(path string, data, stamp []byte) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	check(err)
	_, err = f.Write(data)
	check(err)
	if stamp != nil {
		check(unix.Fsetxattr(int(f.Fd()), metaAttr, stamp, 0))
	}
	check(f.Close())
}

func getStamp(path string) []byte {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(path, metaAttr, buf)
	if err != nil {
		panic(fmt.Sprintf("%s has no stamp: %v", path, err))
	}
	return buf[:n]
}
