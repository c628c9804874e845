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
	$$($(SWIFT) build -c release --show-bin-path)/fit --config configs/longley.json
	@echo "NIST's certified coefficients (data/README.md): intercept -3482258.63459582, GNP -0.0358191792925910"
	$$($(SWIFT) build -c release --show-bin-path)/fit --config configs/linear.json
	@echo "true coefficients (data/make_data.py): intercept 3, x0 1.5, x1 -2, x2 0.05"


test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: setup
	bash scripts/bench.sh "$(BENCH_DATA)"

clean:
	rm -rf .build runs
