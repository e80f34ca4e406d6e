# morbulk: build, test and run. `make help` lists the targets.
GO       ?= go
BIN      := bin/morbulk
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/morbulk/morbulk/internal/cli.version=$(VERSION)
SHARED   ?= ../shared

.PHONY: help build test run bench fuzz lint fmt clean cases

# help: list the targets with their comments.
help:
	@grep -B1 -E '^[a-z]+:' Makefile | grep -E '^# ' | sed 's/^# //'

# build: compile the morbulk binary into bin/, with the version stamped in.
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/morbulk

# test: vet, then every test with the race detector, then the shared input cases when ../shared is there.
test: build
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	@if [ -x $(SHARED)/tools/check-cases ]; then $(SHARED)/tools/check-cases --bin $(BIN) $(SHARED)/cases; else echo "($(SHARED)/tools/check-cases not found: shared cases skipped)"; fi

# run: apply the sample files to the built-in simulator and say where the report is.
run: build
	./$(BIN) apply --sim --rate 0 --workers 8 samples/migration-import.csv samples/tariff-sweep.csv samples/tax-sweep.yaml samples/excel-de.csv; \
	  rc=$$?; [ $$rc -le 3 ] || exit $$rc; echo "make run: exit status $$rc (3 = some rows were rejected, as the samples intend)"

# Runs the Go micro-benchmarks, validate on 1,000,000 rows beside encoding/csv, apply against the
# simulator (20,000 rows; 50 ms latency), then the comparison with Miller, csvkit, newman and
# parallel+curl (installs them; about 10 minutes; rewrites docs/benchmarks.md).
# bench: benchmarks, and the comparison with the tools operators use instead (docs/benchmarks.md).
bench: build
	$(GO) test -run=NONE -bench=. -benchmem ./...
	./bench/validate.sh
	./bench/apply.sh
	./bench/compare.sh

# fuzz: run every fuzz target for a short while (FUZZTIME=30s to change).
fuzz:
	./bench/fuzz.sh $${FUZZTIME:-10s}

# lint: gofmt check, go vet, and staticcheck's bug and dead-code checks (fetched from the module proxy).
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "run make fmt"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -checks "U1000,SA*" ./...

# fmt: format the code.
fmt:
	gofmt -w .

# clean: remove the binary and generated reports.
clean:
	rm -rf bin reports/*.jsonl reports/*.csv reports/*.html reports/*.db reports/*/
