# Two commands on a fresh machine with Python 3.10+ and make:
#   make lab    open the notebooks in JupyterLab
#   make test   run every test (unit tests, doctests, notebooks with nbval)
SHELL := /bin/bash
# Python writes each module's bytecode on first import (into .venv and __pycache__/, both
# ignored by git), even where PYTHONDONTWRITEBYTECODE is set, as it is on some CI machines:
# `make lab`'s venv is installed without bytecode (its setup is faster), so with it set every
# new process (a lesson's kernel, JupyterLab) compiled moto, botocore and Jupyter from source
# again, about 1.5 s of CPU each, and pytest rewrote every test module's asserts again in each
# worker. The developer's venv (`make venv`) is compiled in setup, on every core.
unexport PYTHONDONTWRITEBYTECODE
# The Python that makes .venv: `python3` when it is 3.10 or newer, else the newest python3.1x
# on PATH (PYTHON=python3.12 make lab chooses). Probed only when .venv is made, with the
# probes' complaints (pyenv's shims for versions not selected) silenced.
PYTHON ?=
find_python = for p in $(or $(PYTHON),python3 python3.13 python3.12 python3.11 python3.10); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1 && { echo "$$p"; break; }; done
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LAB_STAMP := $(VENV)/.lab-stamp
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PORT ?= 8888
# The lesson JupyterLab opens at; LAB_ARGS=--no-browser and the like go to jupyter lab.
FIRST_LESSON := 00-start-here.ipynb
LAB_ARGS ?=

.PHONY: lab test lint unit notebooks lessons bench bench-room bench-memory server diagrams app docs binder hub-image clean venv

# uv when it is on PATH, else venv + pip; a line a step and a running package count
# (scripts/setup_venv.py), the installers' full output in .venv/install.log.
setup_venv = py="$$($(find_python))"; \
	if [ -z "$$py" ]; then echo "awscontainers needs Python 3.10 or newer on PATH (python3.10 ... python3.13), or PYTHON=/path/to/python3."; exit 1; fi; \
	"$$py" scripts/setup_venv.py $(VENV) '$(1)' $(2)

# `make lab` installs only what the lessons need ('.[lab]', about 110 packages); every other
# target the developer's set ('.[dev]', which includes those).
$(LAB_STAMP): pyproject.toml
	@$(call setup_venv,.[lab])
	@touch $@

$(STAMP): pyproject.toml
	@$(call setup_venv,.[dev],--bytecode)
	@touch $@ $(LAB_STAMP)

venv: $(STAMP)
	@:

# notebook_shim serves classic-notebook extensions, which the lessons do not use; left on, it
# prints a deprecation warning at every start.
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(ALLOW_ROOT) \
		--ServerApp.jpserver_extensions="{'notebook_shim': False}" \
		--LabApp.default_url=/lab/tree/$(FIRST_LESSON) $(LAB_ARGS)

# Lint, then every test in one run spread over every core with pytest-xdist (-n auto), so
# neither core waits for the other between unit tests and notebooks: unit tests one by one,
# except that a module with a costly module-scoped fixture (JupyterLab, the docs build, a
# room: SHARED_SETUP in tests/conftest.py) runs whole on one worker, these first, and so does
# each notebook (nbval runs a notebook's cells in order in one kernel): --dist loadgroup with
# the scheduler in tests/conftest.py. ruff first (a fraction of a second); mypy (8 s from a
# fresh clone, one core) runs beside the tests rather than before them, at the lowest
# priority (nice 19): it takes the moments the tests leave a core idle and still ends before
# them (pytest 110 -> 107 s with mypy's cache removed), its report printed after theirs,
# and either failing fails the target. -p tests.fast_start: see that file.
test: $(STAMP)
	$(BIN)/ruff check $(RUFF_PATHS)
	@types=$$(mktemp); nice -n 19 $(BIN)/mypy >"$$types" 2>&1 & mypy=$$!; \
	trap 'kill $$mypy 2>/dev/null; rm -f "$$types"' EXIT; \
	$(BIN)/python -m pytest -p tests.fast_start -n auto --dist loadgroup $(NBVAL) tests awscontainers notebooks; \
	tests=$$?; wait $$mypy; typed=$$?; echo "mypy:"; cat "$$types"; \
	exit $$(( tests != 0 ? tests : typed ))

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

RUFF_PATHS := awscontainers tests benchmarks scripts lessons

lint: $(STAMP)
	$(BIN)/ruff check $(RUFF_PATHS)
	$(BIN)/mypy

# The two halves of `make test` alone. The unit run leaves nbval's plugin out (-p no:nbval):
# loading it imports jsonschema, about 2 s in every process. One file runs alone as usual:
# .venv/bin/python -m pytest tests/test_lab.py
unit: $(STAMP)
	$(BIN)/python -m pytest -p tests.fast_start -n auto --dist loadgroup -p no:nbval

notebooks: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadfile $(NBVAL) notebooks/ \
		-o testpaths=notebooks -o addopts=""

# Write notebooks/*.ipynb from lessons/*.py and run them, storing the outputs nbval compares.
# All of them (slow), or some: make lessons LESSON=02 (names starting with 02).
lessons: $(STAMP)
	$(BIN)/python scripts/build_notebooks.py $(LESSON)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# A room under load: LEARNERS learner processes at once (p50/p95 per call, errors, RSS).
LEARNERS ?= 30
bench-room: $(STAMP)
	$(BIN)/python benchmarks/room_load.py $(LEARNERS)

# Memory per Lab(): 50 lesson flows in one process.
bench-memory: $(STAMP)
	$(BIN)/python benchmarks/lab_memory.py 50

# The committed SVGs are drawn with the pinned graphviz-pure, so they do not change with
# whichever Graphviz a machine happens to have.
diagrams: $(STAMP)
	AWSCONTAINERS_DOT=$(CURDIR)/$(BIN)/graphviz-pure $(BIN)/awscontainers diagrams --out diagrams
	AWSCONTAINERS_DOT=$(CURDIR)/$(BIN)/graphviz-pure $(BIN)/python -m awscontainers.draw.codemap docs

# The chooser as a standalone web app: app/chooser.ipynb (the panel and what it means, no
# code, no stored outputs) served by Voila with app/share's template (nothing from a CDN).
APP_PORT ?= 8866
app: $(STAMP)
	JUPYTER_PATH=$(CURDIR)/app/share $(BIN)/voila app/chooser.ipynb --template=awscontainers \
		--no-browser --port=$(APP_PORT)

# The docs site in build/site (not committed; open build/site/index.html, no server needed):
# the lessons from their stored outputs (not re-run), the diagrams, docs/*.md and the API
# reference (mkdocs.yml, scripts/docsite.py). Nothing in it is loaded from the internet.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "The docs site is in build/site: open build/site/index.html"

# A workshop room on this machine's network (docs/workshop.md): `awscontainers room join
# <name>` prints each learner's join code.
server: $(STAMP)
	$(BIN)/awscontainers room start --host 0.0.0.0 --port 5000

# The README's Binder badges point at REPO (owner/name on GitHub): make binder REPO=me/awscontainers
binder:
	@py="$$($(find_python))"; "$${py:-python3}" scripts/binder_badge.py $(if $(REPO),--repository $(REPO)) $(if $(REF),--ref $(REF))

# The Binder image for a JupyterHub room (deploy/jupyterhub/values.yaml): repo2docker builds
# binder/ as mybinder.org does, then pushes it (needs Docker and a registry login):
#   make hub-image IMAGE=ghcr.io/<owner>/awscontainers-workshop:<tag>
hub-image:
	@if [ -z "$(IMAGE)" ]; then echo "Say where to push: make hub-image IMAGE=<registry>/<name>:<tag>"; exit 1; fi
	@$(MAKE) --no-print-directory $(STAMP)
	$(BIN)/repo2docker --no-run --push --user-id 1000 --user-name jovyan --image-name $(IMAGE) .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
