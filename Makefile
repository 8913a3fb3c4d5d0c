# The interface to the project: `make tour`, `make test`, `make lint`, `make bench`.
# Each target sets up what it needs on a fresh machine: .venv, the Python packages, the extension.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(abspath $(BIN)/python)
STAMP  := $(VENV)/.installed

# One interpreter for cargo, clippy and maturin, so they share one build cache.
export PYO3_PYTHON := $(PY)
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: all setup build tour test lint rust-test py-test bench clean

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements-dev.txt | $(BIN)/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(STAMP)

# Release build of the extension, installed into .venv in editable mode (python/ is imported
# in place; the compiled module lands in python/onstream/).
build: $(STAMP)
	$(BIN)/maturin develop --release

tour: build
	$(BIN)/onstream tour

lint: $(STAMP)
	$(BIN)/ruff check python tests benches
	$(BIN)/ruff format --check python tests benches
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

rust-test:
	cargo test --workspace --quiet

py-test: build
	$(BIN)/mypy
	$(PY) -m mypy.stubtest onstream._core --allowlist stubtest-allowlist.txt
	$(PY) -m pytest

test: build lint rust-test py-test

bench: build
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) benches/dense.py
	$(PY) benches/bandits.py
	$(PY) benches/stream.py
	$(PY) benches/paging.py
	$(PY) benches/privacy.py
	$(PY) benches/transport.py
	$(PY) benches/graph.py
	$(PY) benches/submodular.py
	$(PY) benches/gpu.py

clean:
	cargo clean
	rm -rf $(VENV) onstream-tour python/onstream/*.so
