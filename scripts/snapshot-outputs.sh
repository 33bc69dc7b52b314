#!/usr/bin/env bash
# Write what the tool prints on the demo and the bundled sample into OUTDIR, one file a command,
# so that two builds of the tool can be compared byte for byte (`diff -r OUT1 OUT2`).
# Usage: bash scripts/snapshot-outputs.sh OUTDIR [GUIDELINES]   (GUIDELINES: default .venv/bin/guidelines)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
g="$(cd "$here" && realpath "${2:-.venv/bin/guidelines}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() {  # run NAME CMD...: stdout, stderr and the exit code of one command
  local name=$1; shift
  "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
}

cd "$work"
run demo "$g" demo demo
cd "$work/demo"
run demo-validate "$g" validate
run demo-validate-json "$g" validate --format json
run demo-validate-sarif "$g" validate --format sarif
run demo-impact "$g" impact annotations/*.csv --bootstrap 400
run demo-impact-json "$g" impact annotations/*.csv --bootstrap 400 --format json
run demo-impact-md "$g" impact annotations/*.csv --bootstrap 400 --format md
run demo-hotspots "$g" hotspots annotations/
run demo-hotspots-json "$g" hotspots annotations/*.csv --format json
run demo-agreement "$g" agreement annotations/*.csv --by revision --bootstrap 400
run demo-agreement-json "$g" agreement annotations/*.csv --by batch --bootstrap 400 --format json --gold gold/product-photo-subject.csv
run demo-log "$g" log PPS-007
run demo-log-json "$g" log PPS-004 --format json
run demo-changelog "$g" changelog
run demo-changelog-md "$g" changelog --format md
run demo-diff "$g" diff v1.0.0 HEAD
run demo-release "$g" release --dry-run
run demo-render "$g" docs render --out "$work/render"
(cd "$work/render" && find . -type f | sort | xargs sha256sum) >"$out/demo-render.files"

cp -r "$here/sample_guidelines" "$work/sample"
cd "$work/sample"
run sample-validate "$g" validate
run sample-validate-github "$g" validate --format github
run sample-validate-junit "$g" validate --format junit
run sample-fmt-check "$g" fmt --check
for f in annotations/*.csv; do
  run "sample-agreement-$(basename "$f" .csv)" "$g" agreement "$f" --bootstrap 400 --format json
done
run sample-agreement-label "$g" agreement annotations/product-photo-subject-batch-01.csv --by label --bootstrap 400
run sample-schema "$g" schema
# paths of the temporary folder would differ from run to run
sed -i "s#$work#WORK#g" "$out"/*.out "$out"/*.err
