#!/usr/bin/env bash
# Set up everything the tests need, then lint and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
paths=$(ls -d perfsheets tests benchmarks 2>/dev/null || true)
python3 -m ruff check $paths
python3 -m ruff format --check $paths
lint-imports                      # the layering contract in pyproject.toml
python3 -m mypy                   # types (config in pyproject.toml)
python3 -m pytest -q -n auto "$@"   # one worker per core (pytest-xdist)
