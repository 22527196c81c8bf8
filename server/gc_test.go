package server

import (
	"runtime/debug"
	"testing"
)

func TestApplyGCPercent(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })
	env := func(gogc string) func(string) string {
		return func(k string) string {
			if k == "GOGC" {
				return gogc
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		percent int
		gogc    string
		want    int
	}{
		{name: "configured target applied", percent: 400, want: 400},
		{name: "GOGC set by the operator wins", percent: 400, gogc: "150", want: 100},
		{name: "0 leaves the runtime's target", percent: 0, want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			if got := applyGCPercent(tt.percent, env(tt.gogc)); got != tt.want {
				t.Errorf("applyGCPercent() = %d, want %d", got, tt.want)
			}
			cur := debug.SetGCPercent(100)
			if cur != tt.want {
				t.Errorf("runtime GC percent = %d, want %d", cur, tt.want)
			}
		})
	}
}
