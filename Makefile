# One-line entry points: `make train` (install, then train on the bundled sample) and
# `make test` (install with the test extras and every backend, then run the suite per backend).
PYTHON ?= python3
VENV ?= .venv
BACKENDS ?= tensorflow jax torch
PIP = $(VENV)/bin/pip --disable-pip-version-check -q

# The main job: the bundled ETTh1 sample (7 series, one global model), sized to finish in about
# two minutes on two CPU cores. Pass more flags with ARGS="--horizon 48 ...".
TRAIN_FLAGS = --output runs/sample --overwrite --epochs 15 --windows-per-epoch 12800 --quiet

.PHONY: install install-test train demo test lint

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python setup.cfg pyproject.toml
	$(PIP) install -e ".[plot]"
	touch $@

# torch==2.13.0 first and pinned: it is the CPU build on this machine's disk; any other version
# pulls a multi-GB CUDA build.
$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[plot,test,jax,tune]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

train: install
	$(VENV)/bin/python -m keras_nhits.train $(TRAIN_FLAGS) $(ARGS)

demo: install
	$(VENV)/bin/python examples/quickstart.py

test: install-test
	@status=0; for backend in $(BACKENDS); do \
		echo "=== KERAS_BACKEND=$$backend"; \
		KERAS_BACKEND=$$backend $(VENV)/bin/python -m pytest $(PYTEST_ARGS) || status=1; \
	done; exit $$status

lint: install-test
	$(VENV)/bin/ruff check keras_nhits tests benchmarks examples
	$(VENV)/bin/ruff format --check keras_nhits tests benchmarks examples
