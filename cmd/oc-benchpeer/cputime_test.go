package main

import (
	"os"
	"testing"
	"time"
)

func TestCPUTimeGrowsWithWork(t *testing.T) {
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatalf("cpuTime() error = %v", err)
	}
	x := 0
	for deadline := time.Now().Add(60 * time.Millisecond); time.Now().Before(deadline); {
		x++
	}
	after, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatalf("cpuTime() error = %v", err)
	}
	if after-before < 2*clockTick {
		t.Errorf("cpuTime grew by %v over a 60 ms busy loop (%d spins), want at least %v", after-before, x, 2*clockTick)
	}
	if _, err := cpuTime(-1); err == nil {
		t.Error("cpuTime(-1) error = nil, want an error")
	}
}
