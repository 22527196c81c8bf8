package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the outcome of the timed phase.
type Result struct {
	Label      string         `json:"label,omitempty"`
	Count      int            `json:"count"`
	Errors     int            `json:"errors"`
	Seconds    float64        `json:"seconds"`
	ReqPerSec  float64        `json:"req_per_s"`
	P50ms      float64        `json:"p50_ms"`
	P90ms      float64        `json:"p90_ms"`
	P99ms      float64        `json:"p99_ms"`
	Maxms      float64        `json:"max_ms"`
	Statuses   map[string]int `json:"statuses"`
	FirstError string         `json:"first_error,omitempty"`
	WarmupRPS  float64        `json:"warmup_req_per_s"`
	Conns      int            `json:"conns"`
}

func (r *Result) String() string {
	return fmt.Sprintf("%s%d requests in %.2fs: %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors %v (warm-up %.0f req/s, %d conns)%s",
		labelPrefix(r.Label), r.Count, r.Seconds, r.ReqPerSec, r.P50ms, r.P90ms, r.P99ms, r.Maxms, r.Errors, r.Statuses, r.WarmupRPS, r.Conns,
		firstErr(r.FirstError))
}

func labelPrefix(l string) string {
	if l == "" {
		return ""
	}
	return l + ": "
}

func firstErr(s string) string {
	if s == "" {
		return ""
	}
	return "\nfirst error: " + s
}

// loadTest runs the warm-up and the timed phase.
func loadTest(ctx context.Context, cfg *config) (*Result, error) {
	b, err := newBuilder(cfg)
	if err != nil {
		return nil, err
	}
	d, err := newDialer(cfg)
	if err != nil {
		return nil, err
	}
	warmRPS := 0.0
	if cfg.warmup > 0 {
		reqs, err := b.build(cfg.warmup)
		if err != nil {
			return nil, err
		}
		w, err := phase(ctx, d, cfg.conns, reqs, 2*time.Minute)
		if err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		if w.Errors > 0 {
			return nil, fmt.Errorf("warm-up: %d of %d requests failed; first: %s", w.Errors, w.Count, w.FirstError)
		}
		warmRPS = w.ReqPerSec
	}
	n := cfg.maxReqs
	if warmRPS > 0 {
		n = min(n, int(math.Ceil(warmRPS*cfg.duration.Seconds()*2))+cfg.conns)
	}
	reqs, err := b.build(n)
	if err != nil {
		return nil, err
	}
	res, err := phase(ctx, d, cfg.conns, reqs, cfg.duration)
	if err != nil {
		return nil, err
	}
	res.Label, res.WarmupRPS, res.Conns = cfg.label, warmRPS, cfg.conns
	if res.Count == len(reqs) {
		fmt.Fprintf(os.Stderr, "oc-loadgen: the %d prepared requests ran out after %.2fs (of %s): the rate is still valid\n", n, res.Seconds, cfg.duration)
	}
	return res, nil
}

// dialer opens keep-alive connections to the target.
type dialer struct {
	addr string
	tls  *tls.Config
}

func newDialer(cfg *config) (*dialer, error) {
	host, port := cfg.target.Hostname(), cfg.target.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[cfg.target.Scheme]
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: %v", host, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("%s resolves to %s, not a loopback address: refused", host, ip)
		}
	}
	d := &dialer{addr: net.JoinHostPort(ips[0].String(), port)}
	if cfg.target.Scheme != "https" {
		return d, nil
	}
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(64)}
	if cfg.tlsMaxV12 {
		tc.MaxVersion = tls.VersionTLS12
	}
	if cfg.caFile != "" {
		pem, err := os.ReadFile(cfg.caFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no certificate", cfg.caFile)
		}
	}
	if cfg.certFile != "" {
		c, err := tls.LoadX509KeyPair(cfg.certFile, cfg.certKeyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{c}
	}
	d.tls = tc
	return d, nil
}

func (d *dialer) dial(ctx context.Context) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil || d.tls == nil {
		return c, err
	}
	tc := tls.Client(c, d.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// phase sends reqs over conns connections until they are used up or
// duration has passed. Connections are opened (and TLS handshakes done)
// before the clock starts.
func phase(ctx context.Context, d *dialer, conns int, reqs [][]byte, duration time.Duration) (*Result, error) {
	if len(reqs) == 0 {
		return nil, errNoRequests
	}
	conns = min(conns, len(reqs))
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := d.dial(ctx)
		if err != nil {
			for _, c := range cs[:i] {
				c.Close()
			}
			return nil, err
		}
		cs[i] = c
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, len(reqs))
		statuses = map[string]int{}
		errs     int
		firstE   string
	)
	deadline := time.Now().Add(duration)
	start := time.Now()
	for i := range cs {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			w := worker{d: d, c: c, br: bufio.NewReaderSize(c, 16<<10)}
			defer func() { w.close() }()
			local := make([]time.Duration, 0, len(reqs)/conns+1)
			st := map[string]int{}
			le, lf := 0, ""
			for ctx.Err() == nil {
				j := next.Add(1) - 1
				if j >= int64(len(reqs)) {
					break
				}
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				status, body, err := w.roundTrip(ctx, reqs[j])
				local = append(local, time.Since(t0))
				key := fmt.Sprint(status)
				if err != nil {
					key = "conn-error"
				}
				st[key]++
				if err != nil || status/100 != 2 {
					le++
					if lf == "" {
						lf = fmt.Sprintf("status %d %v %s", status, err, truncate(body, 300))
					}
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			for k, v := range st {
				statuses[k] += v
			}
			errs += le
			if firstE == "" {
				firstE = lf
			}
			mu.Unlock()
		}(cs[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := &Result{Count: len(lat), Errors: errs, Seconds: elapsed.Seconds(), Statuses: statuses, FirstError: firstE}
	r.ReqPerSec = float64(r.Count) / r.Seconds
	r.P50ms, r.P90ms, r.P99ms = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99)
	if len(lat) > 0 {
		r.Maxms = ms(lat[len(lat)-1])
	}
	return r, ctx.Err()
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := sort.Search(len(sorted), func(i int) bool { return float64(i+1) >= p*float64(len(sorted)) })
	return ms(sorted[min(i, len(sorted)-1)])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// worker is one keep-alive connection with at most one request in flight.
type worker struct {
	d  *dialer
	c  net.Conn
	br *bufio.Reader
}

func (w *worker) close() {
	if w.c != nil {
		w.c.Close()
	}
}

// roundTrip writes one prepared request and reads the whole response. A
// closed or failed connection is replaced for the next request.
func (w *worker) roundTrip(ctx context.Context, req []byte) (int, string, error) {
	if w.c == nil {
		c, err := w.d.dial(ctx)
		if err != nil {
			return 0, "", err
		}
		w.c, w.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	_ = w.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := w.c.Write(req); err != nil {
		w.reset()
		return 0, "", err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		w.reset()
		return 0, "", err
	}
	var body string
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		body = string(b)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		w.reset()
	}
	return resp.StatusCode, body, err
}

func (w *worker) reset() {
	w.c.Close()
	w.c = nil
}

func ecdsaP256() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
