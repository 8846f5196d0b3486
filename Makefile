# Developer habits in one place. Every target uses the project's own venv (.venv).
PY := .venv/bin/python

.PHONY: venv test lint snapshots-update screenshots bench

venv:
	python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'

test: venv  ## the README's test command: the whole suite (kernel tests need root)
	$(PY) -m pytest -n auto

lint:  ## ruff, mypy --strict and the import contracts
	.venv/bin/ruff check tui tests bench scripts
	.venv/bin/ruff format --check tui tests bench scripts
	.venv/bin/mypy
	.venv/bin/lint-imports

snapshots-update:  ## re-record the app's SVG snapshots after an intended change of rendering
	$(PY) -m pytest tests/app/test_snapshots.py --snapshot-update

screenshots:  ## the README's screenshots, from the made-up capture
	$(PY) scripts/screenshots.py

bench:  ## every benchmark (root: each builds its own namespace with a million routes)
	$(PY) bench/bench_routes.py
	$(PY) bench/bench_lookup.py
	$(PY) bench/bench_app.py
	$(PY) bench/bench_churn.py
