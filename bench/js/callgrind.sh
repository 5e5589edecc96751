#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind, "Collected" Ir) of Kiln builds
# on a few AWFY benchmarks (one outer iteration; NAME:INNER sets the inner
# iterations, default 1; each still verifies its result), PLB nbody (10,000
# steps, output checked) and Myco: repeatable under machine load, unlike wall
# time. Prints each binary's count and the ratio to the first.
#   bench/js/callgrind.sh kiln-A kiln-B [kiln-C ...]
#   BENCHES="Richards Json:2" PLB= bench/js/callgrind.sh /tmp/a /tmp/b
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="$(cd "$here/../../../shared/js-bench" && pwd)"
bins=("$@")
benches="${BENCHES-Richards DeltaBlue:1200 Json}"
plb="${PLB-nbody}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
ir() { # bin script [expected-output]
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" js "$2" > "$tmp/out" 2> "$tmp/err" || { echo nan; return; }
  if grep -q "incorrect result\|Error" "$tmp/out"; then echo wrong; return; fi
  if [ -n "${3:-}" ] && ! diff -q "$tmp/out" "$3" > /dev/null; then echo wrong; return; fi
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/err"
}
printf '%-14s' benchmark
for i in "${!bins[@]}"; do printf ' %16s' "bin$i Ir"; done
for i in "${!bins[@]}"; do [ "$i" = 0 ] || printf ' %10s' "bin$i/bin0"; done
echo
for b in $benches ${plb:+plb-$plb} myco; do
  expect=""
  if [ "$b" = myco ]; then s="$here/myco.js"
  elif [ "$b" = plb-nbody ]; then
    s="$tmp/nbody.js"; expect="$shared/plb/nbody/10000_out"
    printf 'globalThis.process={argv:["kiln","nbody","10000"],env:{},exit(){},stdout:{_b:"",write(s){this._b+=String(s);let i;while((i=this._b.indexOf("\\n"))>=0){print(this._b.slice(0,i));this._b=this._b.slice(i+1);}return true;}}};\n' > "$s"
    cat "$shared/plb/nbody/6.js" >> "$s"
  else
    name="${b%%:*}"; inner=1; [ "$name" = "$b" ] || inner="${b#*:}"
    s="$tmp/$name.js"
    printf 'globalThis.AWFY_ITERATIONS = 1; globalThis.AWFY_INNER = %s;\n' "$inner" > "$s"
    cat "$shared/awfy/bundled/$name.js" >> "$s"
  fi
  counts=()
  for bin in "${bins[@]}"; do counts+=("$(ir "$bin" "$s" "$expect")"); done
  printf '%-14s' "$b"
  for c in "${counts[@]}"; do printf ' %16s' "$c"; done
  for i in "${!counts[@]}"; do
    [ "$i" = 0 ] || printf ' %10s' "$(echo "scale=3; ${counts[$i]} / ${counts[0]}" | bc 2>/dev/null || echo -)"
  done
  echo
done
