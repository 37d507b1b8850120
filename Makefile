# The two commands of the README: `make demo` and `make test`.  Each bootstraps what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: bootstrap test lint unit demo bench clean

bootstrap:
	@VENV=$(VENV) scripts/bootstrap.sh

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Lint first (fast), then every test layer: unit, integration (pcscd+vpcd, emulator, center on
# loopback, PostgreSQL), ui (Kivy offscreen) and hil (the whole chain).
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

unit: bootstrap
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

demo: bootstrap
	$(PY) -m scripts.demo

bench: bootstrap
	$(PY) bench/card.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
