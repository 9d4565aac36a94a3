# rnn-kernel: build, install, run and test. Every target installs what it needs when it is missing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RELEASE_BIN := .build/release/rnn-kernel
STAMPS := .build/stamps
# Tests must use the kernelspec installed here, not one a user installed elsewhere.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter

.PHONY: run test bench deps venv build kernelspec swift-test py-test browser-deps check-portable clean-venv

## make run: install what is missing, build, install the kernelspec, start JupyterLab on 127.0.0.1.
run: kernelspec
	mkdir -p notebooks && cd notebooks && ../$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## make test: everything CI checks.
test: swift-test kernelspec browser-deps py-test

deps: $(STAMPS)/deps
$(STAMPS)/deps:
	@if ! pkg-config --exists libzmq 2>/dev/null; then \
		echo "Installing libzmq3-dev and pkg-config with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzmq3-dev pkg-config; \
	fi
	@command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift toolchain (6.0 or later)"; exit 1; }
	@mkdir -p $(STAMPS) && touch $@

venv: $(VENV)/.installed
$(VENV)/.installed: tests/requirements.txt
	@command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-venv; }
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r tests/requirements.txt
	@touch $@

build: deps
	# The Swift runtime linked in statically: a smaller, faster-starting kernel process.
	swift build -c release --static-swift-stdlib

kernelspec: build venv
	$(RELEASE_BIN) install --prefix $(VENV)

swift-test: deps
	swift test

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
	cd tests && ../$(PY) -m pytest -q -p no:cacheprovider .

## make bench: kernel costs against ipykernel, then training speed; TORCH=1 adds PyTorch (.venv-bench).
# RNNKERNEL_ISA=avx2 (or baseline) measures another build of the training kernels than the widest.
BENCH_VENV := .venv-bench
bench: kernelspec $(VENV)/.bench-installed $(if $(TORCH),$(BENCH_VENV)/.installed)
	$(PY) bench/kernel_bench.py || echo "kernel goals missed (see the table above)"
	BENCH_TORCH_PYTHON=$(if $(TORCH),$(CURDIR)/$(BENCH_VENV)/bin/python) $(PY) bench/train_bench.py

# ipykernel only for the comparison; numpy for the numpy min-char-rnn.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install -q ipykernel numpy
	$(PY) -m ipykernel install --sys-prefix
	@touch $@

$(BENCH_VENV)/.installed:
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	# The CPU build from PyTorch's own index when it is reachable, else PyPI's (the same code, with CUDA libraries).
	$(BENCH_VENV)/bin/python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu \
		|| $(BENCH_VENV)/bin/python -m pip install -q torch
	$(BENCH_VENV)/bin/python -m pip install -q numpy
	@touch $@

## check-portable: every kernel build this processor runs (RNNKERNEL_ISA) trains to the committed experiment log's bits.
check-portable: build
	tools/check_portable.sh

clean-venv:
	rm -rf $(VENV)
