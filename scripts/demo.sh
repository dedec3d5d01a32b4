#!/usr/bin/env bash
# Sets up, then runs the whole collection cycle on the built-in demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ni179 --workspace demo-output/workspace demo --out demo-output
