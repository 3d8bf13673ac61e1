// Command legacyshapes writes an allocs profile as net/http/pprof serves it
// with `?debug=1`, and its binary twin (`?debug=0`), into the directory
// given as the first argument, with the stack shapes that test a reader of
// the text: recursion (one address listed several times, so one `#` line
// per listing), an inlined call inside a recursion (one `#` line per
// logical frame), a stack deeper than the runtime's 32 recorded frames, and
// two records whose visible frames are the same but whose leading runtime
// addresses differ (a map's first bucket and an overflow bucket, both
// allocated by one `m[k] = v`). Every allocation is sampled
// (MemProfileRate = 1). Only the standard library is used.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// sink keeps allocations alive so that the heap profile has in-use bytes.
var sink []any

// recurse calls itself n times, then allocates 96 bytes.
//
//go:noinline
func recurse(n int) {
	if n == 0 {
		sink = append(sink, make([]byte, 96))
		return
	}
	recurse(n - 1)
}

// leafInline is small enough to be inlined into its caller.
func leafInline() []byte { return make([]byte, 200) }

// recurseInline calls itself n times, then allocates through an inlined
// call.
//
//go:noinline
func recurseInline(n int) {
	if n == 0 {
		sink = append(sink, leafInline())
		return
	}
	recurseInline(n - 1)
}

// deep calls itself n times, then allocates: more frames than the runtime
// records (32 in Go 1.19).
//
//go:noinline
func deep(n int) {
	if n == 0 {
		sink = append(sink, make([]byte, 1000))
		return
	}
	deep(n - 1)
}

// put is the one call site of the map assignments below.
//
//go:noinline
func put(m map[int]int, k int) { m[k] = k }

// maps fills maps through put: an empty map's first assignment allocates
// its first bucket; assignments to a map made for 40 entries (8 buckets)
// overflow some bucket before the map grows (it grows past 52 entries).
//
//go:noinline
func maps() {
	for i := 0; i < 4; i++ {
		m := map[int]int{}
		put(m, i)
		sink = append(sink, m)
	}
	for i := 0; i < 8; i++ {
		m := make(map[int]int, 40)
		for k := 0; k < 52; k++ {
			put(m, i*1000+k)
		}
		sink = append(sink, m)
	}
}

func write(dir, name string, debug int) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: legacyshapes DIR")
		os.Exit(2)
	}
	runtime.MemProfileRate = 1
	recurse(3)
	recurse(1)
	recurseInline(2)
	deep(40)
	maps()
	runtime.GC()
	write(os.Args[1], "allocs.debug1.txt", 1)
	write(os.Args[1], "allocs.pb.gz", 0)
}
