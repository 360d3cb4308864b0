# Kommunen digital: survey analysis. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := kommunen-digital

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --no-compile: Python compiles a module when it is first imported and keeps the bytecode, so only
# what is used is compiled (as uv does by default); compiling all ~1 GB of packages up front took
# 30 of the 51 s of an install. Bytecode is kept even where PYTHONDONTWRITEBYTECODE is set (some
# containers set it): without it every process would compile pandas & co. anew.
unexport PYTHONDONTWRITEBYTECODE
$(STAMP): pyproject.toml
	@echo "==> Creating $(VENV) and installing the project (first run only)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e ".[test]"
	$(BIN)/python -m ipykernel install --user --name $(KERNEL) --display-name "Kommunen digital (.venv)" >/dev/null
	touch $(STAMP)

install: $(STAMP) ## Create or update .venv, install the project and register the Jupyter kernel

LAB_STAMP := $(VENV)/.lab-installed

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --no-compile -e ".[test,lab]"
	if git rev-parse --git-dir >/dev/null 2>&1; then $(BIN)/pre-commit install >/dev/null; fi
	touch $(LAB_STAMP)

# As root (a container) JupyterLab refuses to start without --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(LAB_STAMP) ## Start JupyterLab on notebooks/ with the project's kernel (installs JupyterLab and the pre-commit hooks)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT) $(LAB_ARGS)

lab-check: $(LAB_STAMP) ## Start JupyterLab headless, run 05_explore top to bottom in it and check that charts came out
	$(BIN)/python benchmarks/lab_check.py

# Empty: the command line's default, `analysis.config.register()` (ANALYSIS_REGISTER, else ../shared's).
REGISTER ?=

briefing: $(STAMP) ## Run the pipeline on the bundled example (REGISTER=path: Destatis register to match and weight to)
	$(BIN)/python -m analysis run $(if $(REGISTER),--register $(REGISTER))

test: $(STAMP) ## Run all tests (import layers, unit, property, end-to-end, nbval re-execution of every notebook)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

test-fast: $(STAMP) ## The edit loop: unit and property tests with small samples, no pipeline, browser or kernel (< 1 min)
	$(BIN)/lint-imports --no-cache
	ANALYSIS_TEST_FAST=1 $(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow" -q tests

example: $(STAMP) ## Regenerate the bundled simulated example export in data/raw/
	$(BIN)/python -m analysis simulate --n 400 --seed 20260206 --out data/raw/example_limesurvey.csv

outputs: $(STAMP) ## Re-run the notebooks and store the outputs of cells tagged keep_output (the ones nbval compares)
	$(BIN)/python -m analysis keep-outputs

codebook: $(STAMP) ## Regenerate docs/codebook.md from the codebook
	$(BIN)/python -m analysis codebook

clean: ## Remove generated outputs (data/processed, data/personal, reports and their runs), keeping data/raw
	rm -rf data/processed data/personal reports data/.processed-runs

.PHONY: help install lab lab-check briefing test test-fast example outputs codebook clean bench

bench: $(STAMP) ## Run the benchmarks (benchmarks/README.md; matching.py needs ../shared); results in benchmarks/results/
	$(BIN)/python benchmarks/pipeline_vs_floor.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/tests_duration.py
	$(BIN)/python benchmarks/peer.py
