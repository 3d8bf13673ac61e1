// Command eqnames writes a CPU profile (cpu.pb.gz, in the directory given as
// the first argument) of a loop that compares values of an unnamed struct
// type through interfaces. The runtime compares them with the equality
// function the compiler generates for the type, whose name is the type's
// literal: `type..eq.struct { A int; B string; C [4]float64 }` (Go 1.19),
// a frame name with `;` and spaces in it. Only the standard library is used.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// pair is the unnamed struct type compared below.
type pair = struct {
	A int
	B string
	C [4]float64
}

// sink keeps the comparisons from being optimized away.
var sink int

// compare compares a and b n times through the interfaces' dynamic types.
//
//go:noinline
func compare(a, b any, n int) {
	for i := 0; i < n; i++ {
		if a == b {
			sink++
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: eqnames DIR")
		os.Exit(2)
	}
	f, err := os.Create(filepath.Join(os.Args[1], "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	a := pair{A: 1, B: "same text", C: [4]float64{1, 2, 3, 4}}
	b := a
	for start := time.Now(); time.Since(start) < 700*time.Millisecond; {
		compare(a, b, 100000)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		panic(err)
	}
}
