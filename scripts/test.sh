#!/usr/bin/env bash
# Set up everything the tests need, then lint and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
python3 -m ruff check perfsheets tests benchmarks
python3 -m ruff format --check perfsheets tests benchmarks
python3 -m pytest -q "$@"
