#!/usr/bin/env bash
# A/B timing of Kiln builds on AWFY + Myco: runs every benchmark on each given
# `kiln` binary in turn (interleaved, ROUNDS rounds), AWFY with one outer
# iteration at the default inner size (the benchmark still verifies its
# result), and prints the best in-script `Total Runtime` (ms, startup
# excluded) per binary, plus each binary's ratio to the first.
#   bench/js/ab.sh ROUNDS kiln-A kiln-B [kiln-C ...]
#   BENCHES="Richards DeltaBlue" bench/js/ab.sh 3 /tmp/a /tmp/b
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="$(cd "$here/../../../shared/js-bench" && pwd)"
rounds="$1"; shift
bins=("$@")
benches="${BENCHES:-Bounce CD DeltaBlue Havlak Json List Mandelbrot NBody Permute Queens Richards Sieve Storage Towers}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# Myco prints no runtime of its own: time the process.
myco_ms() {
  local s e
  s=$(date +%s%N); "$1" js "$here/myco.js" > "$tmp/out" 2>&1 || { echo nan; return; }
  e=$(date +%s%N); echo $(( (e - s) / 1000000 ))
}
awfy_ms() { # bin bench
  "$1" js "$tmp/$2.js" > "$tmp/out" 2>&1 || { tail -2 "$tmp/out" >&2; echo nan; return; }
  local us; us=$(sed -n 's/^Total Runtime: \([0-9]*\)us$/\1/p' "$tmp/out")
  [ -n "$us" ] || { echo nan; return; }
  echo $(( us / 1000 ))
}

printf '%-12s' benchmark
for i in "${!bins[@]}"; do printf ' %10s' "bin$i"; done
for i in "${!bins[@]}"; do [ "$i" = 0 ] || printf ' %9s' "bin$i/bin0"; done
echo
for b in $benches myco; do
  declare -A best=()
  [ "$b" = myco ] || { echo 'globalThis.AWFY_ITERATIONS = 1;' > "$tmp/$b.js"; cat "$shared/awfy/bundled/$b.js" >> "$tmp/$b.js"; }
  for _ in $(seq "$rounds"); do
    for i in "${!bins[@]}"; do
      if [ "$b" = myco ]; then t=$(myco_ms "${bins[$i]}"); else t=$(awfy_ms "${bins[$i]}" "$b"); fi
      local_best="${best[$i]:-nan}"
      if [ "$t" != nan ] && { [ "$local_best" = nan ] || [ "$t" -lt "$local_best" ]; }; then best[$i]=$t; else best[$i]=$local_best; fi
    done
  done
  printf '%-12s' "$b"
  for i in "${!bins[@]}"; do printf ' %10s' "${best[$i]}"; done
  for i in "${!bins[@]}"; do
    [ "$i" = 0 ] || printf ' %9s' "$(echo "scale=3; ${best[$i]} / ${best[0]}" | bc 2>/dev/null || echo -)"
  done
  echo
  unset best
done
