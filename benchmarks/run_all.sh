#!/usr/bin/env bash
# Every benchmark with the sizes docs/performance.md quotes. Run from anywhere after
# `bash scripts/setup.sh`; the data sets are generated on first use (about 3 minutes for
# 1,000 returns on 2 cores) and cached in ${NI179_BENCH_DATA:-/tmp/ni179-bench}.
# Output goes to the terminal and to benchmarks/results/ (one log per benchmark).
# Quote figures from a quiet machine: each benchmark prints how much CPU other processes took.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=benchmarks/results
mkdir -p "$OUT"

run() {
  local name=$1; shift
  echo "=== $name: $*"
  "$PY" "$@" 2>&1 | tee "$OUT/$name.log"
  echo
}

run generate     benchmarks/generate.py --n 1000
run validate     benchmarks/bench_validate.py --n 1000 --profile 30 --json "$OUT/validate.json"
run consolidate  benchmarks/bench_consolidate.py --sizes 13 100 1000 --json "$OUT/consolidate.json"
run profile-consolidate benchmarks/bench_consolidate.py --sizes 100 --profile --top 25
run startup      benchmarks/bench_startup.py --runs 7 --json "$OUT/startup.json"
