# qtool developer entry points.  `make demo` and `make test` work on a fresh machine with
# Python 3.11 and gcc: they create .venv, install qtool (building the Cython kernels) and run.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SOURCES := pyproject.toml setup.py $(wildcard ext/*.pyx ext/*.pxd)

.PHONY: demo test bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# core install (no test tools, no torch)
$(VENV)/.installed: $(BIN)/python $(SOURCES)
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[test,bench,verify]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	@mkdir -p out
	$(BIN)/qtool compile examples/qft_8.qasm --target ibm_heron -O3 --seed 1 --verify \
		-o out/qft_8_heron.qasm --plot out/qft_8_heron.png
	@echo "wrote out/qft_8_heron.qasm (+ .json sidecar) and out/qft_8_heron.png"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider tests

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/compile_bench.py

clean:
	rm -rf build $(VENV) out ext/*.so ext/*.c *.egg-info
