VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# A second venv for the Flask extension tests where Flask is NOT installed: erlen with
# its own dependencies, the extensions with --no-deps and their other requirements,
# all listed in one file (see its header).
NOFLASK_VENV := .venv-noflask
NOFLASK_PY := $(NOFLASK_VENV)/bin/python
NOFLASK_STAMP := $(NOFLASK_VENV)/.installed
NOFLASK_REQS := tests/extensions/requirements-noflask.txt
# The lines of that file that name an extension (installed with --no-deps): flask-*, any case.
NOFLASK_EXT := ^[Ff][Ll][Aa][Ss][Kk]-

.PHONY: run test test-noflask system-deps docs dist bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NOFLASK_STAMP): pyproject.toml $(NOFLASK_REQS)
	test -x $(NOFLASK_PY) || python3 -m venv $(NOFLASK_VENV)
	sed -e "/$(NOFLASK_EXT)/d" $(NOFLASK_REQS) > $(NOFLASK_VENV)/requirements.txt
	sed -n -e "/$(NOFLASK_EXT)/p" $(NOFLASK_REQS) > $(NOFLASK_VENV)/extensions.txt
	$(NOFLASK_PY) -m pip install --quiet -e . -r $(NOFLASK_VENV)/requirements.txt
	$(NOFLASK_PY) -m pip install --quiet --no-deps -r $(NOFLASK_VENV)/extensions.txt
	@# Every requirement is met but Flask's: a requirement missing from the list shows here.
	! $(NOFLASK_PY) -m pip check | grep -iv 'requires flask, which is not installed'
	touch $(NOFLASK_STAMP)

run: $(STAMP)
	$(VENV)/bin/erlen --app examples/board/board run --host 127.0.0.1 --port 5000

test: $(STAMP) system-deps
	$(PY) -m pytest -q
	ERLEN_FLASK_ALIAS=1 $(PY) -m pytest -q tests/extensions tests/board
	$(MAKE) --no-print-directory test-noflask
	$(VENV)/bin/ruff check src tests bench examples docs
	$(VENV)/bin/mypy
	$(SPHINX_BUILD)

# Debian programs for the board's browser and scale-out tests (tests/board): Chromium
# (driven by Playwright) and redis-server. Installed when missing and running as root;
# otherwise this says how to install them and those tests skip, except where
# ERLEN_REQUIRE_BROWSER=1 (.ci/run sets it) makes a missing program a test failure.
SYSTEM_DEPS := chromium redis-server

system-deps:
	@missing=""; \
	for name in $(SYSTEM_DEPS); do \
		command -v $$name >/dev/null 2>&1 || [ -x /usr/bin/$$name ] || [ -x /usr/sbin/$$name ] \
			|| missing="$$missing $$name"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian packages:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing \
			|| { apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	else \
		echo "Missing Debian packages:$$missing (the browser and scale-out tests will skip)." >&2; \
		echo "Install them with: sudo apt-get install -y --no-install-recommends$$missing" >&2; \
	fi

# The extension tests again, where Flask is not installed: `import flask` must fail
# until erlen is imported.
test-noflask: $(NOFLASK_STAMP)
	@if $(NOFLASK_PY) -c 'import flask' 2>/dev/null; then \
		echo 'The real Flask is importable in $(NOFLASK_VENV); remove that venv and retry.' >&2; \
		exit 1; \
	fi
	ERLEN_FLASK_ALIAS=1 $(NOFLASK_PY) -m pytest -q tests/extensions

# The documentation (docs/), as HTML in docs/_build/html. Warnings are errors, so a
# broken reference or a page left out of the table of contents fails; -E reads every
# page again, so warnings of unchanged pages are not hidden by the last build.
SPHINX_BUILD := $(VENV)/bin/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html

docs: $(STAMP)
	$(SPHINX_BUILD)

# A source distribution and a wheel of erlen in dist/ (pip install dist/erlen-*.whl).
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .

bench: $(STAMP)
	$(PY) bench/wsgi_direct.py

clean:
	rm -rf $(VENV) $(NOFLASK_VENV) build *.egg-info src/*.egg-info
