# Rapport — see README.md. Every target works on a fresh clone.
GO       ?= go
BIN      := bin/rapport
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
PKGS     := ./...
FUZZTIME ?= 30s

.PHONY: build run test-deps test bench fuzz lint check-deps tidy-check clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/rapport

## run: build, seed demo data into ./data/rapport.db when empty, serve on 127.0.0.1:8080
run: build
	./$(BIN) serve --demo

## test-deps: install (idempotently, with apt) the real peers the tests drive: LibreOffice, Dovecot, DAV clients
test-deps:
	./.ci/test-deps.sh

## test: the whole suite with the race detector; set RAPPORT_TEST_POSTGRES=postgres://… to add PostgreSQL
test: test-deps
	$(GO) test -race -count=1 $(PKGS)

## bench: the performance benchmarks (100k contacts; both engines when RAPPORT_TEST_POSTGRES is set)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s -timeout 60m $(PKGS)

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

check-deps:
	./.ci/check-deps.sh

tidy-check:
	@cp go.mod /tmp/rapport-go.mod.bak; cp go.sum /tmp/rapport-go.sum.bak
	$(GO) mod tidy
	@if ! cmp -s go.mod /tmp/rapport-go.mod.bak || ! cmp -s go.sum /tmp/rapport-go.sum.bak; then \
	  echo "go.mod/go.sum are not tidy: run go mod tidy"; diff /tmp/rapport-go.mod.bak go.mod; \
	  cp /tmp/rapport-go.mod.bak go.mod; cp /tmp/rapport-go.sum.bak go.sum; exit 1; fi

clean:
	rm -rf bin
