package server

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent is the GC target while serving. The server's live heap
// is small (parsed keys, client and JWKS caches: tens of MB), and with Go's
// default of 100 it collects several times a second under load; at 400 the
// token endpoint serves about 10 % more requests per CPU second
// (cmd/oc-benchpeer: 209 -> 188 us of CPU per client_credentials request),
// for a heap at most five times the live one.
const defaultGCPercent = 400

// minGCPercent keeps a configured target from making the collector run
// nearly continuously.
const minGCPercent = 25

// applyGCPercent sets the GC target to percent unless the operator set GOGC
// (getenv("GOGC") non-empty), which the runtime has already applied. It
// returns the target in force afterwards.
func applyGCPercent(percent int, getenv func(string) string) int {
	if getenv("GOGC") != "" || percent <= 0 {
		cur := debug.SetGCPercent(-1)
		debug.SetGCPercent(cur)
		return cur
	}
	debug.SetGCPercent(percent)
	return percent
}

// setGC applies the configured GC target for serving.
func (s *Server) setGC() {
	got := applyGCPercent(s.cfg.Server.GCPercent, os.Getenv)
	s.log.Debug("gc target", "gc_percent", got)
}
