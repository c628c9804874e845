# fit: the two commands a fresh machine needs are `make demo` and `make test`.
SWIFT ?= swift
BENCH_DATA ?= /tmp/fit-bench-data

.PHONY: demo test build bench setup clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

demo: setup
	$(SWIFT) build -c release --product fit
	$$($(SWIFT) build -c release --show-bin-path)/fit --config configs/linear.json

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2

bench: setup
	bash scripts/bench.sh "$(BENCH_DATA)"

clean:
	rm -rf .build runs
