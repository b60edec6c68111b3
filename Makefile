# One task runner for people and CI alike. Each target builds its own virtual environment
# from nothing but python3.11 and pip.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUNDIR ?= build/demo

.PHONY: run test lint typecheck unit bench clean debian-deps

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(BIN)/jointzone network-demo $(RUNDIR)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# What the tests need from Debian's packages: Go and golang.org/x/mod for the Go interoperability
# test; poppler-utils and an embeddable Japanese/Cyrillic font for the printed certificate's test;
# Chromium and CJK fonts for the web app's browser tests (Playwright drives the system's Chromium:
# no browser is downloaded). Where one is missing and this is a Debian machine run as root,
# install them; elsewhere the tests that need them fail and say why.
DEBIAN_PACKAGES := golang-go golang-golang-x-mod-dev poppler-utils fonts-ipafont-gothic chromium fonts-noto-cjk
debian-deps:
	@if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/golang.org/x/mod ] \
	    || ! command -v pdftoppm >/dev/null 2>&1 || [ ! -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] \
	    || ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/opentype/noto ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(DEBIAN_PACKAGES) for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  fi; \
	fi

unit: $(STAMP) debian-deps
	$(BIN)/pytest -q -n auto --dist loadscope

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build .mypy_cache .pytest_cache .ruff_cache .hypothesis
