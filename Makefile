# rnn-kernel: build, install, run and test. Every target installs what it needs when it is missing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RELEASE_BIN := .build/release/rnn-kernel
STAMPS := .build/stamps
# Tests must use the kernelspec installed here, not one a user installed elsewhere.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter

.PHONY: run test bench deps venv build kernelspec swift-test py-test browser-deps check-portable check-arm64 clean-venv fuzz fuzz-build fuzz-check

## make run: install what is missing, build, install the kernelspec, start JupyterLab on 127.0.0.1.
run: kernelspec
	mkdir -p notebooks && cd notebooks && ../$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## make test: everything CI checks.
test: swift-test kernelspec browser-deps py-test fuzz-check

deps: $(STAMPS)/deps
$(STAMPS)/deps:
	@if ! pkg-config --exists libzmq 2>/dev/null; then \
		echo "Installing libzmq3-dev and pkg-config with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzmq3-dev pkg-config; \
	fi
	@command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift toolchain (6.0 or later)"; exit 1; }
	@# The kernel links with the toolchain's lld (packed relocations, Package.swift); swift.org's toolchains ship it.
	@[ -x "$$(dirname "$$(readlink -f "$$(command -v swift)")")/ld.lld" ] || command -v ld.lld >/dev/null || \
		{ echo "no ld.lld beside swift or on PATH: install a Swift toolchain from swift.org (6.0 or later), which includes it"; exit 1; }
	@mkdir -p $(STAMPS) && touch $@

venv: $(VENV)/.installed
# The Python package (python/: the rnn Pygments lexer and the papermill translator) goes in with the rest.
$(VENV)/.installed: tests/requirements.txt python/pyproject.toml $(wildcard python/rnn_kernel/*.py)
	@command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-venv; }
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r tests/requirements.txt
	$(PY) -m pip install -q ./python
	@touch $@

build: deps
	# The Swift runtime linked in statically: a smaller, faster-starting kernel process.
	swift build -c release --static-swift-stdlib

kernelspec: build venv
	$(RELEASE_BIN) install --prefix $(VENV)

# A watchdog ends a hang and names the test; passing tests stay out of the output (tools/swift_test.sh).
swift-test: deps
	tools/swift_test.sh

## browser-deps: headless Chromium and its driver for tests/test_browser.py (Selenium comes from requirements.txt).
# A failed apt-get is not fatal: the browser test then skips and says why.
browser-deps: venv
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "Installing chromium and chromium-driver with apt-get"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
			|| echo "chromium could not be installed: tests/test_browser.py will be skipped"; \
	fi

# pytest exits 5 when it collects nothing; that must fail too, and it does, as any non-zero status.
py-test: kernelspec
	cd tests && ../$(PY) -m pytest -q -p no:cacheprovider --timeout=600 .

## make bench: kernel costs against ipykernel, then training speed; TORCH=1 adds PyTorch (.venv-bench).
# RNNKERNEL_ISA=avx2 (or baseline) measures another build of the training kernels than the widest;
# BENCH_ISA=avx2 stands in for an AVX2 machine: both sides of the training comparison kept to AVX2
# (RNNKERNEL_ISA, ATEN_CPU_CAPABILITY, MKL/oneDNN, numpy's dispatch and OpenBLAS; docs/benchmarks.md).
BENCH_VENV := .venv-bench
BENCH_ISA ?=
bench: kernelspec $(VENV)/.bench-installed $(if $(TORCH),$(BENCH_VENV)/.installed)
	$(PY) bench/kernel_bench.py || echo "kernel goals missed (see the table above)"
	BENCH_ISA=$(BENCH_ISA) BENCH_TORCH_PYTHON=$(if $(TORCH),$(CURDIR)/$(BENCH_VENV)/bin/python) $(PY) bench/train_bench.py
	BENCH_TORCH_PYTHON=$(if $(TORCH),$(CURDIR)/$(BENCH_VENV)/bin/python) $(PY) bench/crf_bench.py || echo "ner-crf goal missed (see above)"
	$(PY) bench/seq2seq_bench.py $(if $(TORCH),--torch $(CURDIR)/$(BENCH_VENV)/bin/python,--torch none)
	$(PY) bench/seq2seq_bench.py --cell lstm $(if $(TORCH),--torch $(CURDIR)/$(BENCH_VENV)/bin/python,--torch none)

# ipykernel only for the comparison; numpy for the numpy min-char-rnn; threadpoolctl to say which BLAS kernels numpy runs.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install -q ipykernel numpy threadpoolctl
	$(PY) -m ipykernel install --sys-prefix
	@touch $@

$(BENCH_VENV)/.installed:
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	# The CPU build from PyTorch's own index when it is reachable, else PyPI's (the same code, with CUDA libraries).
	$(BENCH_VENV)/bin/python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu \
		|| $(BENCH_VENV)/bin/python -m pip install -q torch
	$(BENCH_VENV)/bin/python -m pip install -q numpy pytorch-crf
	@touch $@

## check-portable: every kernel build this processor runs (RNNKERNEL_ISA) trains to the committed experiment log's bits.
check-portable: build
	tools/check_portable.sh

## check-arm64: the kernels' and models' tests built for arm64 (NEON) and run under qemu (root; 30 minutes, 70 the first time).
check-arm64:
	tools/check_arm64.sh

clean-venv:
	rm -rf $(VENV)

## make fuzz: libFuzzer over the wire decoder, JSON, the language, safetensors, model .json and CSV
# (fuzz/, built apart from the main package; paths absolute: the language target works in its own folder;
# Swift's backtracer off, so that libFuzzer sees the crash and saves its input). FUZZ_SECONDS per target (default 60); a crash fails
# the run and its input is kept in fuzz/crashes/. The corpora grow in .build-fuzz/corpus, seeded from fuzz/corpus.
FUZZ_TARGETS := wire json lang safetensors model-json csv
FUZZ_SECONDS ?= 60
FUZZ_BIN := .build-fuzz/release
fuzz-build: deps
	cd fuzz && swift build -c release --scratch-path ../.build-fuzz

fuzz: fuzz-build
	@mkdir -p fuzz/crashes
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p .build-fuzz/corpus/$$t; \
		echo "fuzz-$$t for $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no $(FUZZ_BIN)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
			$$( [ $$t = lang ] && echo -dict=$(CURDIR)/fuzz/lang.dict ) -artifact_prefix=$(CURDIR)/fuzz/crashes/$$t- \
			$(CURDIR)/.build-fuzz/corpus/$$t $(CURDIR)/fuzz/corpus/$$t 2>&1 | grep -E "^(stat::number_of_executed_units|==|SUMMARY|Done)|ERROR|crash-|timeout-|oom-" ; \
		[ $${PIPESTATUS[0]} = 0 ] || { echo "fuzz-$$t found a failure: see fuzz/crashes/"; exit 1; }; \
	done

## fuzz-check (part of make test): each target for 10 s, about a minute in all.
fuzz-check:
	$(MAKE) fuzz FUZZ_SECONDS=10
