// Command racy has three distinct data races for the race detector
// (`go build -race`): a counter written by many goroutines, a map written
// by a goroutine while main reads it, and a flag set from a timer
// callback while a worker polls it. Its stderr is the detector's report
// (samples/racereport/). Each race is made to happen by ordering the
// accesses with sleeps and channels the detector does not see as
// synchronisation, so the report is the same from run to run up to
// addresses and goroutine ids.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

type stats struct {
	hits int
}

// bump increments the counter without a lock.
func (s *stats) bump() {
	s.hits++
}

func counters() {
	s := &stats{}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.bump()
			time.Sleep(20 * time.Millisecond)
		}()
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr, "hits:", s.hits)
}

var cache = map[string]int{}

func fill(key string) {
	cache[key] = len(key)
}

func lookup(key string) int {
	return cache[key]
}

func maps() {
	done := make(chan struct{})
	go func() {
		fill("alpha")
		time.Sleep(20 * time.Millisecond)
		close(done)
	}()
	time.Sleep(10 * time.Millisecond)
	fmt.Fprintln(os.Stderr, "alpha:", lookup("alpha"))
	<-done
}

var stop bool

func poll(out chan<- int) {
	n := 0
	for !stop {
		n++
		time.Sleep(time.Millisecond)
	}
	out <- n
}

func flags() {
	out := make(chan int)
	go poll(out)
	time.AfterFunc(10*time.Millisecond, func() { stop = true })
	<-out
}

func main() {
	counters()
	maps()
	flags()
}
