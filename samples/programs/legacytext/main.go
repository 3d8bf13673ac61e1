// Command legacytext writes the text profiles net/http/pprof serves with
// `?debug=1` (heap, allocs, goroutine, threadcreate, mutex, block), each
// with its binary twin (`?debug=0`), and a `goroutine?debug=2` dump taken
// right after the `debug=1` goroutine profile, into the directory given as
// the first argument. The handlers of net/http/pprof call
// `pprof.Lookup(name).WriteTo(w, debug)`; this program makes the same calls.
//
// With a second argument `panic` it starts the same goroutines and then
// panics (run it with GOTRACEBACK=all to get every goroutine on stderr).
//
// Goroutines are parked in several states: chan receive, chan send, select,
// select (no cases), sleep, semacquire (sync.Mutex and sync.WaitGroup),
// sync.Cond.Wait, IO wait (a listener's Accept), one locked to its thread,
// and some with pprof labels. Only the standard library is used.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// sink keeps allocations alive so that the heap profile has in-use bytes.
var sink [][]byte

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		sink = append(sink, make([]byte, 64))
	}
}

//go:noinline
func allocBig() {
	sink = append(sink, make([]byte, 1<<20))
}

// allocInline is small enough to be inlined into its caller.
func allocInline() []byte { return make([]byte, 4096) }

//go:noinline
func churn() {
	for i := 0; i < 2000; i++ {
		_ = allocInline()
	}
}

//go:noinline
func waitRecv(ch chan int) { <-ch }

//go:noinline
func waitSend(ch chan int) { ch <- 1 }

//go:noinline
func waitSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func waitForever() { select {} }

//go:noinline
func sleeper() { time.Sleep(time.Hour) }

//go:noinline
func lockHolder(mu *sync.Mutex) { mu.Lock() }

//go:noinline
func groupWaiter(wg *sync.WaitGroup) { wg.Wait() }

//go:noinline
func condWaiter(c *sync.Cond) {
	c.L.Lock()
	c.Wait()
}

//go:noinline
func acceptor(l net.Listener) { _, _ = l.Accept() }

//go:noinline
func lockedWaiter(ch chan int) {
	runtime.LockOSThread()
	<-ch
}

// contend makes goroutines fight over a mutex (mutex profile) and wait on
// channels (block profile).
func contend() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				mu.Lock()
				time.Sleep(20 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ch := make(chan int)
	go func() {
		for i := 0; i < 50; i++ {
			time.Sleep(100 * time.Microsecond)
			ch <- i
		}
		close(ch)
	}()
	for range ch {
	}
}

// park starts the parked goroutines; they never return.
func park() {
	never := make(chan int)
	for i := 0; i < 3; i++ {
		go waitRecv(never)
	}
	full := make(chan int) // nobody receives from it
	go waitSend(full)
	go waitSend(full)
	go waitSelect(never, never)
	go waitForever()
	go sleeper()
	mu := new(sync.Mutex)
	mu.Lock()
	go lockHolder(mu)
	go lockHolder(mu)
	wg := new(sync.WaitGroup)
	wg.Add(1)
	go groupWaiter(wg)
	c := sync.NewCond(new(sync.Mutex))
	go condWaiter(c)
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		go acceptor(l)
	}
	go lockedWaiter(never)
	// Same stack, different labels: separate records in debug=1.
	for _, worker := range []string{"a", "b"} {
		labels := pprof.Labels("worker", worker, "phase", "io")
		pprof.Do(context.Background(), labels, func(context.Context) {
			go waitRecv(never)
		})
	}
	// Let every goroutine reach its wait, then have a GC scan their stacks.
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
}

func write(dir, name string, debug int) {
	ext := ".pb.gz"
	if debug > 0 {
		ext = fmt.Sprintf(".debug%d.txt", debug)
	}
	f, err := os.Create(filepath.Join(dir, name+ext))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: legacytext OUTDIR [panic]")
		os.Exit(2)
	}
	dir := os.Args[1]
	runtime.MemProfileRate = 4096
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)

	allocSmall(500)
	allocBig()
	churn()
	contend()
	park()

	if len(os.Args) > 2 && os.Args[2] == "panic" {
		panic(fmt.Sprintf("giving up after %d goroutines", runtime.NumGoroutine()))
	}
	// The heap profile shows allocations as of the last complete GC
	// cycle: two cycles publish everything allocated so far.
	runtime.GC()
	runtime.GC()
	for _, name := range []string{"heap", "allocs", "threadcreate", "mutex", "block"} {
		write(dir, name, 1)
		write(dir, name, 0)
	}
	// The dump right after the debug=1 profile, so that both see the same
	// goroutines; the binary twin last.
	write(dir, "goroutine", 1)
	write(dir, "goroutine", 2)
	write(dir, "goroutine", 0)
}
