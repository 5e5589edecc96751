#!/usr/bin/env python3
"""FHIRPath benchmark harness: Kiln against fhirpath.js, tlq-fhirpath and octofhir-fhirpath.

Called by run.sh (which builds the binaries and installs the peers). It builds
the row list (the issue's seven expressions plus every core R4 SearchParameter
expression whose base is Patient or Observation), runs the drivers for
(a) evaluation over pre-parsed resources, (b) NDJSON end to end, (c) compile
time, the Kiln CLI, the 1 GB streaming/memory figures and Kiln's parse rate,
prints the tables, and saves results/latest.json. With --write-results it
(re)writes RESULTS.md from results/latest.json.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(HERE, "data")
RESULTS_DIR = os.path.join(HERE, "results")
LATEST = os.path.join(RESULTS_DIR, "latest.json")
PARTIAL = os.path.join(RESULTS_DIR, "partial.json")
LOGS = os.path.join(RESULTS_DIR, "logs")

# The issue's seven rows: (id, expression, dataset, figures measured in the issue
# for fhirpath.js / tlq / octofhir, per resource in µs or per bundle in ms).
HEADLINE = [
    ("p.given", "Patient.name.given", "Patient", (4.7, 2.8, 7.4)),
    ("p.official-family", "Patient.name.where(use='official').family.first()", "Patient", (17.5, 4.0, 13.0)),
    ("p.phone", "Patient.telecom.where(system='phone').value", "Patient", (14.1, 3.9, 11.4)),
    ("p.born-before-1980", "Patient.birthDate < @1980-01-01", "Patient", (9.4, 2.2, 7.1)),
    ("o.quantity-unit", "Observation.value.ofType(Quantity).where(value > 100).unit", "Observation", (16.7, 6.7, 13.9)),
    ("o.loinc-code", "Observation.code.coding.where(system='http://loinc.org').code", "Observation", (15.3, 3.8, 14.1)),
    ("bundle.body-height",
     "entry.resource.ofType(Observation).where(code.coding.exists(system='http://loinc.org' and code='8302-2')).value.value",
     "Bundle", (3.4, 16.3, 2.9)),
]
PEERS = ["fhirpath.js", "tlq", "octofhir"]
ENGINES = ["kiln"] + PEERS
BIG_EXPR = "Patient.name.given"
QUICK_LIMIT = {"Patient": 2000, "Observation": 3000, "Bundle": 20}
HOT_LIMIT = {"Patient": 100, "Observation": 100, "Bundle": 5}


def log(msg):
    print(msg, flush=True)


def load_now():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ---------------------------------------------------------------- rows

def build_rows(shared, quick):
    rows = []
    for rid, expr, dataset, issue in HEADLINE:
        rows.append({"id": rid, "expr": expr, "dataset": dataset, "e2e": True,
                     "headline": True, "search_params": [], "issue_figures": dict(zip(PEERS, issue))})
    if quick:
        return rows
    path = os.path.join(shared, "fhir-definitions/r4/search-parameters.json")
    with open(path, encoding="utf-8") as f:
        bundle = json.load(f)
    by_key = {}
    for entry in bundle.get("entry", []):
        sp = entry.get("resource", {})
        if sp.get("resourceType") != "SearchParameter" or not sp.get("expression"):
            continue
        for base in sp.get("base", []):
            if base not in ("Patient", "Observation"):
                continue
            key = (base, sp["expression"])
            if key in by_key:
                by_key[key]["search_params"].append(sp["id"])
                continue
            both = {"Patient", "Observation"} <= set(sp["base"])
            row = {"id": f"sp:{sp['id']}" + (f"@{base}" if both else ""),
                   "expr": sp["expression"], "dataset": base, "e2e": False, "headline": False,
                   "search_params": [sp["id"]]}
            by_key[key] = row
            rows.append(row)
    return rows


# ---------------------------------------------------------------- running drivers

class Tools:
    def __init__(self, args):
        self.kiln = args.kiln
        self.peer = args.peer_bench
        self.serde = args.serde_baseline
        self.node = shutil.which("node")
        self.node_dir = os.path.join(HERE, "node")
        self.defs = os.path.join(args.shared, "fhir-definitions/r4")
        self.time_v = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

    def driver(self, engine):
        if engine == "fhirpath.js":
            return [self.node, os.path.join(self.node_dir, "bench.js")]
        if engine == "serde":
            return [self.serde]
        return [self.peer]

    def engine_args(self, engine):
        if engine == "fhirpath.js":
            return []
        args = ["--engine", engine]
        if engine == "tlq":
            args += ["--defs", self.defs]
        return args


def run_json(cmd, logname, timeout):
    """Runs a driver, appends its stderr to a log, returns (json or None, error text)."""
    os.makedirs(LOGS, exist_ok=True)
    with open(os.path.join(LOGS, logname), "a", encoding="utf-8") as errf:
        errf.write("$ " + " ".join(cmd) + "\n")
        errf.flush()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=errf, timeout=timeout, cwd=HERE)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout} s"
    if p.returncode != 0:
        with open(os.path.join(LOGS, logname), encoding="utf-8", errors="replace") as f:
            # The last lines this run wrote (the log also holds earlier commands of the stage).
            text = f.read().rsplit("$ " + " ".join(cmd) + "\n", 1)[-1]
            tail = [line.strip() for line in text.splitlines() if line.strip()][-3:]
        return None, f"exit {p.returncode}: " + " / ".join(tail)
    try:
        return json.loads(p.stdout.decode("utf-8").strip().splitlines()[-1]), None
    except (ValueError, IndexError) as e:
        return None, f"bad output: {e}"


def run_mode(tools, engine, mode, rows_file, rows, extra, timeout):
    """One driver process for all rows; on a crash, one process per row."""
    base = tools.driver(engine) + [mode] + tools.engine_args(engine) + ["--rows", rows_file] + extra
    logname = f"{engine}-{mode}.log"
    out, err = run_json(base, logname, timeout)
    if out is not None:
        return out["rows"], None
    log(f"    {engine} {mode}: driver failed ({err}); retrying row by row")
    results = {}
    for row in rows:
        o, e = run_json(base + ["--row", row["id"]], logname, max(120, timeout // 4))
        if o is not None and row["id"] in o["rows"]:
            results[row["id"]] = o["rows"][row["id"]]
        elif o is not None:
            continue  # not a row of this mode (e.g. not an end-to-end row)
        else:
            results[row["id"]] = {"ok": False, "stage": "crash", "error": e}
    return results, err


SCALE_BYTES = 256 << 20


def scaled_file(dataset):
    """`data/scale-<dataset>.ndjson`: the dataset's file repeated until it holds at least SCALE_BYTES."""
    src = os.path.join(DATA, f"{dataset}.ndjson")
    dst = os.path.join(DATA, f"scale-{dataset}.ndjson")
    size = os.path.getsize(src)
    copies = max(1, -(-SCALE_BYTES // size))
    if not os.path.exists(dst) or os.path.getsize(dst) != size * copies:
        with open(src, "rb") as f:
            text = f.read()
        with open(dst, "wb") as f:
            for _ in range(copies):
                f.write(text)
    warm_page_cache(dst)
    return dst


def timed_process(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd, returning (wall seconds, exit code, peak RSS KiB, stdout bytes or None, stderr bytes).

    stdout (when captured) and stderr go to temporary files, so the child can be
    reaped with wait4, whose rusage is this child's own (ru_maxrss in KiB on Linux)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out if stdout == subprocess.PIPE else stdout, stderr=err, cwd=HERE)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t
            p.returncode = os.waitstatus_to_exitcode(status)
            rss = usage.ru_maxrss
        else:
            p.wait()
            wall = time.perf_counter() - t
            rss = None
        out.seek(0)
        err.seek(0)
        return wall, p.returncode, rss, (out.read() if stdout == subprocess.PIPE else None), err.read()


def warm_page_cache(path):
    """Reads a file once so that every engine then reads it from the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 22):
            pass


def time_v(tools, cmd, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time -v when present (else wait4's rusage)."""
    if tools.time_v:
        wall, code, _, out, err = timed_process([tools.time_v, "-v"] + cmd, stdout)
        text = err.decode("utf-8", errors="replace")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        rss = int(m.group(1)) if m else None
        return wall, code, rss, out, text, "/usr/bin/time -v"
    wall, code, rss, out, err = timed_process(cmd, stdout)
    return wall, code, rss, out, err.decode("utf-8", errors="replace"), "wait4 rusage"


# ---------------------------------------------------------------- measuring

def save_partial(results):
    """Keeps what was measured so far (results/partial.json) in case a later stage dies."""
    with open(PARTIAL, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)


def measure(args, tools, rows, rows_file, results):
    quick = args.quick
    only = set(args.only)
    engines = [e for e in ENGINES if e in args.engines]
    manifest = json.load(open(os.path.join(DATA, "manifest.json"), encoding="utf-8"))
    lines = {name[:-len(".ndjson")]: v["lines"] for name, v in manifest["files"].items()}
    phases = results["meta"]["load"]["phases"]
    timeout = 3600

    if "a" in only:
        results["a"] = {}
        budget = "0.2" if quick else "0.75"
        # "kiln" prepares each expression with a projected tape (lazy parsing, the CLI
        # default); "kiln-full" parses every member, for the cost without projection.
        a_engines = ["kiln", "kiln-full"] + [e for e in engines if e != "kiln"] if "kiln" in engines else engines
        for engine in a_engines:
            phases[f"a/{engine}"] = load_now()
            t = time.time()
            extra = ["--data", DATA, "--budget", budget, "--min-passes", "2" if quick else "5"]
            if quick:
                # Datasets are cut to the first N resources: run per dataset.
                out = {}
                for ds, limit in QUICK_LIMIT.items():
                    sub = [r for r in rows if r["dataset"] == ds]
                    if not sub:
                        continue
                    rf = rows_file.replace(".json", f"-{ds}.json")
                    json.dump(sub, open(rf, "w", encoding="utf-8"))
                    r, _ = run_mode(tools, engine, "a", rf, sub, extra + ["--limit", str(limit)], timeout)
                    out.update(r)
            else:
                out, _ = run_mode(tools, engine, "a", rows_file, rows, extra, timeout)
            results["a"][engine] = out
            log(f"  (a) {engine}: {len(out)} rows in {time.time() - t:.0f} s")
            save_partial(results)
        if not quick:
            # The same headline rows over only the first 100 resources (20 bundles): the
            # working set stays in the CPU caches, which separates evaluation cost from memory stalls.
            results["a_hot"] = {}
            for engine in engines:
                phases[f"a-hot/{engine}"] = load_now()
                out = {}
                for ds, limit in HOT_LIMIT.items():
                    sub = [r for r in rows if r["dataset"] == ds and r["headline"]]
                    rf = rows_file.replace(".json", f"-hot-{ds}.json")
                    json.dump(sub, open(rf, "w", encoding="utf-8"))
                    r, _ = run_mode(tools, engine, "a", rf, sub,
                                    ["--data", DATA, "--budget", "0.5", "--limit", str(limit)], timeout)
                    out.update(r)
                results["a_hot"][engine] = out
            log(f"  (a) hot-cache rows done")

    if "b" in only:
        results["b"] = {}
        e2e_rows = [r for r in rows if r["e2e"]]
        b_engines = ["serde", "kiln", "kiln-full"] + [e for e in engines if e != "kiln"]
        for engine in b_engines:
            phases[f"b/{engine}"] = load_now()
            t = time.time()
            extra = ["--data", DATA, "--budget", "0" if quick else "2.0",
                     "--min-passes", "1" if quick else "5"]
            out, _ = run_mode(tools, engine, "b", rows_file, e2e_rows, extra, timeout)
            results["b"][engine] = out
            log(f"  (b) {engine}: {len(out)} rows in {time.time() - t:.0f} s")
            save_partial(results)
        # The kiln CLI itself over the same files, output to /dev/null.
        phases["b/cli"] = load_now()
        t = time.time()
        results["b_cli"] = {}
        for variant, flags in cli_variants(tools, results):
            res = {}
            for row in e2e_rows:
                path = os.path.join(DATA, f"{row['dataset']}.ndjson")
                runs, code = [], 0
                for _ in range(1 if quick else 5):
                    wall, code, _, _, _ = timed_process([tools.kiln, "fhirpath", "eval"] + flags + [row["expr"], path])
                    runs.append(wall)
                med = sorted(runs)[len(runs) // 2]
                res[row["id"]] = {"seconds": med, "runs": runs, "exit": code,
                                  "resources": lines[row["dataset"]], "bytes": os.path.getsize(path),
                                  "us_per_input": med / lines[row["dataset"]] * 1e6,
                                  "mb_per_s": os.path.getsize(path) / med / 1e6}
            results["b_cli"][variant] = res
        log(f"  (b) kiln CLI: {len(results['b_cli'])} variant(s) in {time.time() - t:.0f} s")

        # 2-core throughput: the per-row files above take 10-40 ms, of which
        # ~5 ms is process start-up (exec, model load) that no thread count
        # changes; throughput is measured on the same files repeated to at
        # least SCALE_BYTES, --threads 1 and 2 interleaved.
        if results["meta"]["kiln_cli_flags"].get("threads"):
            phases["b/scaling"] = load_now()
            t = time.time()
            results["scaling"] = {}
            for row in e2e_rows:
                path = scaled_file(row["dataset"])
                runs = {1: [], 2: []}
                for _ in range(1 if quick else 3):
                    for n in (1, 2):
                        wall, code, _, _, _ = timed_process(
                            [tools.kiln, "fhirpath", "eval", "--threads", str(n), row["expr"], path])
                        runs[n].append(wall)
                med = {n: sorted(r)[len(r) // 2] for n, r in runs.items()}
                results["scaling"][row["id"]] = {
                    "file": os.path.basename(path), "bytes": os.path.getsize(path),
                    "t1": med[1], "t2": med[2], "runs1": runs[1], "runs2": runs[2],
                    "speedup": med[1] / med[2]}
            log(f"  (b) 2-core scaling: {len(results['scaling'])} rows in {time.time() - t:.0f} s")
            save_partial(results)

        if not quick and "big" in lines:
            results["stream"] = {}
            big = os.path.join(DATA, "big.ndjson")
            warm_page_cache(big)
            for variant, flags in cli_variants(tools, results):
                phases[f"stream/kiln-cli-{variant}"] = load_now()
                wall, code, rss, _, _, how = time_v(tools, [tools.kiln, "fhirpath", "eval"] + flags + [BIG_EXPR, big])
                results["stream"][f"kiln CLI {variant}"] = stream_entry(wall, code, rss, how, lines["big"], big)
                log(f"  stream kiln CLI {variant}: {wall:.1f} s, peak RSS {fmt_mb(rss)}")
            for engine in ["serde"] + engines:
                phases[f"stream/{engine}"] = load_now()
                cmd = tools.driver(engine) + ["stream"] + tools.engine_args(engine) + ["--expr", BIG_EXPR, "--file", big]
                wall, code, rss, out, _, how = time_v(tools, cmd, stdout=subprocess.PIPE)
                entry = stream_entry(wall, code, rss, how, lines["big"], big)
                try:
                    inner = json.loads(out.decode().strip().splitlines()[-1])
                    entry.update({"seconds_in_process": inner["seconds"], "items": inner["last"]["items"],
                                  "errors": inner["last"]["errors"]})
                except (ValueError, IndexError, KeyError, AttributeError):
                    entry["error"] = f"exit {code}"
                results["stream"][engine] = entry
                log(f"  stream {engine}: {wall:.1f} s, peak RSS {fmt_mb(rss)}")
                save_partial(results)

    if "c" in only:
        results["c"] = {}
        for engine in engines:
            phases[f"c/{engine}"] = load_now()
            t = time.time()
            out, _ = run_mode(tools, engine, "c", rows_file, rows,
                              ["--budget", "0.3" if quick else "1.0"], timeout)
            results["c"][engine] = out
            log(f"  (c) {engine}: {len(out)} rows in {time.time() - t:.0f} s")
            save_partial(results)
        phases["c/parse-rate"] = load_now()
        simple = [r for r in rows if r["headline"]]
        rf = rows_file.replace(".json", "-headline.json")
        json.dump(simple, open(rf, "w", encoding="utf-8"))
        out, err = run_json([tools.peer, "parse-rate", "--rows", rf], "kiln-parse-rate.log", 600)
        results["parse_rate"] = out if out else {"error": err}


def cli_variants(tools, results):
    """The kiln CLI configurations to time, from what `kiln fhirpath eval --help` offers."""
    flags = results["meta"]["kiln_cli_flags"]
    if flags.get("threads"):
        out = [("--threads 1", ["--threads", "1"]), ("--threads 2", ["--threads", "2"])]
    else:
        out = [("default", [])]
    if flags.get("full_parse"):
        out.append((out[0][0] + " --full-parse" if flags.get("threads") else "--full-parse",
                    out[0][1] + ["--full-parse"]))
    return out


def probe_cli(kiln):
    try:
        text = subprocess.run([kiln, "fhirpath", "eval", "--help"], capture_output=True, text=True,
                              timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        text = ""
    return {"threads": "--threads" in text, "full_parse": "--full-parse" in text}


def stream_entry(wall, code, rss, how, n, path):
    size = os.path.getsize(path)
    return {"seconds": wall, "exit": code, "rss_kb": rss, "rss_via": how, "resources": n,
            "bytes": size, "mb_per_s": size / wall / 1e6, "us_per_input": wall / n * 1e6}


# ---------------------------------------------------------------- formatting

def fmt_mb(kb):
    return "n/a" if kb is None else f"{kb / 1024:.0f} MB"


def fmt_num(x, digits=3):
    if x is None:
        return "—"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.{digits}f}"


def fmt_ratio(x):
    if x is None:
        return "—"
    return f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


def per_unit(row):
    return "bundle" if row["dataset"] == "Bundle" else "resource"


def a_cell(res, row, kiln_items):
    """(value in µs or ms, display text, note) for one (a) result."""
    if res is None:
        return None, "—", None
    if not res.get("ok"):
        return None, f"fails ({res.get('stage', '?')})", res.get("error")
    us = res["us_per_input"]
    val = us / 1000 if row["dataset"] == "Bundle" else us
    text = fmt_num(val)
    note = None
    last = res.get("last", {})
    if last.get("errors"):
        text += "!"
        note = f"{last['errors']} of {last.get('inputs')} inputs failed: {last.get('first_error')}"
    if kiln_items is not None and last.get("items") is not None and last["items"] != kiln_items:
        text += "≠"
    return val, text, note


def ratio(peer, kiln):
    if peer is None or kiln is None or kiln <= 0:
        return None
    return peer / kiln


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def table(headers, body, align=None, pad=True):
    """Plain-text table (also valid Markdown); pad=False leaves cells unpadded (very long cells)."""
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *body)]
    if not pad:
        widths = [3] * len(widths)

    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(str(c).ljust(w) if a == "l" else str(c).rjust(w))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in body])


def short(expr, n=58):
    expr = " ".join(expr.split())
    return expr if len(expr) <= n else expr[: n - 1] + "…"


def table_a(results, md=False):
    rows = results["rows"]
    a = results.get("a", {})
    if not a:
        return None, []
    headers = ["row", "expression", "per", "Kiln", "Kiln /s", "Kiln full tape"] + PEERS + [f"Kiln vs {p}" for p in PEERS]
    body, notes = [], []
    for row in rows:
        kres = a.get("kiln", {}).get(row["id"])
        kiln_items = (kres or {}).get("last", {}).get("items") if kres and kres.get("ok") else None
        kval, ktext, knote = a_cell(kres, row, None)
        if knote:
            notes.append(f"{row['id']} Kiln: {knote}")
        unit = "ms/bundle" if row["dataset"] == "Bundle" else "µs/res"
        per_s = None if kval is None else (1e3 / kval if row["dataset"] == "Bundle" else 1e6 / kval)
        full_text = a_cell(a.get("kiln-full", {}).get(row["id"]), row, kiln_items)[1] if a.get("kiln-full") else "—"
        cells, ratios = [], []
        for p in PEERS:
            pval, ptext, pnote = a_cell(a.get(p, {}).get(row["id"]), row, kiln_items)
            if pnote:
                notes.append(f"{row['id']} {p}: {pnote}")
            cells.append(ptext)
            ratios.append(fmt_ratio(ratio(pval, kval)))
        expr = "`" + short(row["expr"]).replace("|", "\\|") + "`" if md else short(row["expr"], 44)
        body.append([row["id"], expr, unit, ktext, fmt_num(per_s), full_text, *cells, *ratios])
    # Geometric means of the speed-ups over the rows both engines ran.
    summary = ["geomean", "", "", "", "", ""] + [""] * len(PEERS)
    for p in PEERS:
        rs = []
        for row in rows:
            kv = a_cell(a.get("kiln", {}).get(row["id"]), row, None)[0]
            pv = a_cell(a.get(p, {}).get(row["id"]), row, None)[0]
            if ratio(pv, kv):
                rs.append(ratio(pv, kv))
        summary.append(fmt_ratio(geomean(rs)))
    body.append(summary)
    return table(headers, body, ["l", "l", "l"] + ["r"] * (len(headers) - 3)), notes


def table_hot(results):
    hot = results.get("a_hot")
    a = results.get("a", {})
    if not hot:
        return None
    headers = ["row", "Kiln (all)", "Kiln (hot)"] + [f"{p} (hot)" for p in PEERS] + [f"Kiln vs {p} (hot)" for p in PEERS]
    body = []
    for row in results["rows"]:
        if not row["headline"]:
            continue
        kall = a_cell(a.get("kiln", {}).get(row["id"]), row, None)
        khot = a_cell(hot.get("kiln", {}).get(row["id"]), row, None)
        peers = [a_cell(hot.get(p, {}).get(row["id"]), row, None) for p in PEERS]
        body.append([row["id"], kall[1], khot[1]] + [t for _, t, _ in peers]
                    + [fmt_ratio(ratio(v, khot[0])) for v, _, _ in peers])
    return table(headers, body)


def table_b(results, md=False):
    b = results.get("b", {})
    if not b:
        return None
    cli = results.get("b_cli", {})
    variants = list(cli.keys())
    rows = [r for r in results["rows"] if r["e2e"]]
    headers = ["row", "file", "serde_json parse", "Kiln", "Kiln MB/s", "Kiln ÷ serde",
               "Kiln full parse", "full ÷ serde"]
    headers += ["kiln CLI" + ("" if v == "default" else f" {v}") for v in variants]
    headers += PEERS + [f"Kiln vs {p}" for p in PEERS]
    body = []
    for row in rows:
        def us(engine):
            r = b.get(engine, {}).get(row["id"])
            if not r or not r.get("ok"):
                return None, ("—" if not r else f"fails ({r.get('stage', '?')})")
            v = r["us_per_input"]
            return v, fmt_num(v / 1000 if row["dataset"] == "Bundle" else v)
        serde, serde_t = us("serde")
        kiln, kiln_t = us("kiln")
        full, full_t = us("kiln-full")
        kr = b.get("kiln", {}).get(row["id"]) or {}
        line = [row["id"], f"{row['dataset']}.ndjson", serde_t, kiln_t,
                fmt_num(kr.get("mb_per_s")) if kr.get("ok") else "—", fmt_ratio(ratio(kiln, serde)),
                full_t, fmt_ratio(ratio(full, serde))]
        for v in variants:
            c = cli[v].get(row["id"])
            if not c:
                line.append("—")
                continue
            val = c["us_per_input"]
            t = fmt_num(val / 1000 if row["dataset"] == "Bundle" else val)
            line.append(t + ("" if c["exit"] == 0 else f" (exit {c['exit']})"))
        peers = [us(p) for p in PEERS]
        line += [t for _, t in peers] + [fmt_ratio(ratio(v, kiln)) for v, _ in peers]
        body.append(line)
    return table(headers, body, ["l", "l"] + ["r"] * (len(headers) - 2))


def table_c(results, md=False):
    c = results.get("c", {})
    if not c:
        return None
    headers = ["row", "Kiln µs"] + [f"{p} µs" for p in PEERS] + [f"Kiln vs {p}" for p in PEERS]
    body = []
    per_peer = {p: [] for p in PEERS}
    for row in results["rows"]:
        def val(engine):
            r = c.get(engine, {}).get(row["id"])
            if not r:
                return None, "—"
            if not r.get("ok"):
                return None, "fails"
            return r["us_per_compile"], fmt_num(r["us_per_compile"])
        k, kt = val("kiln")
        line = [row["id"], kt]
        rs = []
        for p in PEERS:
            v, t = val(p)
            line.append(t)
            rs.append(ratio(v, k))
            if ratio(v, k):
                per_peer[p].append(ratio(v, k))
        line += [fmt_ratio(r) for r in rs]
        body.append(line)
    body.append(["geomean", ""] + [""] * len(PEERS) + [fmt_ratio(geomean(per_peer[p])) for p in PEERS])
    return table(headers, body)


def table_scaling(results):
    sc = results.get("scaling")
    if not sc:
        return None
    headers = ["row", "file", "size", "--threads 1 s", "--threads 2 s", "speed-up"]
    body = []
    for rid, e in sc.items():
        body.append([rid, e["file"], f"{e['bytes'] / 1e6:.0f} MB", f"{e['t1']:.2f}", f"{e['t2']:.2f}",
                     f"{e['speedup']:.2f}×"])
    return table(headers, body, ["l", "l", "r", "r", "r", "r"])


def table_stream(results):
    s = results.get("stream")
    if not s:
        return None
    headers = ["engine (1 GB NDJSON, `" + BIG_EXPR + "`)", "seconds", "MB/s", "resources/s", "µs/resource", "peak RSS"]
    body = []
    for name, e in s.items():
        label = "serde_json parse only" if name == "serde" else name
        note = "" if e.get("exit", 0) == 0 else f" (exit {e['exit']})"
        body.append([label + note, f"{e['seconds']:.1f}", f"{e['mb_per_s']:.0f}",
                     f"{e['resources'] / e['seconds']:,.0f}", fmt_num(e["us_per_input"]), fmt_mb(e.get("rss_kb"))])
    return table(headers, body)


def parse_rate_lines(results):
    pr = results.get("parse_rate")
    if not pr or "rows" not in pr:
        return None
    g = pr["rows"].get("p.given", {})
    return [
        f"Kiln parses `Patient.name.given` at {g.get('parse_per_s', 0):,.0f} expressions/s "
        f"(compiles it, parse + check + compile, at {g.get('compile_per_s', 0):,.0f}/s).",
        f"Over the seven issue expressions: {pr['parse_per_s_mean_time']:,.0f} parses/s and "
        f"{pr['compile_per_s_mean_time']:,.0f} compiles/s (mean time per expression).",
    ]


def failures(results):
    """Per engine: rows that failed to compile/evaluate, or had failing inputs."""
    out = {}
    for mode in ("a", "c"):
        for engine, rows in results.get(mode, {}).items():
            for rid, r in rows.items():
                key = (engine, rid)
                if not r.get("ok"):
                    out.setdefault(key, f"{r.get('stage', '?')}: {short(str(r.get('error')), 160)}")
                elif r.get("last", {}).get("errors"):
                    last = r["last"]
                    out.setdefault(key, f"{last['errors']} of {last['inputs']} inputs fail: "
                                        f"{short(str(last.get('first_error')), 140)}")
    by_engine = {}
    for (engine, rid), msg in sorted(out.items()):
        by_engine.setdefault(engine, []).append((rid, msg))
    return by_engine


def mismatches(results):
    """Rows where a peer's result item count differs from Kiln's (in (a))."""
    a = results.get("a", {})
    out = []
    for row in results["rows"]:
        k = a.get("kiln", {}).get(row["id"])
        if not k or not k.get("ok"):
            continue
        ki = k["last"]["items"]
        diffs = []
        for p in PEERS:
            r = a.get(p, {}).get(row["id"])
            if r and r.get("ok") and r["last"]["items"] != ki:
                diffs.append(f"{p} {r['last']['items']:,}")
        if diffs:
            out.append(f"{row['id']}: Kiln {ki:,} items; " + ", ".join(diffs))
    return out


def targets(results):
    """The issue's §2 targets against today's figures: (text, status)."""
    out = []
    a = results.get("a", {})
    rows = results["rows"]

    def aval(engine, rid):
        """(a) µs of an engine on a row; for a peer, only when its result items match Kiln's."""
        r = a.get(engine, {}).get(rid)
        if not r or not r.get("ok"):
            return None
        k = a.get("kiln", {}).get(rid)
        if engine != "kiln" and k and k.get("ok") and r["last"]["items"] != k["last"]["items"]:
            return None
        return r["us_per_input"]

    if a.get("kiln"):
        js_r, rust_r, total = [], [], 0
        for row in rows:
            k = aval("kiln", row["id"])
            if k is None:
                continue
            total += 1
            js = ratio(aval("fhirpath.js", row["id"]), k)
            rust_peers = [v for v in (aval("tlq", row["id"]), aval("octofhir", row["id"])) if v]
            if js is not None:
                need = 50 if row["dataset"] == "Bundle" else 10
                js_r.append((js / need, js, row["id"], need))
            if rust_peers:
                rust_r.append((ratio(min(rust_peers), k), row["id"]))
        if js_r:
            w = min(js_r)
            out.append((f"(a) ≥ 10× fhirpath.js on every row (50× on the Bundle row): "
                        f"{sum(x[0] >= 1 for x in js_r)} of {len(js_r)} rows; furthest: {w[2]} at {w[1]:.1f}× "
                        f"(needs {w[3]}×)", all(x[0] >= 1 for x in js_r)))
        if rust_r:
            w = min(rust_r)
            out.append((f"(a) ≥ 3× the fastest Rust peer on every row: {sum(x[0] >= 3 for x in rust_r)} of "
                        f"{len(rust_r)} rows; furthest: {w[1]} at {w[0]:.2f}× (a peer whose result items differ "
                        f"from Kiln's is left out of that row)", all(x[0] >= 3 for x in rust_r)))
        bj = ratio(aval("fhirpath.js", "bundle.body-height"), aval("kiln", "bundle.body-height"))
        if bj is not None:
            out.append((f"(a) ≥ 50× fhirpath.js on the Bundle row: {bj:.1f}×", bj >= 50))
        g = aval("kiln", "p.given")
        if g is not None:
            out.append((f"(a) ≤ 0.5 µs for `Patient.name.given`: {g:.3f} µs", g <= 0.5))
    b = results.get("b", {})
    if b.get("kiln"):
        js_r, serde_r = [], []
        for row in rows:
            if not row["e2e"]:
                continue
            k = (b["kiln"].get(row["id"]) or {})
            if not k.get("ok"):
                continue
            j = b.get("fhirpath.js", {}).get(row["id"]) or {}
            s = b.get("serde", {}).get(row["id"]) or {}
            if j.get("ok"):
                js_r.append((j["us_per_input"] / k["us_per_input"], row["id"]))
            if s.get("ok"):
                serde_r.append((k["us_per_input"] / s["us_per_input"], row["id"]))
        if js_r:
            worst = min(js_r)
            out.append((f"(b) ≥ 10× fhirpath.js end to end: {sum(r >= 10 for r, _ in js_r)} of {len(js_r)} rows; "
                        f"lowest {worst[0]:.1f}× ({worst[1]})", all(r >= 10 for r, _ in js_r)))
        if serde_r:
            worst = max(serde_r)
            full = [b.get("kiln-full", {}).get(rid, {}) for _, rid in serde_r]
            full_r = [f["us_per_input"] / (b["serde"][rid]["us_per_input"]) for f, (_, rid) in zip(full, serde_r)
                      if f.get("ok")]
            extra = f"; with a full parse (`--full-parse`) worst {max(full_r):.2f}×" if full_r else ""
            out.append((f"(b) within 1.5× of serde_json parsing the same NDJSON: {sum(r <= 1.5 for r, _ in serde_r)} of "
                        f"{len(serde_r)} rows; worst {worst[0]:.2f}× ({worst[1]}){extra}",
                        all(r <= 1.5 for r, _ in serde_r)))
    if results.get("scaling"):
        sp = [(e["speedup"], rid) for rid, e in results["scaling"].items()]
        st = results.get("stream", {})
        s1, s2 = st.get("kiln CLI --threads 1"), st.get("kiln CLI --threads 2")
        extra = ""
        if s1 and s2:
            big = s1["seconds"] / s2["seconds"]
            sp.append((big, "1 GB stream"))
            extra = f"; 1 GB stream {big:.2f}×"
        cli = results.get("b_cli", {})
        short = [cli["--threads 1"][rid]["seconds"] / cli["--threads 2"][rid]["seconds"]
                 for rid in cli.get("--threads 1", {}) if rid in cli.get("--threads 2", {})]
        short_note = (f" (the short per-row runs, start-up included: {min(short):.2f}–{max(short):.2f}×)"
                      if short else "")
        worst = min(sp)
        out.append((f"2 cores: ≥ 1.8× the single-thread throughput (`--threads 2` vs `--threads 1`, inputs ≥ 256 MB): "
                    f"lowest {worst[0]:.2f}× ({worst[1]}){extra}{short_note}", worst[0] >= 1.8))
    elif results.get("meta", {}).get("kiln_cli_flags", {}).get("threads") and results.get("b_cli"):
        cli = results["b_cli"]
        sp = []
        for rid, r1 in cli.get("--threads 1", {}).items():
            r2 = cli.get("--threads 2", {}).get(rid)
            if r2:
                sp.append((r1["seconds"] / r2["seconds"], rid))
        if sp:
            worst = min(sp)
            out.append((f"2 cores: ≥ 1.8× the single-thread throughput (`--threads 2` vs `--threads 1`): lowest "
                        f"{worst[0]:.2f}× ({worst[1]})", worst[0] >= 1.8))
    elif results.get("b_cli") is not None:
        out.append(("2 cores: ≥ 1.8× single-thread throughput with `--threads N`: the CLI has no `--threads` yet", False))
    s = results.get("stream", {})
    kiln_stream = [(k, v) for k, v in s.items() if k.startswith("kiln CLI")]
    if kiln_stream:
        worst = max((v.get("rss_kb") or 0, k) for k, v in kiln_stream)
        out.append((f"Memory: ≤ 100 MB peak RSS over the 1 GB NDJSON: {fmt_mb(worst[0])} ({worst[1]})",
                    worst[0] <= 100 * 1024))
    pr = results.get("parse_rate", {})
    if pr.get("rows"):
        g = pr["rows"].get("p.given", {}).get("parse_per_s", 0)
        out.append((f"Parse ≥ 1,000,000 simple expressions/s: `Patient.name.given` {g:,.0f}/s; "
                    f"the seven issue expressions {pr['parse_per_s_mean_time']:,.0f}/s", g >= 1e6))
    return out


def print_report(results):
    meta = results["meta"]
    log("")
    log(f"FHIRPath benchmark — {meta['date']} — {meta['machine']['cpu']}, {meta['machine']['cores']} cores, "
        f"load {meta['load']['start']} → {meta['load'].get('end')}")
    ta, notes = table_a(results)
    if ta:
        log("\n(a) evaluation, expression compiled once, resources already parsed "
            "(median µs per resource, ms per bundle; ! = some inputs failed, ≠ = result count differs from Kiln's)\n")
        log(ta)
    th = table_hot(results)
    if th:
        log(f"\n(a) the same on the first {HOT_LIMIT['Patient']} resources / {HOT_LIMIT['Bundle']} bundles only "
            "(working set in the CPU caches), µs per resource, ms per bundle\n")
        log(th)
    tb = table_b(results)
    if tb:
        log("\n(b) end to end: NDJSON text → parse → evaluate → JSON result lines (µs per resource, ms per bundle)\n")
        log(tb)
    tsc = table_scaling(results)
    if tsc:
        log("\n(b) 2 cores: kiln CLI --threads 1 vs 2 on the row files repeated to >= 256 MB (median of 3, interleaved)\n")
        log(tsc)
    ts = table_stream(results)
    if ts:
        log("\n(b) streaming the ~1 GB NDJSON file (one pass, wall time incl. start-up)\n")
        log(ts)
    tc = table_c(results)
    if tc:
        log("\n(c) compile time per expression (parse + check + compile, µs, median)\n")
        log(tc)
    pr = parse_rate_lines(results)
    if pr:
        log("")
        for line in pr:
            log(line)
    fails = failures(results)
    if fails:
        log("\nWhat each engine failed on:")
        for engine, items in fails.items():
            log(f"  {engine}: " + "; ".join(f"{rid} ({msg})" for rid, msg in items))
    mm = mismatches(results)
    if mm:
        log("\nResult counts that differ from Kiln's (a):")
        for m in mm:
            log("  " + m)
    tg = targets(results)
    if tg:
        log("\nTargets (issue §2):")
        for text, ok in tg:
            log(f"  [{'met' if ok else 'UNMET'}] {text}")
    log(f"\nMeasuring took {meta.get('duration_s', 0) / 60:.1f} min; results in {os.path.relpath(LATEST, REPO)}")


# ---------------------------------------------------------------- RESULTS.md

def write_results_md(results, path):
    meta = results["meta"]
    m = meta["machine"]
    v = meta["versions"]
    out = []
    w = out.append
    w("# FHIRPath benchmark results\n")
    w("Kiln's FHIRPath against [fhirpath.js](https://www.npmjs.com/package/fhirpath), "
      "tlq-fhirpath and octofhir-fhirpath on the same data and expressions (issue 3 §1). "
      "Generated by `bench/fhirpath/run.sh --write-results` from `results/latest.json`; "
      "see [README.md](README.md) for the protocol.\n")
    w(f"- **Date:** {meta['date']}")
    w(f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['mem_gb']} GB RAM, {m['os']}; shared with other "
      f"engineers' builds — load average at start {meta['load']['start']}, at end {meta['load'].get('end')}, "
      f"highest 1-min load seen at a phase start {max_load(meta)}")
    w(f"- **Command:** `{meta['command']}` ({meta.get('duration_s', 0) / 60:.1f} min of measuring, after the builds)")
    w(f"- **Versions:** Kiln at git `{v.get('kiln_git', '?')}` ({v.get('rustc', '?')}); fhirpath.js "
      f"{v.get('fhirpath.js', '?')} on node {v.get('node', '?')} with its R4 model; tlq-fhirpath {v.get('tlq', '?')} "
      f"with the local R4 StructureDefinitions; octofhir-fhirpath {v.get('octofhir', '?')} with "
      f"octofhir-fhirschema's embedded R4 schemas")
    w(f"- **Data:** {data_line(results)}")
    w("")
    ta, notes = table_a(results, md=True)
    if ta:
        w("## (a) Evaluation: expression compiled once, resources already parsed\n")
        w("Median time per resource in µs (per bundle in ms for the Bundle row); `Kiln /s` is resources "
          "(bundles) per second; `Kiln vs X` is X's time ÷ Kiln's (above 1× Kiln is faster). `!` marks rows where "
          "some inputs failed to evaluate, `≠` a result-item count different from Kiln's (see the notes). "
          "Each engine gets its input in its own form, built before timing: Kiln a `Document` holding only what the expression can reach (`reparse_projected` then `compact`; the `Kiln full tape` column: the whole document), fhirpath.js "
          "`JSON.parse` objects, tlq a `Context` over a `serde_json::Value`, octofhir an `EvaluationContext` "
          "over `FhirPathValue::resource_from_arc` (its converted node tree).\n")
        w(ta)
        w("")
    th = table_hot(results)
    if th:
        w(f"### (a) with the working set in cache\n")
        w(f"The issue's rows again over only the first {HOT_LIMIT['Patient']} Patients / {HOT_LIMIT['Observation']} "
          f"Observations / {HOT_LIMIT['Bundle']} bundles, so the inputs stay in the CPU caches across passes; "
          "the gap to the full-data column is memory stalls, not evaluation work.\n")
        w(th)
        w("")
    tb = table_b(results, md=True)
    if tb:
        w("## (b) End to end: NDJSON file → results\n")
        w("The NDJSON text is in memory; each engine reads it line by line, parses each resource into its "
          "input form (for tlq including its per-resource `Context`, for octofhir its JSON → value conversion), "
          "evaluates, and renders the result as one JSON array line into a string sink. µs per resource (ms per "
          "bundle), median of passes. `serde_json parse` only parses each line into a `serde_json::Value` "
          "(stock serde_json, its own binary) — the floor of target (b); `Kiln ÷ serde` is Kiln's time over it. "
          "`Kiln` parses as `kiln fhirpath eval` does by default (`Document::reparse_projected`: members the "
          "expression can never reach are skipped), `Kiln full parse` builds the whole document "
          "(`Document::reparse`, the CLI's `--full-parse`). `kiln CLI` columns are the wall time of "
          "`kiln fhirpath eval [flags] EXPR FILE > /dev/null` ÷ resources, process start-up included "
          "(median of 5 runs). `Kiln vs X` compares X with `Kiln`.\n")
        w(tb)
        w("")
    tsc = table_scaling(results)
    if tsc:
        w("### Both cores: `--threads 1` against `--threads 2`\n")
        w("Throughput of `kiln fhirpath eval --threads N EXPR FILE > /dev/null` on each (b) row's file repeated "
          "until it holds at least 256 MB (`data/scale-<dataset>.ndjson`), so that process start-up (exec and "
          "model load, about 5 ms, the same for any thread count) does not stand in for throughput; wall time, "
          "median of 3 runs with the two thread counts interleaved. The per-row files' own short runs are the "
          "`kiln CLI` columns of the table above.\n")
        w(tsc)
        w("")
    ts = table_stream(results)
    if ts:
        w("### Streaming the ~1 GB NDJSON file\n")
        w("One pass over `data/big.ndjson` (cloned Patients and Observations), read in 64 KiB blocks, "
          "results to a sink (Kiln CLI: `> /dev/null`). Peak RSS via "
          f"{next(iter(results['stream'].values())).get('rss_via')}.\n")
        w(ts)
        w("")
    tc = table_c(results, md=True)
    if tc:
        w("## (c) Compile time per expression\n")
        w("Parse + check + compile to each engine's executable form (Kiln `Expression::compile`, "
          "fhirpath.js `compile`, tlq `Engine::compile`, octofhir `compile_plan`), median µs. tlq and octofhir "
          "cache plans by source text, so every call gets a never-seen text (the expression plus a unique "
          "whitespace suffix, the same for all engines); their figures include their cache insert.\n")
        w(tc)
        w("")
    pr = parse_rate_lines(results)
    if pr:
        w("### Parse rate\n")
        for line in pr:
            w(f"- {line}")
        w("")
    tg = targets(results)
    if tg:
        w("## Against the targets of issue 3 §2\n")
        for text, ok in tg:
            w(f"- **{'met' if ok else 'unmet'}** — {text}")
        w("")
    issue = issue_table(results)
    if issue:
        w("### The peers against the issue's own measurements\n")
        w("The issue quotes per-resource figures measured earlier on this kind of machine; this run's (a) "
          "figures beside them (µs, ms per bundle), as a check that the peers are driven the same way.\n")
        w(issue)
        w("")
    w("## What each engine could not do\n")
    fails = failures(results)
    if not fails:
        w("Every engine compiled and evaluated every row.")
    for engine, items in fails.items():
        w(f"- **{engine}** ({len(items)} rows):")
        for rid, msg in items:
            w(f"  - `{rid}`: {msg}")
    mm = mismatches(results)
    if mm:
        w("\nResult-item counts that differ from Kiln's in (a) (same inputs, same expression; a difference is "
          "a semantic disagreement, not necessarily a bug on either side):\n")
        for line in mm:
            w(f"- {line}")
    notes = os.path.join(HERE, "notes.md")
    if os.path.exists(notes):
        w("\n## Notes\n")
        with open(notes, encoding="utf-8") as f:
            w(f.read().rstrip())
    w("")
    w("## Rows\n")
    w("The seven rows of the issue, then every core R4 SearchParameter expression (`search-parameters.json`) "
      "whose base is Patient (evaluated over the Patients) or Observation (over the Observations); "
      "parameters sharing one expression share a row.\n")
    body = []
    for row in results["rows"]:
        also = ", ".join(row["search_params"][1:])
        expr = " ".join(row["expr"].split()).replace("|", "\\|")
        body.append([row["id"], row["dataset"], f"`{expr}`" + (f" (also {also})" if also else "")])
    w(table(["row", "over", "expression"], body, ["l", "l", "l"], pad=False))
    w("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def issue_table(results):
    a = results.get("a", {})
    if not a:
        return None
    headers = ["row"] + [f"{p} {w}" for p in PEERS for w in ("issue", "here")]
    body = []
    for row in results["rows"]:
        if not row.get("issue_figures"):
            continue
        line = [row["id"]]
        for p in PEERS:
            line.append(fmt_num(row["issue_figures"][p]))
            line.append(a_cell(a.get(p, {}).get(row["id"]), row, None)[1])
        body.append(line)
    return table(headers, body)


def max_load(meta):
    loads = [v[0] for v in meta["load"].get("phases", {}).values() if v]
    return max(loads) if loads else "?"


def data_line(results):
    files = results["meta"].get("data", {})
    parts = [f"`{n}` {v['lines']:,} lines ({v['bytes'] / 1e6:,.0f} MB)" for n, v in files.items()]
    s = "; ".join(parts)
    if results["meta"].get("quick"):
        s += ("; quick run: (a) on the first " + ", ".join(f"{n:,} {k}" for k, n in QUICK_LIMIT.items())
              + " resources, no 1 GB file")
    return s


# ---------------------------------------------------------------- main

def versions(tools):
    v = {}

    def cmd(c):
        try:
            return subprocess.run(c, capture_output=True, text=True, timeout=30, cwd=REPO).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    v["rustc"] = cmd(["rustc", "--version"])
    v["node"] = cmd(["node", "--version"])
    v["kiln_git"] = cmd(["git", "rev-parse", "--short", "HEAD"])
    if cmd(["git", "status", "--porcelain", "--", "crates"]):
        v["kiln_git"] += " + uncommitted changes in crates/"
    try:
        with open(os.path.join(HERE, "node/node_modules/fhirpath/package.json"), encoding="utf-8") as f:
            v["fhirpath.js"] = json.load(f)["version"]
    except (OSError, ValueError):
        v["fhirpath.js"] = "?"
    lock = os.path.join(HERE, "rust/Cargo.lock")
    if os.path.exists(lock):
        text = open(lock, encoding="utf-8").read()
        for key, crate in (("tlq", "tlq-fhirpath"), ("octofhir", "octofhir-fhirpath")):
            m = re.search(r'name = "' + crate + r'"\nversion = "([^"]+)"', text)
            v[key] = m.group(1) if m else "?"
    return v


def machine():
    cpu = platform.processor() or "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s*(.+)", out)
        if m:
            cpu = m.group(1).strip()
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
            mem = round(kb / 1024 / 1024)
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gb": mem, "os": f"{platform.system()} {platform.release()}"}


def main():
    ap = argparse.ArgumentParser(description="FHIRPath benchmark harness (use run.sh)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", action="append", default=[], help="a, b or c (repeatable, or comma-separated)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--write-results", action="store_true")
    ap.add_argument("--print", action="store_true", help="print the tables of results/latest.json")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    ap.add_argument("--kiln")
    ap.add_argument("--peer-bench")
    ap.add_argument("--serde-baseline")
    ap.add_argument("--command", default="bench/fhirpath/run.sh")
    args = ap.parse_args()

    if args.write_results or args.print:
        if not os.path.exists(LATEST):
            sys.exit(f"harness: {os.path.relpath(LATEST, REPO)} is missing: run bench/fhirpath/run.sh first")
        with open(LATEST, encoding="utf-8") as f:
            results = json.load(f)
        if args.print:
            print_report(results)
        if args.write_results:
            write_results_md(results, os.path.join(HERE, "RESULTS.md"))
            log(f"wrote {os.path.relpath(os.path.join(HERE, 'RESULTS.md'), REPO)} from {os.path.relpath(LATEST, REPO)}")
        return

    only = [x for o in args.only for x in o.split(",") if x] or ["a", "b", "c"]
    bad = [x for x in only if x not in ("a", "b", "c")]
    if bad:
        sys.exit(f"harness: --only takes a, b or c (got {', '.join(bad)})")
    args.only = only
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "kiln" not in args.engines:
        args.engines.insert(0, "kiln")
    tools = Tools(args)
    started = time.time()
    os.makedirs(RESULTS_DIR, exist_ok=True)
    if os.path.isdir(LOGS):
        shutil.rmtree(LOGS)
    rows = build_rows(args.shared, args.quick)
    rows_file = os.path.join(DATA, "rows.json")
    with open(rows_file, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)
    manifest = json.load(open(os.path.join(DATA, "manifest.json"), encoding="utf-8"))
    results = {
        "meta": {
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "command": args.command,
            "quick": args.quick,
            "only": only,
            "engines": args.engines,
            "machine": machine(),
            "load": {"start": load_now(), "phases": {}},
            "versions": versions(tools),
            "kiln_cli_flags": probe_cli(args.kiln),
            "data": manifest["files"],
        },
        "rows": rows,
    }
    log(f"  {len(rows)} rows ({sum(r['headline'] for r in rows)} from the issue, "
        f"{sum(not r['headline'] for r in rows)} SearchParameter expressions); engines: {', '.join(args.engines)}; "
        f"stages: {', '.join(only)}{' (quick)' if args.quick else ''}")
    measure(args, tools, rows, rows_file, results)
    results["meta"]["load"]["end"] = load_now()
    results["meta"]["duration_s"] = time.time() - started
    with open(LATEST, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    if os.path.exists(PARTIAL):
        os.remove(PARTIAL)
    print_report(results)


if __name__ == "__main__":
    main()
