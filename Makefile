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

.PHONY: run test test-noflask bench clean

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
	$(VENV)/bin/erlen --app examples/hello/app.py run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(PY) -m pytest -q
	ERLEN_FLASK_ALIAS=1 $(PY) -m pytest -q tests/extensions
	$(MAKE) --no-print-directory test-noflask
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/mypy

# The extension tests again, where Flask is not installed: `import flask` must fail
# until erlen is imported.
test-noflask: $(NOFLASK_STAMP)
	@if $(NOFLASK_PY) -c 'import flask' 2>/dev/null; then \
		echo 'The real Flask is importable in $(NOFLASK_VENV); remove that venv and retry.' >&2; \
		exit 1; \
	fi
	ERLEN_FLASK_ALIAS=1 $(NOFLASK_PY) -m pytest -q tests/extensions

bench: $(STAMP)
	$(PY) bench/wsgi_direct.py

clean:
	rm -rf $(VENV) $(NOFLASK_VENV) build *.egg-info src/*.egg-info
