#!/usr/bin/env bash
# A/B timing of Kiln builds on the 14 AWFY bundles, the 7 PLB programs and
# Myco: runs every benchmark on each given `kiln` binary in turn (interleaved,
# ROUNDS rounds) and prints, per binary, the median time over the rounds with
# its spread (min-max), each binary's median ratio to the first, and the
# geometric mean of those ratios (over all rows, and over AWFY / PLB+Myco).
# AWFY runs one outer iteration at the default inner size (the benchmark still
# verifies its result) and reports its in-script `Total Runtime` (ms, startup
# excluded); PLB and Myco are timed as whole processes (ms) and PLB output is
# checked against the expected file. A wrong or failed run prints `nan`.
#   bench/js/ab.sh ROUNDS kiln-A kiln-B [kiln-C ...]
#   BENCHES="Richards DeltaBlue" PLB="nbody" bench/js/ab.sh 3 /tmp/a /tmp/b
#   STAT=best bench/js/ab.sh 3 /tmp/a /tmp/b   # best of ROUNDS (older figures)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="$(cd "$here/../../../shared/js-bench" && pwd)"
rounds="$1"; shift
bins=("$@")
benches="${BENCHES-Bounce CD DeltaBlue Havlak Json List Mandelbrot NBody Permute Queens Richards Sieve Storage Towers}"
plbs="${PLB-binarytrees nbody merkletrees lru coro-prime-sieve pidigits edigits}"
myco="${MYCO-1}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
raw="$tmp/raw.tsv"; : > "$raw"

# PLB programs read process.argv and write with process.stdout.write (as run.sh).
shim() { # program args...
  local prog="$1"; shift
  local args; args=$(printf '"%s",' "$@")
  printf 'globalThis.process={argv:["kiln","%s",%s],env:{},exit(){},stdout:{_b:"",write(s){this._b+=String(s);let i;while((i=this._b.indexOf("\\n"))>=0){print(this._b.slice(0,i));this._b=this._b.slice(i+1);}return true;}}};\n' "$prog" "$args"
  cat "$prog"
}
declare -A plb_file=([binarytrees]=1.js [nbody]=6.js [merkletrees]=1.js [lru]=1.js [coro-prime-sieve]=1.js [pidigits]=3.js [edigits]=1.js)
declare -A plb_args=([binarytrees]="10" [nbody]="10000" [merkletrees]="10" [lru]="100 10000" [coro-prime-sieve]="200" [pidigits]="30" [edigits]="1000")

wall_ms() { # expect-file-or-empty bin script
  local s e
  s=$(date +%s%N); "$2" js "$3" > "$tmp/out" 2>&1 || { echo nan; return; }
  e=$(date +%s%N)
  if [ -n "$1" ] && ! diff -q "$tmp/out" "$1" > /dev/null; then echo nan; return; fi
  echo $(( (e - s) / 1000000 ))
}
awfy_ms() { # bin bench
  "$1" js "$tmp/$2.js" > "$tmp/out" 2>&1 || { tail -2 "$tmp/out" >&2; echo nan; return; }
  local us; us=$(sed -n 's/^Total Runtime: \([0-9]*\)us$/\1/p' "$tmp/out")
  [ -n "$us" ] || { echo nan; return; }
  echo $(( us / 1000 ))
}

rows=()
for b in $benches; do
  echo 'globalThis.AWFY_ITERATIONS = 1;' > "$tmp/$b.js"; cat "$shared/awfy/bundled/$b.js" >> "$tmp/$b.js"
  rows+=("awfy:$b")
done
for p in $plbs; do
  # shellcheck disable=SC2086
  shim "$shared/plb/$p/${plb_file[$p]}" ${plb_args[$p]} > "$tmp/plb-$p.js"
  rows+=("plb:$p")
done
[ "$myco" = 1 ] && rows+=("myco:myco")

for row in "${rows[@]}"; do
  kind="${row%%:*}"; b="${row#*:}"
  for r in $(seq "$rounds"); do
    for i in "${!bins[@]}"; do
      case $kind in
        awfy) t=$(awfy_ms "${bins[$i]}" "$b");;
        plb) t=$(wall_ms "$shared/plb/$b/$(echo "${plb_args[$b]}" | tr ' ' _)_out" "${bins[$i]}" "$tmp/plb-$b.js");;
        myco) t=$(wall_ms "" "${bins[$i]}" "$here/myco.js");;
      esac
      printf '%s\t%s\t%s\t%s\n' "$kind/$b" "$i" "$r" "$t" >> "$raw"
    done
  done
done

STAT="${STAT:-median}" NBINS="${#bins[@]}" python3 - "$raw" <<'EOF'
import math, os, statistics, sys
stat, nb = os.environ["STAT"], int(os.environ["NBINS"])
times = {}
for line in open(sys.argv[1]):
    b, i, _, t = line.split("\t")
    times.setdefault(b, [[] for _ in range(nb)])[int(i)].append(float(t))
def agg(ts):
    ts = [t for t in ts if not math.isnan(t)]
    if not ts:
        return math.nan, math.nan, math.nan
    return (min(ts) if stat == "best" else statistics.median(ts)), min(ts), max(ts)
hdr = f"{'benchmark':<24}" + "".join(f" {f'bin{i} {stat} (min-max) ms':>28}" for i in range(nb))
hdr += "".join(f" {f'bin{i}/bin0':>10}" for i in range(1, nb))
print(hdr)
ratios = {g: [[] for _ in range(nb)] for g in ("all", "awfy", "plb+myco")}
for b, per in times.items():
    a = [agg(ts) for ts in per]
    line = f"{b:<24}" + "".join(f" {f'{m:.0f} ({lo:.0f}-{hi:.0f})':>28}" for m, lo, hi in a)
    for i in range(1, nb):
        r = a[i][0] / a[0][0] if a[0][0] > 0 else math.nan
        line += f" {r:>10.3f}"
        if not math.isnan(r):
            ratios["all"][i].append(r)
            ratios["awfy" if b.startswith("awfy/") else "plb+myco"][i].append(r)
    print(line)
for g, rs in ratios.items():
    line = f"{'geomean ' + g:<24}" + " " * (29 * nb)
    for i in range(1, nb):
        v = math.exp(sum(map(math.log, rs[i])) / len(rs[i])) if rs[i] else math.nan
        line += f" {v:>10.3f}"
    print(line)
EOF
