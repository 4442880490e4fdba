# imprint: `make all` builds every post in content/ as HTML, PDF, EPUB and DOCX;
# `make test` runs the test suite. Both set everything up on a fresh Debian machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.imprint-installed
IMPRINT := $(BIN)/imprint
OUT ?= build

.PHONY: all html pdf epub docx test bench system-deps install clean distclean

all: install
	$(IMPRINT) build content --out $(OUT)

html pdf epub docx: install
	$(IMPRINT) build content --out $(OUT) --formats $@

test: install
	$(BIN)/python -m pytest

# timings against the pandoc loop a user would script (not a test); POSTS=50 by default
POSTS ?= 50
bench: install
	$(BIN)/python -m bench.run --posts $(POSTS)

install: $(STAMP)

$(STAMP): pyproject.toml scripts/system-deps.sh
	./scripts/system-deps.sh --if-missing
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(STAMP)

# Debian packages (Pango, HarfBuzz subset, CJK fonts, Java, poppler); needs root or sudo.
system-deps:
	./scripts/system-deps.sh

clean:
	rm -rf $(OUT) .imprint-cache .pytest_cache bench/out

distclean: clean
	rm -rf $(VENV)
