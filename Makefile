# Two commands do everything on a fresh machine with Python 3.10+ and make:
#   make demo   -> .venv, install, run the main job on data/, report in out/
#   make test   -> .venv, install, run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
# On machines that carry the CPU build of torch on disk (CI here) take exactly that build;
# elsewhere take whatever torch your platform offers. Override: make test TORCH_SPEC='torch==2.5.1'
TORCH_SPEC ?= $(if $(wildcard /opt/wheels/torch-2.13.0+cpu*),torch==2.13.0,torch>=2.2)
PYTEST_ARGS ?=

.PHONY: demo test install bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/pharmasynth demo --out $(OUT)

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	@echo "Benchmarks are scripts: see benchmarks/README.md"

# headless Chromium at 1024 px: every report in $(OUT) screenshotted and checked for overflow (not in CI: it
# needs a Chromium, given by --chromium PATH or PHARMASYNTH_CHROMIUM; see benchmarks/README.md)
screenshots: bench
	$(BIN)/python benchmarks/screenshot_reports.py --out $(OUT)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
