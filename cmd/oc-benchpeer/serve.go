package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/openconsent/openconsent/server"
)

// serveMain is "oc-benchpeer serve -config FILE -cpuprofile FILE": the
// server of cmd/openconsent (server.New, Run), with a CPU profile of its
// whole life written when it stops. Used by -cpuprofile.
func serveMain(args []string) int {
	fs := flag.NewFlagSet("oc-benchpeer serve", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "configuration file")
	profile := fs.String("cpuprofile", "", "CPU profile output file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := serveProfiled(*cfgPath, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "oc-benchpeer serve:", err)
		return 1
	}
	return 0
}

func serveProfiled(cfgPath, profile string) error {
	cfg, err := server.Load(cfgPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := server.New(ctx, cfg, server.Deps{Logger: log})
	if err != nil {
		return err
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return s.Run(ctx)
}
