#!/usr/bin/env bash
# FHIRPath benchmark: Kiln against fhirpath.js, tlq-fhirpath and octofhir-fhirpath.
#
#   bench/fhirpath/run.sh                  full run (all rows, stages a, b, c, the 1 GB file)
#   bench/fhirpath/run.sh --quick          the issue's 7 rows on cut-down data, no 1 GB file
#   bench/fhirpath/run.sh --only a         one stage (a, b or c; repeatable or a,b)
#   bench/fhirpath/run.sh --engines kiln,tlq
#   bench/fhirpath/run.sh --print          print the tables of results/latest.json again
#   bench/fhirpath/run.sh --write-results  rewrite RESULTS.md from results/latest.json
#
# Builds Kiln (release) and the peer bench crate, installs fhirpath@5.2.0 with
# npm, generates the data into bench/fhirpath/data/, measures, prints the
# tables and saves bench/fhirpath/results/latest.json. Needs ../shared beside
# the repo, cargo, node/npm and python3; network only for crates.io and npm.
# Target dirs: $KILN_BENCH_TARGET (default /tmp/target-bench-kiln) for the kiln
# binary, $PEER_BENCH_TARGET (default /tmp/target-bench) for the peer crate.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED="${KILN_SHARED:-$REPO/../shared}"
KILN_TARGET="${KILN_BENCH_TARGET:-/tmp/target-bench-kiln}"
PEER_TARGET="${PEER_BENCH_TARGET:-/tmp/target-bench}"

die() { echo "run.sh: $*" >&2; exit 1; }
step() { echo "==> $*"; }

quick=0
report_only=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --write-results|--print) report_only=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  esac
done

command -v python3 >/dev/null || die "python3 is required"
if [[ $report_only == 1 ]]; then
  exec python3 "$HERE/harness.py" "$@"
fi

command -v cargo >/dev/null || die "cargo is required"
command -v node >/dev/null || die "node is required (apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is required (apt-get install npm)"
[[ -d "$SHARED/fhir-data" && -d "$SHARED/fhir-definitions/r4" ]] ||
  die "$SHARED must hold fhir-data/ and fhir-definitions/r4/ (set KILN_SHARED to point elsewhere)"

if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    step "installing GNU time (for peak RSS)"
    (apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; }) ||
      echo "run.sh: note: could not install GNU time; peak RSS comes from wait4() instead" >&2
  else
    echo "run.sh: note: /usr/bin/time missing; peak RSS comes from wait4() instead" >&2
  fi
fi

step "building kiln (release) into $KILN_TARGET"
(cd "$REPO" && CARGO_TARGET_DIR="$KILN_TARGET" nice cargo build --release --quiet -p kiln-cli) ||
  die "building kiln failed"
KILN="$KILN_TARGET/release/kiln"
[[ -x "$KILN" ]] || die "no kiln binary at $KILN"

step "building the peer bench crates (Kiln, tlq-fhirpath, octofhir-fhirpath; serde_json baseline) into $PEER_TARGET"
# Two cargo invocations: built together, tlq's serde_json features would leak into the baseline.
for pkg in kiln-fhirpath-peer-bench serde-baseline; do
  (cd "$HERE/rust" && CARGO_TARGET_DIR="$PEER_TARGET" nice cargo build --release --quiet --locked -p "$pkg") ||
    die "building $pkg (bench/fhirpath/rust) failed"
done
PEER="$PEER_TARGET/release/peer-bench"
SERDE="$PEER_TARGET/release/serde-baseline"

if [[ "$(node -p "try{require('$HERE/node/node_modules/fhirpath/package.json').version}catch(e){''}")" != "5.2.0" ]]; then
  step "installing fhirpath@5.2.0 with npm into bench/fhirpath/node/node_modules"
  (cd "$HERE/node" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    die "npm ci failed in bench/fhirpath/node"
fi

step "generating data into bench/fhirpath/data (skipped when present)"
gen_args=(--shared "$SHARED" --out "$HERE/data")
[[ $quick == 1 ]] && gen_args+=(--no-big)
python3 "$HERE/gen_data.py" "${gen_args[@]}"

step "measuring (load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
python3 "$HERE/harness.py" --kiln "$KILN" --peer-bench "$PEER" --serde-baseline "$SERDE" --shared "$SHARED" \
  --command "bench/fhirpath/run.sh${*:+ $*}" "$@"
