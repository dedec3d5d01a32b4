#!/usr/bin/env bash
# Sets up, then runs lint, the type checker and the whole test suite (CI runs exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check xl_ni179 tests benchmarks
.venv/bin/ruff format --check xl_ni179 tests benchmarks  # one layout; `ruff format` applies it
.venv/bin/mypy  # the package, as configured in pyproject.toml
# Coverage of the package, printed after the tests (files fully covered are left out).
.venv/bin/python -m pytest --cov --cov-report=term "$@"
