// Command goroutinegroups starts known groups of goroutines and dumps them
// three times while one group grows: the samples of `traces-tool
// goroutines` and its comparison with panicparse.
//
// Usage: goroutinegroups DIR [ROUNDS]
//
// In each round r (1..ROUNDS, default 3) the `leak` group grows to 100*r
// goroutines and the others stay as they are; then the program writes
// DIR/dump-rR.debug2.txt (`pprof.Lookup("goroutine").WriteTo(w, 2)`, what
// /debug/pprof/goroutine?debug=2 serves) and, right after it,
// DIR/profile-rR.debug1.txt (`WriteTo(w, 1)`). After the last round it
// sends itself SIGQUIT: the runtime prints every goroutine on stderr and
// exits with status 2, so a run with ROUNDS=R gives the SIGQUIT dump of
// round R.
//
// The groups (state, size, creator):
//
//	leak      chan receive, 50*r, startLeak; pointer arguments that differ
//	numbered  chan receive, 50 in 5 values of a non-pointer argument, startNumbered
//	selects   select, 30, two parents: startSelectsA (20), startSelectsB (10)
//	mutex     semacquire (sync.Mutex), 20, startMutex
//	conns     IO wait (reading a loopback TCP connection), 10, startConns
//	sleepers  sleep, 20, startSleepers
//	locked    chan receive, locked to thread, 5, startLocked
//
// Run with GOMAXPROCS=1 so that goroutine ids repeat from run to run.
// Only the standard library is used.
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type payload struct{ buf [64]byte }

var (
	block   = make(chan struct{})
	started sync.WaitGroup
	mu      sync.Mutex
	keep    []*payload
	total   int
)

//go:noinline
func leakyWait(ch chan struct{}, p *payload) {
	started.Done()
	<-ch
	keep = append(keep, p)
}

func startLeak(n int) {
	for i := 0; i < n; i++ {
		p := &payload{}
		keep = append(keep, p)
		started.Add(1)
		go leakyWait(block, p)
	}
}

//go:noinline
func numbered(n int, ch chan struct{}) {
	started.Done()
	<-ch
	// Used after the wait, n is spilled to the stack and printed as is.
	total += n
}

func startNumbered() {
	for i := 0; i < 50; i++ {
		started.Add(1)
		go numbered(i%5, block)
	}
}

//go:noinline
func selecting(a, b chan struct{}) {
	started.Done()
	select {
	case <-a:
	case <-b:
	}
}

func startSelectsA() {
	for i := 0; i < 20; i++ {
		started.Add(1)
		go selecting(block, block)
	}
}

func startSelectsB() {
	for i := 0; i < 10; i++ {
		started.Add(1)
		go selecting(block, block)
	}
}

//go:noinline
func locker() {
	started.Done()
	mu.Lock()
	mu.Unlock()
}

func startMutex() {
	for i := 0; i < 20; i++ {
		started.Add(1)
		go locker()
	}
}

//go:noinline
func reader(c net.Conn) {
	started.Done()
	var b [1]byte
	_, _ = c.Read(b[:])
}

func startConns() []net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	var servers []net.Conn
	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			panic(err)
		}
		s, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		servers = append(servers, s)
		started.Add(1)
		go reader(c)
	}
	_ = ln.Close()
	return servers
}

//go:noinline
func sleeper(d time.Duration) {
	started.Done()
	time.Sleep(d)
}

func startSleepers() {
	for i := 0; i < 20; i++ {
		started.Add(1)
		go sleeper(time.Hour)
	}
}

//go:noinline
func lockedWait(ch chan struct{}) {
	runtime.LockOSThread()
	started.Done()
	<-ch
}

func startLocked() {
	for i := 0; i < 5; i++ {
		started.Add(1)
		go lockedWait(block)
	}
}

func write(path string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

// settle waits until every started goroutine is parked.
func settle() {
	started.Wait()
	time.Sleep(200 * time.Millisecond)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: goroutinegroups DIR [ROUNDS [PER_ROUND]]")
		os.Exit(2)
	}
	dir := os.Args[1]
	rounds, perRound := 3, 50
	if len(os.Args) > 2 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			panic(err)
		}
		rounds = n
	}
	if len(os.Args) > 3 {
		n, err := strconv.Atoi(os.Args[3])
		if err != nil {
			panic(err)
		}
		perRound = n
	}
	mu.Lock()
	startNumbered()
	startSelectsA()
	startSelectsB()
	startMutex()
	conns := startConns()
	startSleepers()
	startLocked()
	for r := 1; r <= rounds; r++ {
		startLeak(perRound)
		settle()
		write(filepath.Join(dir, fmt.Sprintf("dump-r%d.debug2.txt", r)), 2)
		write(filepath.Join(dir, fmt.Sprintf("profile-r%d.debug1.txt", r)), 1)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGQUIT)
	time.Sleep(10 * time.Second)
	fmt.Println(len(conns))
}
