// Command growing is a small service whose memory changes over time in the
// four ways `traces-tool trend` tells apart, with one allocation site each:
//
//	main.(*sessions).remember  leaks: 1 MiB more in use at every tick
//	main.loadConfig            stable: 512 KiB allocated at start, kept
//	main.buildBatch            transient: grows for three ticks, then freed
//	main.renderReport          new mid-way: appears at tick 4, then kept
//
// Every allocation is profiled (MemProfileRate = 1), so the heap profiles
// hold exact byte counts, not estimates.
//
//	growing series DIR        a heap profile at each of 6 ticks, one second
//	                          apart: DIR/tick-1.pb.gz ... DIR/tick-6.pb.gz
//	growing pod DIR NAME N    one pod of a fleet: the same 6 ticks with the
//	                          leak N times as fast, and a heap profile at the
//	                          end: DIR/heap-NAME.pb.gz
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"
)

const (
	ticks = 6
	chunk = 4096 // a size class of its own: no rounding up
)

type sessions struct{ kept [][]byte }

// remember keeps n chunks that are never let go (the leak).
//
//go:noinline
func (s *sessions) remember(n int) {
	for i := 0; i < n; i++ {
		s.kept = append(s.kept, make([]byte, chunk))
	}
}

var (
	store  = &sessions{kept: make([][]byte, 0, 1<<14)}
	config [][]byte
	batch  [][]byte
	report [][]byte
)

//go:noinline
func loadConfig() {
	config = make([][]byte, 0, 128)
	for i := 0; i < 128; i++ {
		config = append(config, make([]byte, chunk))
	}
}

//go:noinline
func buildBatch(n int) {
	for i := 0; i < n; i++ {
		batch = append(batch, make([]byte, chunk))
	}
}

//go:noinline
func renderReport(n int) {
	for i := 0; i < n; i++ {
		report = append(report, make([]byte, chunk))
	}
}

// tick does one tick's work: t counts from 1.
func tick(t, leak int) {
	store.remember(256 * leak) // 1 MiB per tick per unit of leak
	switch {
	case t <= 3:
		buildBatch(256) // 1 MiB more at ticks 1, 2 and 3
	case t == 4:
		batch = nil // freed: the batch was flushed
	}
	if t == 4 {
		renderReport(128) // 512 KiB from tick 4 on
	}
}

func writeHeap(path string) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	runtime.MemProfileRate = 1
	if len(os.Args) < 3 {
		log.Fatal("usage: growing series DIR | growing pod DIR NAME LEAK")
	}
	dir := os.Args[2]
	loadConfig()
	switch os.Args[1] {
	case "series":
		for t := 1; t <= ticks; t++ {
			if t > 1 {
				time.Sleep(time.Second)
			}
			tick(t, 1)
			writeHeap(filepath.Join(dir, fmt.Sprintf("tick-%d.pb.gz", t)))
		}
	case "pod":
		if len(os.Args) != 5 {
			log.Fatal("usage: growing pod DIR NAME LEAK")
		}
		leak, err := strconv.Atoi(os.Args[4])
		if err != nil {
			log.Fatal(err)
		}
		for t := 1; t <= ticks; t++ {
			tick(t, leak)
		}
		writeHeap(filepath.Join(dir, "heap-"+os.Args[3]+".pb.gz"))
	default:
		log.Fatal("usage: growing series DIR | growing pod DIR NAME LEAK")
	}
	runtime.KeepAlive(store)
}
