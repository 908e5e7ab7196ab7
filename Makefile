.PHONY: build test demo bench fmt

build:
	go build -o bin/livehost ./cmd/livehost

# Installs what the tests need (Debian packages, pgvector), starts a throwaway PostgreSQL, runs everything.
test:
	bash scripts/test.sh

demo: build
	./bin/livehost serve --demo

bench:
	go test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w .
