// Command cpulabels writes CPU, goroutine, mutex and block profiles into the
// output directory given as the only argument:
//
//	cpu.pb.gz        ~1.5 s of CPU work by two labelled workers (pprof.Do with
//	                 worker=a|b and nested phase=compute|encode), with
//	                 recursion, an inlined helper, and some unlabelled work
//	goroutine.pb.gz  goroutines started under pprof.Do labels (role=...),
//	                 parked on channels, a select, a mutex and a sync.Cond
//	mutex.pb.gz      a contended sync.Mutex (SetMutexProfileFraction(1))
//	block.pb.gz      channel, WaitGroup, select, mutex and Cond blocking
//	                 (SetBlockProfileRate(1))
//
// The work is a fixed amount (fixed iteration counts and seeds), not a fixed
// time; only the standard library is used.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// ---------------------------------------------------------------------------
// CPU work

// mix is a small hash step; the compiler inlines it into its callers, so CPU
// samples in it show up as "main.mix (inline)" frames.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

// walk recurses over a binary tree of the given depth, so the stacks have
// repeated main.walk frames.
func walk(seed uint64, depth int) uint64 {
	if depth == 0 {
		h := seed
		for i := 0; i < 64; i++ {
			h = mix(h + uint64(i))
		}
		return h
	}
	return walk(mix(seed), depth-1) ^ walk(mix(seed+1), depth-1)
}

// compute is the "phase=compute" part of a worker.
func compute(seed uint64, rounds int) uint64 {
	var acc uint64
	for r := 0; r < rounds; r++ {
		acc ^= walk(seed+uint64(r), 12)
	}
	return acc
}

type record struct {
	ID     int       `json:"id"`
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
	Hash   string    `json:"hash"`
}

// encode is the "phase=encode" part of a worker: JSON, SHA-256 and base64.
func encode(seed uint64, rounds int) int {
	total := 0
	for r := 0; r < rounds; r++ {
		rec := record{ID: r, Name: fmt.Sprintf("rec-%d-%d", seed, r)}
		x := seed + uint64(r)
		for i := 0; i < 32; i++ {
			x = mix(x)
			rec.Values = append(rec.Values, float64(x%10000)/7)
		}
		b, err := json.Marshal(rec)
		if err != nil {
			log.Fatal(err)
		}
		sum := sha256.Sum256(b)
		rec.Hash = base64.StdEncoding.EncodeToString(sum[:])
		b, _ = json.Marshal(rec)
		total += len(b)
	}
	return total
}

// spin is unlabelled work done by main itself.
func spin(rounds int) uint64 {
	var acc uint64
	for r := 0; r < rounds; r++ {
		acc += walk(uint64(r), 10)
	}
	return acc
}

// sink keeps the results alive, so the compiler cannot drop the work.
var sink uint64

func worker(ctx context.Context, name string, seed uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	pprof.Do(ctx, pprof.Labels("worker", name), func(ctx context.Context) {
		pprof.Do(ctx, pprof.Labels("phase", "compute"), func(context.Context) {
			sink ^= compute(seed, computeRounds)
		})
		pprof.Do(ctx, pprof.Labels("phase", "encode"), func(context.Context) {
			sink ^= uint64(encode(seed, encodeRounds))
		})
	})
}

func cpuProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	ctx := context.Background()
	for i, name := range []string{"a", "b"} {
		wg.Add(1)
		go worker(ctx, name, uint64(i+1)*1000, &wg)
	}
	sink ^= spin(spinRounds)
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// Mutex and block contention

type counter struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *counter) add(k int) {
	c.mu.Lock()
	// Hold the lock for a little work, so that others wait for it.
	x := uint64(k)
	for i := 0; i < 200; i++ {
		x = mix(x)
	}
	c.n[k%16] += int(x & 1)
	if k%50 == 0 {
		// Sometimes yield while holding the lock (as if doing I/O under
		// it), so that the other goroutines really queue up on it.
		runtime.Gosched()
	}
	c.mu.Unlock()
}

// total reads the map under the same lock, unlocking with defer (a second
// Unlock call site in the mutex profile).
func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, v := range c.n {
		t += v
	}
	runtime.Gosched()
	return t
}

// table is guarded by an RWMutex: readers and a writer contend.
type table struct {
	mu sync.RWMutex
	m  map[int]uint64
}

func (t *table) get(k int) uint64 {
	t.mu.RLock()
	v := t.m[k%64]
	t.mu.RUnlock()
	return v
}

func (t *table) put(k int) {
	t.mu.Lock()
	x := uint64(k)
	for i := 0; i < 400; i++ {
		x = mix(x)
	}
	t.m[k%64] = x
	runtime.Gosched()
	t.mu.Unlock()
}

func contend() {
	c := &counter{n: map[int]int{}}
	t := &table{m: map[int]uint64{}}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				c.add(g*5000 + i)
				if i%10 == 0 {
					sink ^= uint64(c.total())
				}
			}
		}(g)
	}
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				if g == 0 && i%4 == 0 {
					t.put(i)
				} else {
					sink ^= t.get(i)
				}
			}
		}(g)
	}
	wg.Wait()
}

// pipeline blocks on unbuffered channel sends and receives.
func pipeline() {
	src := make(chan int)
	dst := make(chan uint64)
	go func() {
		for i := 0; i < 2000; i++ {
			src <- i
		}
		close(src)
	}()
	go func() {
		for v := range src {
			dst <- walk(uint64(v), 3)
		}
		close(dst)
	}()
	var acc uint64
	for v := range dst {
		acc ^= v
	}
	sink ^= acc
}

// selectWait blocks in a select on two channels.
func selectWait() {
	a := make(chan int)
	b := make(chan int)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 200; i++ {
			if i%2 == 0 {
				a <- i
			} else {
				b <- i
			}
		}
		close(done)
	}()
	n := 0
	for {
		select {
		case v := <-a:
			n += v
		case v := <-b:
			n -= v
		case <-done:
			sink ^= uint64(n)
			return
		}
	}
}

// condWait blocks on a sync.Cond.
func condWait() {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := 0
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			for ready == 0 {
				cond.Wait()
			}
			mu.Unlock()
		}()
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	ready = 1
	cond.Broadcast()
	mu.Unlock()
	wg.Wait()
}

// ---------------------------------------------------------------------------
// Goroutine snapshot

// parked starts goroutines under pprof.Do labels that park in various ways,
// and returns a function that releases them.
func parked() (release func()) {
	ctx := context.Background()
	stop := make(chan struct{})
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	stopped := false
	var wg sync.WaitGroup
	started := make(chan struct{}, 16)

	start := func(labels pprof.LabelSet, f func()) {
		wg.Add(1)
		go pprof.Do(ctx, labels, func(context.Context) {
			defer wg.Done()
			started <- struct{}{}
			f()
		})
	}
	for i := 0; i < 3; i++ {
		start(pprof.Labels("role", "waiter"), func() { <-stop })
	}
	for i := 0; i < 2; i++ {
		start(pprof.Labels("role", "selector", "shard", fmt.Sprint(i)), func() {
			tick := make(chan int)
			select {
			case <-stop:
			case <-tick:
			}
		})
	}
	start(pprof.Labels("role", "cond"), func() {
		mu.Lock()
		for !stopped {
			cond.Wait()
		}
		mu.Unlock()
	})
	// An unlabelled goroutine, for contrast.
	wg.Add(1)
	started <- struct{}{}
	go func() {
		defer wg.Done()
		<-stop
	}()
	for i := 0; i < 7; i++ {
		<-started
	}
	// Give them time to actually park.
	time.Sleep(50 * time.Millisecond)
	return func() {
		close(stop)
		mu.Lock()
		stopped = true
		cond.Broadcast()
		mu.Unlock()
		wg.Wait()
	}
}

func writeProfile(name, path string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

const (
	computeRounds = 600
	encodeRounds  = 16000
	spinRounds    = 1200
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cpulabels OUTDIR")
		os.Exit(2)
	}
	out := os.Args[1]
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	cpuProfile(filepath.Join(out, "cpu.pb.gz"))

	contend()
	pipeline()
	selectWait()
	condWait()

	release := parked()
	writeProfile("goroutine", filepath.Join(out, "goroutine.pb.gz"))
	release()

	writeProfile("mutex", filepath.Join(out, "mutex.pb.gz"))
	writeProfile("block", filepath.Join(out, "block.pb.gz"))
}
