# openconsent: the two commands users need are `make run` and `make test`.
GO      ?= go
CONFIG  ?= cmd/openconsent/demo.yaml
PKGS    ?= ./...
BENCH   ?= .
BENCHTIME ?= 1s

.PHONY: run test generate bench bench-http testdata build vet fmt

## run: start the server with the demo workspaces (HTTPS, embedded SQLite, no other setup)
run:
	$(GO) run ./cmd/openconsent --config $(CONFIG)

## test: go vet + all tests with the race detector
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

## generate: regenerate code from our OpenAPI files (CI fails on a diff)
generate:
	$(GO) generate ./...

## bench: micro and end-to-end benchmarks (ops/s and allocs)
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) $(PKGS)

## bench-http: HTTP load benchmark, openconsent vs the node oidc-provider peer in
## ../shared/bench/peer-oidc-provider (needs node and npm; not part of test). Flags:
## BENCH_HTTP_FLAGS="-rounds 2 -d 10s -c 16", -no-peer, -floor, -db postgres, -cpuprofile DIR
bench-http:
	$(GO) run ./cmd/oc-benchpeer $(BENCH_HTTP_FLAGS)

## testdata: regenerate keys and certificates under testdata/
testdata:
	$(GO) run ./cmd/oc-testdata -out testdata

build:
	$(GO) build -o bin/openconsent ./cmd/openconsent
