package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// loadResult is oc-loadgen's -json output.
type loadResult struct {
	Count      int            `json:"count"`
	Errors     int            `json:"errors"`
	Seconds    float64        `json:"seconds"`
	ReqPerSec  float64        `json:"req_per_s"`
	P50ms      float64        `json:"p50_ms"`
	P99ms      float64        `json:"p99_ms"`
	Statuses   map[string]int `json:"statuses"`
	FirstError string         `json:"first_error"`

	roundTrips float64 // PostgreSQL round trips per request, -db postgres only
	cpuPerReq  float64 // server CPU time per request (warm-up included), µs
}

// workload is one row of the table: load generator arguments per server.
type workload struct {
	name, desc string
	ours, peer func(ctx context.Context) ([]string, error) // peer nil: ours only
	floor      func(ctx context.Context) ([]string, error) // nil without -floor
}

type results map[string]map[string][]loadResult // workload -> "ours"/"peer"/"floor" -> rounds

func workloads(o *options, ours *ourServer, peer *peerServer, fl *floorServer) []workload {
	keys := filepath.Join(o.work, "peer", "keys")
	ca := filepath.Join(o.work, "ca.pem")
	common := func(url, client, aud string) []string {
		return []string{"-url", url, "-client-id", client, "-key", filepath.Join(keys, "client-es256.pem"), "-kid", "client-es256",
			"-aud", aud, "-scope", "accounts", "-cacert", ca}
	}
	cert := []string{"-cert", filepath.Join(o.work, "bench-client.pem"), "-cert-key", filepath.Join(o.work, "bench-client.key")}
	peerArgs := func(client string, extra ...string) func(context.Context) ([]string, error) {
		if peer == nil {
			return nil
		}
		return func(context.Context) ([]string, error) {
			return append(common(peer.base+"/token", client, peer.base), extra...), nil
		}
	}
	all := []workload{
		{name: "cc-es256", desc: "client_credentials, private_key_jwt ES256 -> ES256 JWT AT (ours mTLS-bound, peer unbound)",
			ours: func(context.Context) ([]string, error) {
				return append(common(ours.base+"/bench/token", "bench-client", ours.base+"/bench"), cert...), nil
			},
			peer: peerArgs("bench-client")},
		{name: "cc-es256-dpop", desc: "the same + ES256 DPoP proof (DPoP-bound AT on both)",
			ours: func(context.Context) ([]string, error) {
				return append(common(ours.base+"/bench/token", "bench-client-dpop", ours.base+"/bench"), "-dpop", "ES256"), nil
			},
			peer: peerArgs("bench-client-dpop", "-dpop", "ES256")},
		{name: "introspect", desc: "introspection of an opaque AT, tls_client_auth resource server (ours only)",
			ours: func(context.Context) ([]string, error) {
				tok, err := ours.opaqueToken(keys)
				if err != nil {
					return nil, err
				}
				return []string{"-workload", "introspect", "-url", ours.base + "/benchop/introspect", "-client-id", "bench-rs",
					"-token", tok, "-cacert", ca, "-cert", filepath.Join(o.work, "bench-rs.pem"), "-cert-key", filepath.Join(o.work, "bench-rs.key")}, nil
			}},
	}
	var out []workload
	for _, w := range all {
		if !slices.Contains(strings.Split(o.only, ","), w.name) {
			continue
		}
		if fl != nil {
			w.floor = floorArgs(w, ours.base, fl.base)
		}
		out = append(out, w)
	}
	return out
}

// floorArgs are the load generator's arguments of w's openconsent run,
// pointed at the floor: the same requests (the floor checks the
// assertion's signature but not its audience or issuer).
func floorArgs(w workload, ourBase, floorBase string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		args, err := w.ours(ctx)
		if err != nil {
			return nil, err
		}
		out := slices.Clone(args)
		for i := range out {
			if i > 0 && out[i-1] == "-url" {
				out[i] = floorBase + strings.TrimPrefix(out[i], ourBase)
			}
		}
		return out, nil
	}
}

// runWorkloads runs each workload for o.rounds rounds, alternating the
// servers (A B, then B A, ...).
func runWorkloads(ctx context.Context, o *options, bins binaries, ours *ourServer, peer *peerServer, fl *floorServer) (results, error) {
	res := results{}
	for _, w := range workloads(o, ours, peer, fl) {
		res[w.name] = map[string][]loadResult{}
		if o.profileDir != "" {
			prof := filepath.Join(o.profileDir, w.name+".prof")
			if err := ours.start(ctx, prof); err != nil {
				return nil, err
			}
		}
		for r := range o.rounds {
			order := []string{"ours", "peer", "floor"}
			if r%2 == 1 {
				slices.Reverse(order)
			}
			for _, who := range order {
				argsFn := w.ours
				switch who {
				case "peer":
					argsFn = w.peer
				case "floor":
					argsFn = w.floor
				}
				if argsFn == nil {
					continue
				}
				args, err := argsFn(ctx)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", w.name, who, err)
				}
				var before int64
				if who == "ours" && ours.pg != nil {
					before = ours.pg.roundTrips.Load()
				}
				pid := ours.pid()
				switch who {
				case "peer":
					pid = peer.pid
				case "floor":
					pid = fl.pid
				}
				cpu0, err := cpuTime(pid)
				if err != nil {
					return nil, err
				}
				lr, err := loadgen(ctx, o, bins, args, w.name+" "+who+" round "+strconv.Itoa(r+1))
				if err != nil {
					return nil, err
				}
				cpu1, err := cpuTime(pid)
				if err != nil {
					return nil, err
				}
				lr.cpuPerReq = float64((cpu1 - cpu0).Microseconds()) / float64(lr.Count+o.warmup)
				fmt.Fprintf(os.Stderr, "%-28s %8.0f us CPU per request\n", "", lr.cpuPerReq)
				if who == "ours" && ours.pg != nil {
					// Warm-up and timed requests both went through the proxy.
					lr.roundTrips = float64(ours.pg.roundTrips.Load()-before) / float64(lr.Count+o.warmup)
				}
				res[w.name][who] = append(res[w.name][who], lr)
			}
		}
		if o.profileDir != "" {
			ours.stop()
			fmt.Fprintf(os.Stderr, "cpu profile: %s\n", filepath.Join(o.profileDir, w.name+".prof"))
		}
	}
	return res, nil
}

// loadgen runs oc-loadgen pinned to the load CPU and parses its result.
func loadgen(ctx context.Context, o *options, bins binaries, args []string, label string) (loadResult, error) {
	argv := []string{"taskset", "-c", o.loadCPU, bins.loadgen, "-c", strconv.Itoa(o.conns), "-d", o.duration.String(),
		"-warmup", strconv.Itoa(o.warmup), "-json", "-label", label}
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	err := cmd.Run()
	var lr loadResult
	if jerr := json.Unmarshal(out.Bytes(), &lr); jerr != nil {
		return lr, fmt.Errorf("%s: oc-loadgen: %v (output %q)", label, err, out.String())
	}
	fmt.Fprintf(os.Stderr, "%-28s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", label, lr.ReqPerSec, lr.P50ms, lr.P99ms, lr.Errors)
	if err != nil {
		return lr, fmt.Errorf("%s: %w (first error: %s)", label, err, lr.FirstError)
	}
	return lr, nil
}

func mean(rs []loadResult, f func(loadResult) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	s := 0.0
	for _, r := range rs {
		s += f(r)
	}
	return s / float64(len(rs))
}

func rate(r loadResult) float64 { return r.ReqPerSec }

// printTable prints the markdown table: mean of the rounds, ratio of the
// means and the range of the per-round ratios.
func printTable(w io.Writer, o *options, res results) {
	tw := w
	fmt.Fprintf(w, "\n%d rounds x %s, %d connections, %d warm-up requests, store %s; servers on CPU %s, load generator on CPU %s\n\n",
		o.rounds, o.duration, o.conns, o.warmup, o.db, o.serverCPU, o.loadCPU)
	fmt.Fprintln(tw, "| workload | openconsent req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms | ratio | per-round ratios |")
	fmt.Fprintln(tw, "|--- |--- |--- |--- |--- |--- |--- |--- |--- |")
	defer printFloorTable(w, res)
	defer printCPUTable(w, res)
	names := make([]string, 0, len(res))
	for _, n := range []string{"cc-es256", "cc-es256-dpop", "introspect"} {
		if _, ok := res[n]; ok {
			names = append(names, n)
		}
	}
	for _, n := range names {
		ours, peer := res[n]["ours"], res[n]["peer"]
		row := fmt.Sprintf("| %s | %.0f | %.2f | %.2f |", n, mean(ours, rate), mean(ours, func(r loadResult) float64 { return r.P50ms }),
			mean(ours, func(r loadResult) float64 { return r.P99ms }))
		switch {
		case len(peer) > 0:
			var rr []string
			for i := range min(len(ours), len(peer)) {
				rr = append(rr, fmt.Sprintf("%.2f", ours[i].ReqPerSec/peer[i].ReqPerSec))
			}
			row += fmt.Sprintf(" %.0f | %.2f | %.2f | %.2fx | %s |", mean(peer, rate), mean(peer, func(r loadResult) float64 { return r.P50ms }),
				mean(peer, func(r loadResult) float64 { return r.P99ms }), mean(ours, rate)/mean(peer, rate), strings.Join(rr, " "))
		case n == "introspect":
			row += " - | - | - |"
			var parts []string
			for _, base := range []string{"cc-es256", "cc-es256-dpop"} {
				if b := res[base]["ours"]; len(b) > 0 {
					parts = append(parts, fmt.Sprintf("%.1fx %s", mean(ours, rate)/mean(b, rate), base))
				}
			}
			row += " " + strings.Join(parts, ", ") + " | (vs our token rate) |"
		default:
			row += " - | - | - | - | - |"
		}
		fmt.Fprintln(tw, row)
	}
	if o.db == "postgres" {
		fmt.Fprintln(w)
		for _, n := range names {
			fmt.Fprintf(w, "PostgreSQL round trips per request, %s: %.3f\n", n, mean(res[n]["ours"], func(r loadResult) float64 { return r.roundTrips }))
		}
	}
}

// printCPUTable prints server CPU time per request and its ratio (peer /
// ours: how many of our requests fit in the CPU time of one of the peer's).
func printCPUTable(w io.Writer, res results) {
	cpu := func(r loadResult) float64 { return r.cpuPerReq }
	fmt.Fprintln(w, "\n| workload | openconsent CPU us/req | peer CPU us/req | CPU ratio |")
	fmt.Fprintln(w, "|--- |--- |--- |--- |")
	for _, n := range []string{"cc-es256", "cc-es256-dpop", "introspect"} {
		ours, peer := res[n]["ours"], res[n]["peer"]
		if len(ours) == 0 {
			continue
		}
		row := fmt.Sprintf("| %s | %.0f |", n, mean(ours, cpu))
		if len(peer) > 0 && mean(ours, cpu) > 0 {
			row += fmt.Sprintf(" %.0f | %.2fx |", mean(peer, cpu), mean(peer, cpu)/mean(ours, cpu))
		} else {
			row += " - | - |"
		}
		fmt.Fprintln(w, row)
	}
}

// printFloorTable prints, with -floor, the floor's rate and CPU time per
// request, openconsent's rate as a share of the floor's, and the floor's
// own ratio to the peer (for introspect: to openconsent's cc-es256 rate),
// the highest ratio any server could reach in this run.
func printFloorTable(w io.Writer, res results) {
	var rows []string
	for _, n := range []string{"cc-es256", "cc-es256-dpop", "introspect"} {
		fl, ours, peer := res[n]["floor"], res[n]["ours"], res[n]["peer"]
		if len(fl) == 0 {
			continue
		}
		row := fmt.Sprintf("| %s | %.0f | %.0f | %.0f %% |", n, mean(fl, rate), mean(fl, func(r loadResult) float64 { return r.cpuPerReq }),
			100*mean(ours, rate)/mean(fl, rate))
		switch {
		case len(peer) > 0:
			row += fmt.Sprintf(" %.2fx the peer |", mean(fl, rate)/mean(peer, rate))
		case n == "introspect" && len(res["cc-es256"]["ours"]) > 0:
			row += fmt.Sprintf(" %.1fx our cc-es256 rate |", mean(fl, rate)/mean(res["cc-es256"]["ours"], rate))
		default:
			row += " - |"
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\n| workload | floor req/s | floor CPU us/req | openconsent / floor | floor ratio |")
	fmt.Fprintln(w, "|--- |--- |--- |--- |--- |")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
}
