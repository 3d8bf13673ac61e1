// Command biggen writes large, realistic heap profiles: many functions, deep
// and varied stacks, allocation sizes from 8 B to 1 MB, some of them kept
// alive. It is the input generator for bench/ (see bench/gen-large.sh).
//
//	go build -trimpath -o biggen . && ./biggen -n 200000 -o heap.pb.gz
//
// The call graph is in funcs_gen.go, written by `go run gen.go` (committed,
// so building needs no generation): functions main.f000..main.f499, some of
// them methods (main.(*store).f123, main.parser.f123), generic
// (main.f123[...]), closures (main.f123.func1) or inlined helpers
// (main.f123 (inline)). Each iteration walks one path through the graph,
// from one of the roots, 2 to 24 calls deep, and allocates once at its end.
// About 30% of iterations (-hot) replay one of 64 hot paths, picked with a
// skewed distribution, so a few stacks carry many allocations, as in a real
// service; the others take a fresh random path, which is nearly always a new
// stack. So the number of samples in the profile, and the size of its
// `go tool pprof -traces` report, grow about linearly with -n.
//
// runtime.MemProfileRate is 1: every allocation is recorded, and the
// profile's values are exact, not estimates.
//
// The workload is deterministic for given -n, -seed and -workers (which
// stacks appear, and how often), but run to run the order of samples and the
// program's own few setup allocations may differ.
package main

//go:generate go run gen.go

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// ---------------------------------------------------------------------------
// The walker: the random choices along one path.

// walker carries a path's state through the generated functions. Choices of
// callee and allocation site come from path (so a replayed hot path is the
// same stack); sizes come from vals.
type walker struct {
	path uint64 // random state of the path's choices
	vals uint64 // random state of sizes
	left int    // calls left before the path stops and allocates
	keep int    // round-robin slot for kept allocations
}

// splitmix64 step.
func next64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// next returns which of the k callees to call, or k (the default branch: stop
// and allocate) when the path has no calls left.
func (w *walker) next(k int) int {
	if k == 0 || w.left <= 0 {
		return k
	}
	w.left--
	return int(next64(&w.path) % uint64(k))
}

// site picks one of k allocation sites.
func (w *walker) site(k int) int { return int(next64(&w.path) % uint64(k)) }

func (w *walker) size1(a int) int { return a }

func (w *walker) size2(a, b int) int {
	if next64(&w.vals)%3 == 0 {
		return b
	}
	return a
}

func (w *walker) size3(a, b, c int) int {
	switch next64(&w.vals) % 6 {
	case 0:
		return c
	case 1, 2:
		return b
	}
	return a
}

// vary adds up to 50% to n.
func (w *walker) vary(n int) int { return n + int(next64(&w.vals)%uint64(n/2+1)) }

// ---------------------------------------------------------------------------
// Where allocations go.

// keepSlots is the number of kept allocations of each kind; older ones are
// overwritten and become garbage. Kept sites allocate at most 64 kB, so this
// bounds the live heap to a few hundred MB at worst (tens in practice).
const keepSlots = 4096

var (
	keptBytes   [keepSlots][]byte
	keptWords   [keepSlots][]uint64
	keptStrings [keepSlots]string
	keptAny     [keepSlots]interface{}
	keepNext    [4]int
	keepMu      sync.Mutex

	// The drop functions store here so that allocations escape to the heap.
	sinkBytes  []byte
	sinkWords  []uint64
	sinkString string
	sinkAny    interface{}

	// zeros is the source for bytes.Buffer writes.
	zeros []byte
)

func slot(kind int) int {
	i := keepNext[kind]
	keepNext[kind] = (i + 1) % keepSlots
	return i
}

//go:noinline
func keepBytes(b []byte) { keepMu.Lock(); keptBytes[slot(0)] = b; keepMu.Unlock() }

//go:noinline
func keepWords(b []uint64) { keepMu.Lock(); keptWords[slot(1)] = b; keepMu.Unlock() }

//go:noinline
func keepString(s string) { keepMu.Lock(); keptStrings[slot(2)] = s; keepMu.Unlock() }

//go:noinline
func keepAny(v interface{}) { keepMu.Lock(); keptAny[slot(3)] = v; keepMu.Unlock() }

//go:noinline
func dropBytes(b []byte) { sinkBytes = b }

//go:noinline
func dropWords(b []uint64) { sinkWords = b }

//go:noinline
func dropString(s string) { sinkString = s }

//go:noinline
func dropAny(v interface{}) { sinkAny = v }

// Fixed-size records for new(T) sites.
type (
	rec16  struct{ a, b uint64 }
	rec48  struct{ a [6]uint64 }
	rec256 struct{ a [32]uint64 }
	rec1k  struct{ a [128]uint64 }
	rec8k  struct{ a [1024]uint64 }
)

// Receivers of the generated methods.
type (
	store  struct{ hits int }
	codec  struct{ hits int }
	index  struct{ hits int }
	parser struct{}
)

var (
	theStore store
	theCodec codec
	theIndex index
)

// ---------------------------------------------------------------------------
// The workload.

const hotPaths = 64

// worker runs iters paths. Hot paths are replayed from fixed seeds; fresh
// ones continue from the worker's own random state.
func worker(id, iters int, seed uint64, hot float64) {
	w := &walker{vals: seed ^ 0x5bd1e995}
	fresh := seed
	hotCut := uint64(hot * (1 << 32))
	for it := 0; it < iters; it++ {
		r := next64(&w.vals)
		var root int
		if r&(1<<32-1) < hotCut {
			// Hot path h: h = 0 with probability 1/2, 1 with 1/4, ... so a
			// few paths carry most of the hot allocations.
			h := 0
			for b := r >> 32; b&1 == 1 && h < hotPaths-1; b >>= 1 {
				h++
			}
			w.path = 0xc0ffee + uint64(h)*0x9e3779b9
			root = int(next64(&w.path) % uint64(len(roots)))
			w.left = 4 + int(next64(&w.path)%18)
		} else {
			w.path = next64(&fresh)
			root = int(next64(&w.path) % uint64(len(roots)))
			w.left = 2 + int(next64(&w.path)%23)
		}
		roots[root](w)
	}
}

func main() {
	// First, so that every allocation of the program is recorded.
	runtime.MemProfileRate = 1

	var (
		n       = flag.Int("n", 100000, "iterations: paths walked (each allocates once or twice)")
		workers = flag.Int("workers", 2, "goroutines sharing the iterations")
		seed    = flag.Uint64("seed", 1, "random seed")
		hot     = flag.Float64("hot", 0.3, "fraction of iterations that replay one of the hot paths")
		out     = flag.String("o", "heap.pb.gz", "output heap profile (gzipped protobuf)")
	)
	flag.Parse()
	if *workers < 1 || *n < 0 || *hot < 0 || *hot > 1 {
		log.Fatal("biggen: want -n >= 0, -workers >= 1 and 0 <= -hot <= 1")
	}
	zeros = make([]byte, 2<<20)

	start := time.Now()
	var wg sync.WaitGroup
	for id := 0; id < *workers; id++ {
		iters := *n / *workers
		if id < *n%*workers {
			iters++
		}
		wg.Add(1)
		go func(id, iters int) {
			defer wg.Done()
			worker(id, iters, *seed*0x100000001b3+uint64(id)+1, *hot)
		}(id, iters)
	}
	wg.Wait()
	walked := time.Since(start)

	// The heap profile shows the heap as of the last completed GC.
	runtime.GC()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	records, _ := runtime.MemProfile(nil, true)
	st, err := os.Stat(*out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "biggen: %d iterations in %v, %d functions, %d heap profile records, wrote %s (%d bytes) in %v\n",
		*n, walked.Round(time.Millisecond), numFuncs, records, *out, st.Size(),
		(time.Since(start) - walked).Round(time.Millisecond))
}
