#!/usr/bin/env bash
# Every benchmark with the sizes docs/performance.md quotes. Run from anywhere after
# `bash scripts/setup.sh`. Data sets are generated on first use (about a minute for 1,000
# returns on 2 cores) and cached in ${NI179_BENCH_DATA:-/tmp/ni179-bench}; the whole run
# takes about 15 minutes on 2 cores.
# Output goes to the terminal and to benchmarks/results/ (one log per benchmark, ignored by git).
# Quote figures from a quiet machine: each timed phase prints how much CPU other processes took.
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

run generate               benchmarks/generate.py --n 1000
run generate-420           benchmarks/generate.py --n 420
run commands               benchmarks/bench_commands.py --runs 5 --json "$OUT/commands.json"
run validate               benchmarks/bench_validate.py --n 1000 --profile 30 --json "$OUT/validate.json"
run consolidate            benchmarks/bench_consolidate.py --sizes 13 100 1000 --json "$OUT/consolidate.json"
run consolidate-2-agreements benchmarks/bench_consolidate.py --sizes 100 1000 --laa-size 1000 \
                           --json "$OUT/consolidate-2-agreements.json"
run profile-consolidate    benchmarks/bench_consolidate.py --sizes 1000 --profile --top 25
run startup                benchmarks/bench_startup.py --runs 7 --json "$OUT/startup.json"
