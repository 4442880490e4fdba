# imprint: `make all` builds every post in content/ as HTML, PDF, EPUB and DOCX, every
# collection, and the OPDS catalogue;
# `make test` runs the test suite. Both set everything up on a fresh Debian machine.
# `make test-fast` runs the unit tests and the quick integration ones, without the
# validators (no apt or npm beyond the build's own).

# The interpreter .venv is made from: Debian's own python3 when it is 3.11 or later, for
# it is built with profile-guided and link-time optimisation, and a PDF (most of a build's
# CPU) takes about a fifth less CPU on it than on an interpreter built without them that
# may come first on PATH; otherwise the python3 on PATH. PYTHON=... overrides it.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.imprint-installed
IMPRINT := $(BIN)/imprint
OUT ?= build

.PHONY: all html pdf epub docx collections archive test test-fast lint check proof \
	bench bench-scale bench-preview bench-ab docs lock system-deps install install-check \
	clean distclean

# posts, then collections and the OPDS catalogue of both (build/opds/catalog.xml)
all: install
	$(IMPRINT) build content --out $(OUT)
	$(IMPRINT) collection --out $(OUT)

html pdf epub docx: install
	$(IMPRINT) build content --out $(OUT) --formats $@

# Every manifest in content/collections/ as one EPUB, PDF and DOCX each, and the OPDS
# catalogue of what build/ holds
collections: install
	$(IMPRINT) collection --out $(OUT)

# Every post and collection, validated, as one BagIt bag for deposit: build/archive
archive: install-check
	$(IMPRINT) archive content --out $(OUT)/archive

# the whole suite on every core (a file's tests stay on one worker, which builds the
# file's fixtures once), with the 20 slowest tests listed
test: install-check
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=20

# everyday work: no browser, no validator, nothing slow
test-fast: install
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow and not browser and not tools"

# formatting, lint rules and types (settings in pyproject.toml)
lint: install
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# Every available validator over the built outputs (EPUBCheck, Ace by DAISY, Nu HTML, PDF/UA,
# LibreOffice)
check: install-check
	test -d $(OUT) || $(IMPRINT) build content --out $(OUT)
	$(IMPRINT) check $(OUT)

# To look at: a contact sheet of the first pages of every built PDF (build/proof.png),
# and the site's pages at a phone's, a tablet's and a desktop's width (build/proof/)
proof: install-check
	test -d $(OUT)/pdf || $(IMPRINT) build content --out $(OUT)
	$(IMPRINT) proof $(OUT)/pdf -o $(OUT)/proof.png
	$(IMPRINT) proof --web $(OUT) -o $(OUT)/proof

# timings against the pandoc loop a user would script (not a test); POSTS=50 by default
POSTS ?= 50
# and a generated Jekyll site of JEKYLL_POSTS posts in four formats: its no-op build
JEKYLL_POSTS ?= 500
bench: install
	$(BIN)/python -m bench.run --posts $(POSTS)
	$(BIN)/python -m bench.jekyll --posts $(JEKYLL_POSTS)

# the build's CPU time per PDF, this tree (B) against another commit (A, default main),
# alternated in one session: python -m bench.ab --help
AB_BASE ?= main
bench-ab: install
	$(BIN)/python -m bench.ab --base $(AB_BASE) --posts 10 --rounds 5

# archive scale (not a test): 10,000 small posts built, a no-op, one edit, peak memory
SCALE_POSTS ?= 10000
bench-scale: install
	$(BIN)/python -m bench.scale --posts $(SCALE_POSTS)

# save-to-browser latency of `imprint preview` on the reference post (not a test)
bench-preview: install-check
	$(BIN)/python -m bench.preview

# The manual (docs/), built by imprint itself: the reference pages generated from the
# tables of options, then a site in build/docs/ and the whole manual as one PDF and EPUB
# in build/docs/collections/
docs: install
	$(BIN)/python -m imprint.cli.reference docs
	$(IMPRINT) build --config docs/imprint.toml --formats html --out $(OUT)/docs --strict
	$(IMPRINT) collection docs/collections/manual.toml --config docs/imprint.toml \
		--formats pdf,epub --out $(OUT)/docs --strict

install: $(STAMP)

# requirements.lock: every package, at the exact version `make install` (and so CI)
# installs, resolved by uv from pyproject.toml's bounds and its test and check extras.
# Refresh it after changing pyproject.toml's dependencies with `make lock`: packages
# already in the lock keep their versions, new ones get the newest their bounds allow.
# `make lock UPGRADE=1` moves every package to the newest its bounds allow;
# `make lock INSTALLED=1` takes the versions installed in .venv where it can.
# Then run the tests, and commit the lock with the change.
LOCK = $(BIN)/python -m uv pip compile pyproject.toml --extra test --extra check \
	--python-version 3.11 --custom-compile-command "make lock" -q -o requirements.lock
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m uv --version >/dev/null 2>&1 || $(BIN)/python -m pip install -qq uv
	$(if $(INSTALLED),$(BIN)/python -m pip freeze --exclude-editable > $(VENV)/installed.txt)
	$(if $(INSTALLED),$(LOCK) -c $(VENV)/installed.txt)
	$(LOCK) $(if $(UPGRADE),--upgrade)

# the validators' Debian packages (Java, LibreOffice, Chromium, Node.js) on top of the
# build's, and Ace by DAISY from npm into the user cache (imprint check would on first use)
install-check: $(STAMP)
	./scripts/system-deps.sh --if-missing check
	$(BIN)/python -c 'from imprint.check.ace import ace_program; ace_program()'

$(STAMP): pyproject.toml requirements.lock scripts/system-deps.sh
	./scripts/system-deps.sh --if-missing
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -r requirements.lock
	$(BIN)/python -m pip install -qq --no-deps -e .
	$(BIN)/python -m compileall -q src  # the environment may forbid writing bytecode on import
	touch $(STAMP)

# Debian packages (Pango, HarfBuzz subset, fallback fonts, poppler, and for the
# validators Java and LibreOffice); needs root or sudo.
system-deps:
	./scripts/system-deps.sh check

clean:
	rm -rf $(OUT) .imprint-cache .pytest_cache bench/out

distclean: clean
	rm -rf $(VENV)
