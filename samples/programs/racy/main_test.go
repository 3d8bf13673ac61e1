package main

import (
	"testing"
	"time"
)

// TestCounter races on a counter: `go test -race` reports the race and
// fails the test with "race detected during execution of test".
func TestCounter(t *testing.T) {
	s := &stats{}
	done := make(chan struct{})
	go func() {
		s.bump()
		time.Sleep(20 * time.Millisecond)
		close(done)
	}()
	time.Sleep(10 * time.Millisecond)
	s.bump()
	<-done
	if s.hits != 2 {
		t.Errorf("hits = %d, want 2", s.hits)
	}
}

// TestQuiet has no race.
func TestQuiet(t *testing.T) {
	if lookup("none") != 0 {
		t.Error("unexpected entry")
	}
}
