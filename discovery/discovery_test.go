package discovery

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
)

var testInfo = Info{Instance: "Family Server (den)", ID: "pool-1234", Version: "test", Port: 8443,
	Fingerprint: strings.Repeat("ab", 32)}

// TestMain also serves as the advertiser or browser a test starts inside a network
// namespace, chosen by an environment variable naming the interface to use.
func TestMain(m *testing.M) {
	if iface := os.Getenv("HEARTH_DISCOVERY_ADVERTISE"); iface != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		ttl, _ := time.ParseDuration(os.Getenv("HEARTH_DISCOVERY_TTL"))
		if err := Advertise(ctx, testInfo, Options{Interfaces: []string{iface}, Host: "hearth-test", TTL: ttl}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if iface := os.Getenv("HEARTH_DISCOVERY_BROWSE"); iface != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		events, err := Browse(ctx, Options{Interfaces: []string{iface}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		enc := json.NewEncoder(os.Stdout)
		for ev := range events {
			enc.Encode(ev)
		}
		return
	}
	os.Exit(m.Run())
}

// netns makes a network namespace for the test and removes it at the end.
func netns(t *testing.T, name string) {
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	ip(t, name, "link", "set", "lo", "up")
}

func ip(t *testing.T, ns string, args ...string) {
	t.Helper()
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v %s", strings.Join(args, " "), err, out)
	}
}

// loopbackNS makes a namespace whose loopback carries multicast, like one machine.
func loopbackNS(t *testing.T, prefix string) string {
	n := fmt.Sprintf("%s%d", prefix, os.Getpid())
	netns(t, n)
	ip(t, n, "link", "set", "lo", "multicast", "on")
	return n
}

// vethPair makes two namespaces joined by a veth pair (va in the first, vb in the
// second) with the given addresses, like two machines on one home network.
func vethPair(t *testing.T, prefixA, prefixB, addrA, addrB string) (string, string) {
	a, b := fmt.Sprintf("%s%d", prefixA, os.Getpid()), fmt.Sprintf("%s%d", prefixB, os.Getpid())
	netns(t, a)
	netns(t, b)
	ip(t, a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b)
	ip(t, a, "addr", "add", addrA, "dev", "va")
	ip(t, b, "addr", "add", addrB, "dev", "vb")
	ip(t, a, "link", "set", "va", "up")
	ip(t, b, "link", "set", "vb", "up")
	return a, b
}

// helper starts this test binary in a namespace as an advertiser or a browser.
func helper(ns, env string) *exec.Cmd {
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0])
	cmd.Env = append(os.Environ(), env)
	return cmd
}

type browsing struct {
	cmd    *exec.Cmd
	events chan Event
}

func startBrowser(t *testing.T, ns, iface string) *browsing {
	cmd := helper(ns, "HEARTH_DISCOVERY_BROWSE="+iface)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &browsing{cmd: cmd, events: make(chan Event, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var ev Event
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				b.events <- ev
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	return b
}

func (b *browsing) next(t *testing.T, within time.Duration) (Event, time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case ev := <-b.events:
		return ev, time.Since(start)
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
	}
	return Event{}, 0
}

// discover runs an advertiser and a browser in the given namespaces and checks that the
// server is found with its TXT, and lost when it stops.
func discover(t *testing.T, advNS, advIface, brNS, brIface, wantAddr string) {
	b := startBrowser(t, brNS, brIface)
	time.Sleep(200 * time.Millisecond) // let the browser's first query go out unanswered
	adv := helper(advNS, "HEARTH_DISCOVERY_ADVERTISE="+advIface)
	adv.Stderr = os.Stderr
	start := time.Now()
	if err := adv.Start(); err != nil {
		t.Fatal(err)
	}
	defer adv.Process.Kill()
	ev, _ := b.next(t, 10*time.Second)
	latency := time.Since(start)
	if ev.Kind != Found || ev.Server.Info != testInfo {
		t.Fatalf("first event %+v, want Found %+v", ev, testInfo)
	}
	if len(ev.Server.Addrs) == 0 || ev.Server.Addrs[0].String() != wantAddr {
		t.Errorf("addresses %v, want %s", ev.Server.Addrs, wantAddr)
	}
	t.Logf("discovery latency (advertiser started → server seen, including process start): %v", latency)
	// A browser that starts later finds the running server by asking.
	late := startBrowser(t, brNS, brIface)
	if ev, took := late.next(t, 5*time.Second); ev.Kind != Found || ev.Server.Info != testInfo {
		t.Errorf("a later browser: %+v", ev)
	} else {
		t.Logf("a browser started later found it in %v", took)
	}
	adv.Process.Signal(syscall.SIGTERM)
	adv.Wait()
	ev, gone := b.next(t, 5*time.Second)
	if ev.Kind != Lost || ev.Server.ID != testInfo.ID {
		t.Errorf("after shutdown: %+v, want Lost", ev)
	}
	t.Logf("reported gone %v after the advertiser stopped", gone)
}

// TestAcrossNamespaces: real multicast between two network namespaces joined by a veth
// pair, as between two machines on a home network.
func TestAcrossNamespaces(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	a, b := vethPair(t, "hza", "hzb", "10.77.0.1/24", "10.77.0.2/24")
	discover(t, a, "va", b, "vb", "10.77.0.1")
}

// TestOnLoopback: the same on one machine's loopback with multicast turned on.
func TestOnLoopback(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	n := loopbackNS(t, "hzl")
	discover(t, n, "lo", n, "lo", "127.0.0.1")
}

// TestAddressChange: a server that gets a new address announces it, and browsers report
// the change.
func TestAddressChange(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	a, b := vethPair(t, "hzc", "hzd", "10.78.0.1/24", "10.78.0.2/24")
	br := startBrowser(t, b, "vb")
	adv := helper(a, "HEARTH_DISCOVERY_ADVERTISE=va")
	if err := adv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { adv.Process.Signal(syscall.SIGTERM); adv.Wait() }()
	if ev, _ := br.next(t, 10*time.Second); ev.Kind != Found {
		t.Fatalf("first event %+v", ev)
	}
	ip(t, a, "addr", "add", "10.79.0.9/24", "dev", "va") // its own subnet: removing 10.78.0.1 would take a secondary with it
	ev, took := br.next(t, 15*time.Second)
	if ev.Kind != Changed || len(ev.Server.Addrs) != 2 || ev.Server.Addrs[1].String() != "10.79.0.9" {
		t.Fatalf("after a new address: %+v", ev)
	}
	t.Logf("a new address was seen %v after it was added", took)
	ip(t, a, "addr", "del", "10.78.0.1/24", "dev", "va")
	ev, took = br.next(t, 15*time.Second)
	if ev.Kind != Changed || len(ev.Server.Addrs) != 1 || ev.Server.Addrs[0].String() != "10.79.0.9" {
		t.Fatalf("after an address went: %+v", ev)
	}
	t.Logf("a removed address was dropped %v after it went", took)
}

// TestVanishedServer: a server that disappears without a goodbye (a pulled cable, a
// crash) is reported lost when its records run out, while one that stays is kept.
func TestVanishedServer(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	n := loopbackNS(t, "hzv")
	br := startBrowser(t, n, "lo")
	adv := helper(n, "HEARTH_DISCOVERY_ADVERTISE=lo")
	adv.Env = append(adv.Env, "HEARTH_DISCOVERY_TTL=3s")
	if err := adv.Start(); err != nil {
		t.Fatal(err)
	}
	if ev, _ := br.next(t, 10*time.Second); ev.Kind != Found {
		t.Fatalf("first event %+v", ev)
	}
	// Alive, it is asked again before its 3 s run out and stays.
	select {
	case ev := <-br.events:
		t.Fatalf("a live server was reported: %+v", ev)
	case <-time.After(7 * time.Second):
	}
	adv.Process.Kill() // no goodbye
	adv.Wait()
	ev, took := br.next(t, 10*time.Second)
	if ev.Kind != Lost {
		t.Fatalf("after a kill: %+v, want Lost", ev)
	}
	t.Logf("a killed server was reported lost %v after it died (TTL 3 s)", took)
}
