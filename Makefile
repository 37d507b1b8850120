# The two commands of the README: `make demo` and `make test`.  Each bootstraps what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1
# `make bench` runs every bench in its self-checking smoke mode; `make bench BENCH_ARGS=` measures.
BENCH_ARGS ?= --smoke

.PHONY: bootstrap bootstrap-unit test lint unit demo bench voice previews clean

bootstrap:
	@VENV=$(VENV) scripts/bootstrap.sh

# Python and fonts only: the unit tests start no system service.
bootstrap-unit:
	@VENV=$(VENV) scripts/bootstrap.sh unit

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Lint first (fast), then every test layer: unit, integration (pcscd+vpcd, emulator, center on
# loopback, PostgreSQL), ui (Kivy offscreen), hil (the whole chain) and every bench in smoke mode.
# On TEST_JOBS pytest-xdist workers; the tests that share pcscd's readers stay together on one of them
# (tests/conftest.py, docs/testing.md).  TEST_JOBS=0 runs everything in one process.
TEST_JOBS ?= 2
test: lint
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadgroup --durations=25 $(PYTEST_ARGS)

unit: bootstrap-unit
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

demo: bootstrap
	$(PY) -m scripts.demo

bench: bootstrap
	@set -e; for b in bench/*.py; do echo "== $$b $(BENCH_ARGS)"; $(PY) $$b $(BENCH_ARGS); done

# Voice guidance clips for the example config's languages, cached under var/voice (docs/kiosk-ui.md §7).
VOICE_CONFIG ?= kiosk/examples/kiosk.toml
voice: bootstrap-unit
	$(PY) -m kiosk.voice --config $(VOICE_CONFIG) --out var/voice

# The confirm screen's masked layout previews for the example config's screen size (docs/kiosk-ui.md §2).
previews: bootstrap-unit
	$(PY) -m kiosk.preview --config $(VOICE_CONFIG) --out var/previews

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
