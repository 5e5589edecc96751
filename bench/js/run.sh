#!/usr/bin/env bash
# Runs the 14 AWFY bundles, the 7 PLB programs and the Myco workload on Kiln,
# node and QuickJS-ng (PyPI wheel in bench/js/venv, driven by
# ../shared/js-bench/peers/qjs_run.py), checks every output, and prints wall
# times and ratios (best of RUNS, default 1). C version of Myco for scale.
#   bench/js/run.sh [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="$(cd "$repo/../shared/js-bench" && pwd)"
runs="${1:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
(cd "$repo" && cargo build --release -q -p kiln-cli)
kiln="$CARGO_TARGET_DIR/release/kiln"
if [ ! -x "$here/venv/bin/python" ]; then
  python3 -m venv "$here/venv" && "$here/venv/bin/pip" -q install quickjs-ng
fi
qjs=("$here/venv/bin/python" "$shared/peers/qjs_run.py")
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/myco" "$here/myco.c"

# PLB programs read process.argv and write with process.stdout.write.
shim() { # $1 = program, rest = args
  local prog="$1"; shift
  local args; args=$(printf '"%s",' "$@")
  printf 'globalThis.process={argv:["kiln","%s",%s],env:{},exit(){},stdout:{_b:"",write(s){this._b+=String(s);let i;while((i=this._b.indexOf("\\n"))>=0){print(this._b.slice(0,i));this._b=this._b.slice(i+1);}return true;}}};\n' "$prog" "$args"
  cat "$prog"
}

best() { # command... ; prints best wall seconds, stores output in $tmp/out
  local b=""
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$@" > "$tmp/out" 2>&1 || { echo "FAILED: $*" >&2; tail -3 "$tmp/out" >&2; echo "nan"; return; }
    e=$(date +%s.%N)
    local t; t=$(echo "$e - $s" | bc)
    if [ -z "$b" ] || (( $(echo "$t < $b" | bc) )); then b=$t; fi
  done
  echo "$b"
}

printf '%-22s %10s %10s %10s %12s %12s\n' benchmark kiln_s node_s qjs_s kiln/node kiln/qjs
row() { # name kiln-cmd... ::: node-cmd... ::: qjs-cmd... ; expect file in $expect (optional)
  local name="$1"; shift
  local k=() n=() q=() which=k
  for a in "$@"; do
    if [ "$a" = ":::" ]; then [ $which = k ] && which=n || which=q; continue; fi
    case $which in k) k+=("$a");; n) n+=("$a");; q) q+=("$a");; esac
  done
  local tk tn tq
  tk=$(best "${k[@]}"); cp "$tmp/out" "$tmp/kout"
  if [ -n "${expect:-}" ] && ! diff -q "$tmp/kout" "$expect" > /dev/null; then tk="wrong"; fi
  if grep -q "incorrect result\|Error" "$tmp/kout"; then tk="wrong"; fi
  tn=$(best "${n[@]}"); tq=$(best "${q[@]}")
  local rn rq
  rn=$(echo "scale=1; $tk / $tn" | bc 2>/dev/null || echo -)
  rq=$(echo "scale=2; $tk / $tq" | bc 2>/dev/null || echo -)
  printf '%-22s %10s %10s %10s %12s %12s\n' "$name" "$tk" "$tn" "$tq" "$rn" "$rq"
}

for f in "$shared"/awfy/bundled/*.js; do
  b=$(basename "$f" .js)
  expect="" row "awfy/$b" "$kiln" js "$f" ::: node "$f" ::: "${qjs[@]}" "$f"
done
plb() { # dir file arg... (expected output <args joined by _>_out)
  local d="$1" f="$2"; shift 2
  local key; key=$(IFS=_; echo "$*")
  shim "$shared/plb/$d/$f" "$@" > "$tmp/$d.js"
  expect="$shared/plb/$d/${key}_out" row "plb/$d $*" "$kiln" js "$tmp/$d.js" ::: node "$shared/plb/$d/$f" "$@" ::: "${qjs[@]}" "$shared/plb/$d/$f" "$@"
}
plb binarytrees 1.js 10
plb nbody 6.js 10000
plb merkletrees 1.js 10
plb lru 1.js 100 10000
plb coro-prime-sieve 1.js 200
plb pidigits 3.js 30
plb edigits 1.js 1000
expect="" row "myco" "$kiln" js "$here/myco.js" ::: node "$here/myco.js" ::: "${qjs[@]}" "$here/myco.js"
printf 'myco in C (gcc -O2): %ss\n' "$(best "$tmp/myco")"
