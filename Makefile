# ResearchDesk: `make demo` runs the main job on the sample library; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
LIBRARY ?= ../shared/data/library/pcd2024
DESK ?= demo-desk
OUT ?= out
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint bench clean

$(BIN)/researchdesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/researchdesk
	$(BIN)/researchdesk --home $(DESK) demo --library $(LIBRARY) --out $(OUT)

lint: $(BIN)/researchdesk
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

bench: $(BIN)/researchdesk
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/evidence.py
	$(BIN)/python benchmarks/brief.py

clean:
	rm -rf $(VENV) $(DESK) $(OUT) .pytest_cache .mypy_cache .ruff_cache
