# Living review: build, test and edit.
#   make book      validate data/, then build the website into _build/html (executes changed chapters;
#                  fails on invalid data before any page is written, and on any warning)
#   make test      clean build, then unit tests, nbval notebooks and browser tests in one pytest run
#   make lab       JupyterLab on the repository; chapters/*.md open as notebooks (jupytext)
#   make clean     remove _build (site and execution cache)
#   make bench     timings (tests/bench.py)
#   make chromium  install Debian's chromium for the browser tests, if missing
#   make r-oracle  install Debian's R metafor and lme4 (the pooling oracle of the unit tests), if missing
#   make axe       install axe-core from the npm registry into .venv/axe (the accessibility checks), if missing

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := book

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOOTSTRAP_PYTHON := $(shell command -v python3.11 || command -v python3)
CHROMIUM := /usr/bin/chromium
# JupyterLab reads this file for every user of this environment; nothing goes to ~/.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: book book-unlocked clean lab chromium r-oracle axe test test-slow bench weights venv

venv: $(STAMP)

# Reinstalled whenever the pins or the package metadata are newer than the stamp.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# One build at a time per folder (flock on _build/.lock). A build that does not finish (killed, failed)
# leaves _build/.incomplete behind; the next build then deletes the site and the Sphinx environment
# (the execution cache is kept: it stores only notebooks that ran to the end) and builds them anew.
BUSY := 75
book: $(STAMP)
	@mkdir -p _build
	@flock --nonblock --close --conflict-exit-code $(BUSY) _build/.lock $(MAKE) --no-print-directory book-unlocked \
		|| { rc=$$?; if [ $$rc -eq $(BUSY) ]; then \
			echo "make book: another build is running in $(CURDIR) (it holds _build/.lock); wait for it to finish" >&2; fi; \
			exit $$rc; }

book-unlocked:
	@if [ -e _build/.incomplete ]; then \
		echo "make book: the last build did not finish; removing _build/html, _build/.doctrees and _build/jupyter_execute to build them anew"; \
		rm -rf _build/html _build/.doctrees _build/jupyter_execute; fi
	@touch _build/.incomplete
	$(PY) -m masreview --root "$(CURDIR)" validate
	$(PY) -m masreview.book.preexecute "$(CURDIR)"
	$(VENV)/bin/jupyter-book build . --builder html -W --keep-going
	@rm _build/.incomplete
	@echo "$(CURDIR)/_build/html/index.html"

clean:
	rm -rf _build

# The venv's own python3 kernel (ipykernel in $(VENV)); no kernel is installed anywhere else. Its spec is
# written into the venv under the name and display name the chapters declare (kernelspec: python3,
# "Python 3"), so saving a chapter in JupyterLab leaves its front matter as it was (ipykernel's built-in
# spec says "Python 3 (ipykernel)"). Charts draw live with JupyterLab's own Vega renderer (the kernel is
# not the book build: masreview.present.charts); jupyterlab-myst renders the chapters' MyST markup.
lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	mkdir -p $(dir $(LAB_OVERRIDES))
	printf '%s\n' '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' > $(LAB_OVERRIDES)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --ServerApp.ip=127.0.0.1 \
		$(if $(filter 0,$(shell id -u)),--allow-root)

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# R's metafor and lme4: the independent oracle of tests/unit/test_pooling_oracle.py.
r-oracle:
	@if ! Rscript -e 'library(metafor); library(lme4)' >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y r-cran-metafor r-cran-lme4; \
	fi

# axe-core for tests/site/test_axe.py (every page, light and dark mode), from the npm registry.
AXE_VERSION := 4.14
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	mkdir -p $(VENV)/axe
	npm install --prefix $(VENV)/axe --no-audit --no-fund --no-save --silent axe-core@$(AXE_VERSION)
	test -f $@

test: $(STAMP) chromium r-oracle axe
	rm -rf _build
	$(MAKE) book
	$(PY) -m pytest tests --nbval --nbval-sanitize-with tests/notebooks/sanitize.cfg -m "not slow"

# The slow gates, each building the book again in copies of the repository (about 40 minutes on 2 cores):
# four kinds of new report, builds killed at each stage, every template chapter, the contributor rebuild,
# hostile text in every free-text field (tests/site/test_hostile.py), two byte-identical clean builds.
test-slow: $(STAMP) chromium r-oracle axe
	@test -f _build/html/index.html || $(MAKE) book
	$(PY) -m pytest tests/site -m slow

bench: $(STAMP)
	$(PY) tests/bench.py

# The weight of every page of the site already in _build/html (no build): `make weights`.
weights: $(STAMP)
	$(PY) tests/bench.py --weights-only
