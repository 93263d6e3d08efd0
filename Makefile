VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/erlen --app examples/hello/app.py run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(PY) -m pytest -q
	ERLEN_FLASK_ALIAS=1 $(PY) -m pytest -q tests/extensions
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/wsgi_direct.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
