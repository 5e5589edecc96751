#!/usr/bin/env bash
# Forth benchmarks: Kiln vs Debian's gforth and gforth-fast vs C, in one run.
#
#   bench/forth/run.sh [RUNS]        (default 5 runs of each, interleaved)
#
# Kiln runs twice: interpreted (--jit=off) and with the JIT tier (--jit=auto,
# the default: hot definitions compiled to native code through Cranelift).
#
# Programs: our own sieve/bubble/matrix/fib (bench/forth/programs, Apache-2.0)
# and the classic gforth versions in ../shared/forth/bench (GPL: run from
# there, never copied here) with their C equivalents (../shared/forth/bench/c,
# compiled with gcc -O1 and -O2; the best of the two counts). Each program
# times only its kernel (`main`, or the C kernel) and reports user CPU
# microseconds; the table gives the median over RUNS, in ms, and ratios.
# Installs gforth with apt-get when it is missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
SHARED=${KILN_SHARED:-$REPO/../shared}/forth/bench
RUNS=${1:-5}
OURS=$REPO/bench/forth/programs
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
KILN=$TARGET/release/kiln

[ -d "$SHARED" ] || { echo "missing $SHARED (the shared benchmark data)"; exit 1; }
if ! command -v gforth-fast >/dev/null; then
    echo "installing gforth (apt-get)…" >&2
    (apt-get install -y gforth >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y gforth >/dev/null 2>&1; }) \
        || echo "warning: could not install gforth; its columns stay empty" >&2
fi
cargo build --release -q -p kiln-cli
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for c in "$SHARED"/c/*.c; do
    b=$(basename "$c" .c)
    gcc -O1 -o "$WORK/$b-O1" "$c"
    gcc -O2 -o "$WORK/$b-O2" "$c"
done

# One measurement: prints user microseconds (or "-" when it failed).
user_us() { "$@" 2>&1 | grep -o 'user_us=[0-9]*' | head -1 | cut -d= -f2 || true; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }

declare -A T
systems="kiln-ours kiln-classic kiln-jit-ours kiln-jit-classic gforth-classic gforth-fast-classic gforth-fast-ours c-O1 c-O2"
benches="sieve:siev bubble:bubble matrix:matrix fib:fib"
for pair in $benches; do
    ours=${pair%%:*}; classic=${pair##*:}
    for sys in $systems; do : > "$WORK/$ours.$sys"; done
    for r in $(seq "$RUNS"); do
        user_us "$KILN" forth --jit=off "$OURS/$ours.fs" "$OURS/timer.fs" -e "time-main bye" >> "$WORK/$ours.kiln-ours"
        (cd "$SHARED" && user_us "$KILN" forth --jit=off "$classic.fs" timeit.fs -e "time-main bye") >> "$WORK/$ours.kiln-classic"
        user_us "$KILN" forth --jit=auto "$OURS/$ours.fs" "$OURS/timer.fs" -e "time-main bye" >> "$WORK/$ours.kiln-jit-ours"
        (cd "$SHARED" && user_us "$KILN" forth --jit=auto "$classic.fs" timeit.fs -e "time-main bye") >> "$WORK/$ours.kiln-jit-classic"
        if command -v gforth >/dev/null; then
            (cd "$SHARED" && user_us gforth -e "warnings off" "$classic.fs" timeit.fs -e "time-main bye") >> "$WORK/$ours.gforth-classic"
            (cd "$SHARED" && user_us gforth-fast -e "warnings off" "$classic.fs" timeit.fs -e "time-main bye") >> "$WORK/$ours.gforth-fast-classic"
            user_us gforth-fast -e "warnings off" "$OURS/$ours.fs" "$OURS/timer.fs" -e "time-main bye" >> "$WORK/$ours.gforth-fast-ours"
        fi
        user_us "$WORK/$classic-O1" >> "$WORK/$ours.c-O1"
        user_us "$WORK/$classic-O2" >> "$WORK/$ours.c-O2"
    done
    for sys in $systems; do
        T[$ours.$sys]=$(grep -v '^$' "$WORK/$ours.$sys" | median)
    done
done

ms() { [ "$1" = "-" ] && echo "-" || awk -v u="$1" 'BEGIN {printf "%.1f", u/1000}'; }
ratio() { { [ "$1" = "-" ] || [ "$2" = "-" ] || [ "$2" = 0 ]; } && echo "-" || awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
best() { { [ "$1" = "-" ] && echo "$2"; } || { [ "$2" = "-" ] && echo "$1"; } || { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }; }

echo "Forth benchmarks — median user CPU ms of $RUNS runs (kernel only)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(gforth --version 2>&1 | head -1 || true); $(gcc --version | head -1)"
echo
printf '| %-7s | %11s | %14s | %9s | %12s | %14s | %19s | %16s | %7s | %7s | %6s | %16s | %13s | %17s |\n' \
    bench "kiln interp" "kiln interp cl" "kiln jit" "kiln jit cl" "gforth classic" "gforth-fast classic" "gforth-fast ours" "gcc -O1" "gcc -O2" "best C" "jit/gforth-fast" "interp/best C" "jit/best C"
echo "|---------|------------:|---------------:|----------:|-------------:|---------------:|--------------------:|-----------------:|--------:|--------:|-------:|----------------:|--------------:|-----------------:|"
for pair in $benches; do
    b=${pair%%:*}
    c=$(best "${T[$b.c-O1]}" "${T[$b.c-O2]}")
    printf '| %-7s | %11s | %14s | %9s | %12s | %14s | %19s | %16s | %7s | %7s | %6s | %16s | %13s | %17s |\n' "$b" \
        "$(ms "${T[$b.kiln-ours]}")" "$(ms "${T[$b.kiln-classic]}")" \
        "$(ms "${T[$b.kiln-jit-ours]}")" "$(ms "${T[$b.kiln-jit-classic]}")" \
        "$(ms "${T[$b.gforth-classic]}")" \
        "$(ms "${T[$b.gforth-fast-classic]}")" "$(ms "${T[$b.gforth-fast-ours]}")" \
        "$(ms "${T[$b.c-O1]}")" "$(ms "${T[$b.c-O2]}")" "$(ms "$c")" \
        "$(ratio "${T[$b.kiln-jit-classic]}" "${T[$b.gforth-fast-classic]}")" \
        "$(ratio "${T[$b.kiln-classic]}" "$c")" \
        "$(ratio "${T[$b.kiln-jit-classic]}" "$c")"
done
echo
echo "\"cl\" = the classic programs (../shared/forth/bench, the same source as gforth's columns);"
echo "ratios compare the classic programs. jit = --jit=auto (the default), interp = --jit=off."
