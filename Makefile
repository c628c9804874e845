# fit: the two commands a fresh machine needs are `make demo` and `make test`.
SWIFT ?= swift
BENCH_DATA ?= /tmp/fit-bench-data

.PHONY: demo test build bench setup clean fuzz

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

# Longer fuzzing campaigns than `make test` runs: FUZZ_SECONDS per reader (seven readers), with
# no bound on the number of cases; a failing case's input stays in FUZZ_WORK.
FUZZ_SECONDS ?= 120
FUZZ_WORK ?= /tmp/fit-fuzz
fuzz: setup
	$(SWIFT) build -c release --product fit-fuzz
	rm -rf $(FUZZ_WORK) && mkdir -p $(FUZZ_WORK)/corpus
	python3 scripts/fuzz_corpus.py $(FUZZ_WORK)/corpus
	$$($(SWIFT) build -c release --show-bin-path)/fit-fuzz all --seconds $(FUZZ_SECONDS) \
	  --seed $$(date +%s) --work $(FUZZ_WORK) --corpus $(FUZZ_WORK)/corpus

bench: setup
	bash scripts/bench.sh "$(BENCH_DATA)"

clean:
	rm -rf .build runs
