// Command oc-benchpeer runs the HTTP load benchmark of make bench-http:
// openconsent side by side with the node oidc-provider peer of
// ../shared/bench/peer-oidc-provider, on this machine, in one run.
//
// It builds bin/openconsent and cmd/oc-loadgen, copies the peer into a
// temporary directory outside the repository and runs npm install and its
// genkeys.mjs there, then gives openconsent the peer's client keys (the
// public JWKS it registers, the private PEMs the load generator signs with)
// and one throw-away TLS CA and server certificate for both servers (HTTPS
// on 127.0.0.1). The servers run pinned to core 0 (taskset -c 0), the load
// generator to core 1. Each workload runs in rounds alternating the servers
// (A B B A ...), and the table gives both rates, p50/p99 and the ratio. It
// stops everything it started, whatever happens.
//
// Workloads:
//
//	cc-es256       client_credentials + private_key_jwt (ES256) -> ES256 JWT
//	               access token. The peer's bench-client is not sender
//	               constrained; openconsent (FAPI 2.0: sender constraint is a
//	               MUST) binds the token to the client certificate the load
//	               generator presents (RFC 8705), which the peer does not ask for.
//	cc-es256-dpop  the same with an ES256 DPoP proof per request, both servers.
//	introspect     openconsent only: RFC 7662 introspection of an opaque access
//	               token by a tls_client_auth resource server, compared with
//	               openconsent's cc-es256 rate of the same run.
//
// With -floor a third server runs each workload too: the floor (floor.go),
// echo over the same TLS doing only each request's cryptography, without a
// store. Its rate bounds what any server can reach here; the last table
// gives openconsent's rate as a share of it and the floor's own ratios.
//
// With -db postgres the store is a fresh database on the given server,
// reached through a counting proxy that reports PostgreSQL round trips per
// request.
package main

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type options struct {
	repo, peerDir, work   string
	rounds, conns, warmup int
	duration              time.Duration
	db, pgDSN             string
	noPeer, keep          bool
	profileDir            string
	only                  string
	serverCPU, loadCPU    string
	ourPort, peerPort     int
	floor                 bool // also run the floor (floor.go)
	floorPort             int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serveMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		os.Exit(floorMain(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	o, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oc-benchpeer:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "oc-benchpeer:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("oc-benchpeer", flag.ContinueOnError)
	o := &options{}
	fs.StringVar(&o.repo, "repo", ".", "openconsent repository root")
	fs.StringVar(&o.peerDir, "peer", "../shared/bench/peer-oidc-provider", "the peer's directory (copied, never modified)")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds per workload; servers alternate A B, B A, ...")
	fs.IntVar(&o.conns, "c", 16, "connections")
	fs.IntVar(&o.warmup, "warmup", 2000, "warm-up requests before each timed phase")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "timed phase per round")
	fs.StringVar(&o.db, "db", "sqlite", "openconsent's store: sqlite or postgres")
	fs.StringVar(&o.pgDSN, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL admin DSN (-db postgres): a fresh database is created and dropped")
	fs.BoolVar(&o.noPeer, "no-peer", false, "run openconsent only (no npm)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	fs.StringVar(&o.profileDir, "cpuprofile", "", "directory: run openconsent only, one server process per workload, writing <workload>.prof (go tool pprof)")
	fs.StringVar(&o.only, "workloads", "cc-es256,cc-es256-dpop,introspect", "comma-separated workloads to run")
	fs.StringVar(&o.serverCPU, "server-cpu", "0", "taskset CPU list for the servers")
	fs.StringVar(&o.loadCPU, "load-cpu", "1", "taskset CPU list for the load generator")
	fs.IntVar(&o.ourPort, "port", 18443, "openconsent's HTTPS port on 127.0.0.1")
	fs.IntVar(&o.peerPort, "peer-port", 13000, "the peer's HTTPS port on 127.0.0.1")
	fs.BoolVar(&o.floor, "floor", false, "also run the floor: echo + TLS + go-jose doing only the cryptography of each request, no store (floor.go)")
	fs.IntVar(&o.floorPort, "floor-port", 18444, "the floor's HTTPS port on 127.0.0.1")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.rounds < 1 || o.rounds > 10 || o.duration <= 0 || o.duration > 2*time.Minute {
		return nil, errors.New("-rounds must be 1..10 and -d at most 2m")
	}
	if o.db != "sqlite" && o.db != "postgres" {
		return nil, fmt.Errorf("-db %q: want sqlite or postgres", o.db)
	}
	if o.profileDir != "" {
		o.noPeer = true
	}
	var err error
	if o.repo, err = filepath.Abs(o.repo); err != nil {
		return nil, err
	}
	if !filepath.IsAbs(o.peerDir) {
		o.peerDir = filepath.Join(o.repo, o.peerDir)
	}
	return o, nil
}

// bench prepares the directory, starts the servers, runs the rounds and
// prints the table.
func bench(ctx context.Context, o *options) error {
	work, err := os.MkdirTemp("", "oc-benchpeer-")
	if err != nil {
		return err
	}
	o.work = work
	if o.keep {
		fmt.Fprintln(os.Stderr, "work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := buildBinaries(ctx, o)
	if err != nil {
		return err
	}
	if err := writePKI(work, pkix.Name{CommonName: "bench-client", Organization: []string{"Bench"}},
		pkix.Name{CommonName: "bench-rs", Organization: []string{"Bench"}}); err != nil {
		return err
	}
	keys := filepath.Join(work, "peer", "keys")
	if err := preparePeer(ctx, o, keys); err != nil {
		return err
	}
	var procs procSet
	defer procs.stopAll()
	ours, err := newOurServer(ctx, o, bins, keys, &procs)
	if err != nil {
		return err
	}
	defer ours.close()
	var peer *peerServer
	if !o.noPeer {
		if peer, err = startPeer(ctx, o, &procs); err != nil {
			return err
		}
	}
	var fl *floorServer
	if o.floor {
		if fl, err = startFloor(ctx, o, bins, keys, &procs); err != nil {
			return err
		}
	}
	results, err := runWorkloads(ctx, o, bins, ours, peer, fl)
	if err != nil {
		return err
	}
	printTable(os.Stdout, o, results)
	return nil
}
