# ResearchDesk: `make demo` runs the main job on the sample library; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
LIBRARY ?= ../shared/data/library/pcd2024
DESK ?= demo-desk
OUT ?= out
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint bench fuzz clean browser

$(BIN)/researchdesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/researchdesk
	$(BIN)/researchdesk --home $(DESK) demo --library $(LIBRARY) --out $(OUT)

lint: $(BIN)/researchdesk
	$(BIN)/ruff check src tests benchmarks fuzz scripts
	$(BIN)/mypy

# The browser tests drive Debian's Chromium; install it once when it is missing (root or sudo).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

test: lint browser
	$(BIN)/python -m pytest -q

bench: $(BIN)/researchdesk
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/retrieval.py --resample
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/evidence.py
	$(BIN)/python benchmarks/brief.py
	$(BIN)/python benchmarks/web_load.py --users 50 --seconds 60

# A longer coverage-guided run of every reader (atheris); SECONDS=300 by default.
SECONDS ?= 300
fuzz: $(BIN)/researchdesk
	$(BIN)/pip install --quiet -e '.[fuzz]'
	$(BIN)/python fuzz/readers.py --seconds $(SECONDS)

clean:
	rm -rf $(VENV) $(DESK) $(OUT) .pytest_cache .mypy_cache .ruff_cache
