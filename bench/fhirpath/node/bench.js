#!/usr/bin/env node
// bench.js: measures fhirpath.js (npm fhirpath@5.2.0, R4 model) with the same
// protocol as the Rust driver (bench/fhirpath/rust), printing JSON on stdout.
//
//   node bench.js a      --rows ROWS.json --data DIR [--limit N] [--budget S] [--min-passes N] [--row ID]
//   node bench.js b      --rows ROWS.json --data DIR [--budget S] [--min-passes N] [--row ID]
//   node bench.js c      --rows ROWS.json [--budget S] [--row ID]
//   node bench.js stream --expr EXPR --file FILE.ndjson
//
// (a) evaluation over resources already parsed with JSON.parse, expression
// compiled once; (b) NDJSON text in memory -> JSON.parse -> evaluate ->
// JSON.stringify into a sink; (c) fhirpath.compile() time on never-seen text.
'use strict';

const fs = require('fs');
const path = require('path');
const { StringDecoder } = require('string_decoder');
const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

function parseArgs(argv) {
  const o = { mode: argv[0], budget: 1.0, minPasses: 3 };
  for (let i = 1; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--rows': o.rows = value; break;
      case '--data': o.data = value; break;
      case '--limit': o.limit = Number(value); break;
      case '--budget': o.budget = Number(value); break;
      case '--min-passes': o.minPasses = Number(value); break;
      case '--row': o.row = value; break;
      case '--expr': o.expr = value; break;
      case '--file': o.file = value; break;
      case '--engine': break; // accepted for symmetry with the Rust driver
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return o;
}

function loadRows(o) {
  const rows = JSON.parse(fs.readFileSync(o.rows, 'utf8'))
    .filter((r) => o.row === undefined || r.id === o.row);
  rows.sort((a, b) => (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0));
  return rows;
}

function readLines(file, limit) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return limit ? lines.slice(0, limit) : lines;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

function median(xs) {
  if (xs.length === 0) return 0;
  const v = [...xs].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

function newPass() {
  return { items: 0, errors: 0, first_error: null, inputs: 0, out_bytes: 0 };
}

function fail(pass, e) {
  pass.errors += 1;
  if (pass.first_error === null) pass.first_error = String(e && e.message ? e.message : e);
}

// Warm up (JIT tiers need more than one pass: at least 2 passes and 0.3 s),
// then time passes until the budget is spent and at least minPasses ran.
function runPasses(budget, minPasses, maxPasses, pass) {
  let last;
  const warm = now();
  for (let i = 0; i < 20 && (i < 2 || now() - warm < 0.3); i++) last = pass();
  const passes = [];
  let spent = 0;
  while (passes.length < maxPasses && (passes.length < minPasses || spent < budget)) {
    const t = now();
    last = pass();
    const d = now() - t;
    spent += d;
    passes.push(d);
  }
  return { passes, last };
}

function compile(expr) {
  return fhirpath.compile(expr, r4);
}

function modeA(o) {
  const rows = loadRows(o);
  const results = {};
  let current = null;
  let inputs = null;
  for (const row of rows) {
    if (current !== row.dataset) {
      inputs = null;
      const t = now();
      inputs = readLines(path.join(o.data, `${row.dataset}.ndjson`), o.limit).map((l) => JSON.parse(l));
      current = row.dataset;
      process.stderr.write(`  prepared ${inputs.length} ${row.dataset} inputs in ${(now() - t).toFixed(1)} s\n`);
    }
    let fn;
    try {
      fn = compile(row.expr);
    } catch (e) {
      results[row.id] = { ok: false, stage: 'compile', error: String(e.message || e) };
      continue;
    }
    const t = runPasses(o.budget, o.minPasses, 200, () => {
      const p = newPass();
      for (const res of inputs) {
        try {
          p.items += fn(res).length;
        } catch (e) {
          fail(p, e);
        }
      }
      p.inputs = inputs.length;
      return p;
    });
    const allFailed = t.last.errors > 0 && t.last.errors === inputs.length;
    results[row.id] = {
      ok: !allFailed,
      stage: allFailed ? 'eval' : null,
      error: allFailed ? t.last.first_error : null,
      us_per_input: (median(t.passes) / Math.max(1, inputs.length)) * 1e6,
      resources: inputs.length,
      passes: t.passes.length,
      pass_seconds: t.passes,
      last: t.last,
    };
    process.stderr.write(`  a ${row.id}: done\n`);
  }
  return { mode: 'a', rows: results };
}

// One end-to-end pass over NDJSON lines supplied by `nextLine` (null at the end).
function e2ePass(fn, nextLine) {
  const p = newPass();
  let chunks = [];
  let chunkLen = 0;
  let line;
  while ((line = nextLine()) !== null) {
    if (line.trim() === '') continue;
    p.inputs += 1;
    let res;
    try {
      res = JSON.parse(line);
    } catch (e) {
      fail(p, e);
      continue;
    }
    try {
      const out = fn(res);
      p.items += out.length;
      const text = JSON.stringify(out);
      chunks.push(text);
      chunkLen += text.length + 1;
      if (chunkLen >= 1 << 20) {
        p.out_bytes += Buffer.byteLength(chunks.join('\n') + '\n');
        chunks = [];
        chunkLen = 0;
      }
    } catch (e) {
      fail(p, e);
    }
  }
  if (chunks.length) p.out_bytes += Buffer.byteLength(chunks.join('\n') + '\n');
  return p;
}

function linesOf(text) {
  let pos = 0;
  return () => {
    if (pos >= text.length) return null;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = end + 1;
    return line;
  };
}

function modeB(o) {
  const rows = loadRows(o).filter((r) => r.e2e || o.row !== undefined);
  const results = {};
  for (const row of rows) {
    const file = path.join(o.data, `${row.dataset}.ndjson`);
    const text = fs.readFileSync(file, 'utf8');
    const bytes = fs.statSync(file).size;
    let fn;
    try {
      fn = compile(row.expr);
    } catch (e) {
      results[row.id] = { ok: false, stage: 'compile', error: String(e.message || e) };
      continue;
    }
    const t = runPasses(o.budget, o.minPasses, 50, () => e2ePass(fn, linesOf(text)));
    const med = median(t.passes);
    results[row.id] = {
      ok: t.last.errors < t.last.inputs,
      us_per_input: (med / Math.max(1, t.last.inputs)) * 1e6,
      seconds: med,
      bytes,
      mb_per_s: bytes / med / 1e6,
      resources: t.last.inputs,
      passes: t.passes.length,
      pass_seconds: t.passes,
      last: t.last,
    };
    process.stderr.write(`  b ${row.id}: done\n`);
  }
  return { mode: 'b', rows: results };
}

// A whitespace suffix unique for n (the Rust driver uses the same scheme).
function uniqueSource(expr, n) {
  let s = expr + ' ';
  do {
    s += [' ', '\t', '\n'][n % 3];
    n = Math.floor(n / 3);
  } while (n > 0);
  return s;
}

function modeC(o) {
  const rows = loadRows(o);
  const results = {};
  const batches = Math.min(15, Math.max(3, Math.round(o.budget * 7)));
  let n = 0;
  for (const row of rows) {
    try {
      compile(row.expr);
    } catch (e) {
      results[row.id] = { ok: false, stage: 'compile', error: String(e.message || e) };
      continue;
    }
    const op = () => compile(uniqueSource(row.expr, n++));
    for (let i = 0; i < 50; i++) op();
    let batch = 1;
    for (;;) {
      const t = now();
      for (let i = 0; i < batch; i++) op();
      if (now() - t >= 0.01 || batch >= 2000) break;
      batch = Math.min(batch * 4, 2000);
    }
    const per = [];
    for (let b = 0; b < batches; b++) {
      const t = now();
      for (let i = 0; i < batch; i++) op();
      per.push((now() - t) / batch);
    }
    results[row.id] = { ok: true, us_per_compile: median(per) * 1e6 };
  }
  return { mode: 'c', rows: results };
}

function modeStream(o) {
  const fn = compile(o.expr);
  const fd = fs.openSync(o.file, 'r');
  const bytes = fs.fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(1 << 16);
  const decoder = new StringDecoder('utf8');
  let pending = [];
  let rest = '';
  let eof = false;
  const nextLine = () => {
    for (;;) {
      if (pending.length) return pending.pop();
      if (eof) return null;
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) {
        eof = true;
        const last = rest + decoder.end();
        rest = '';
        if (last !== '') return last;
        return null;
      }
      const parts = (rest + decoder.write(buf.subarray(0, n))).split('\n');
      rest = parts.pop();
      pending = parts.reverse();
    }
  };
  const t = now();
  const p = e2ePass(fn, nextLine);
  const secs = now() - t;
  fs.closeSync(fd);
  return {
    mode: 'stream',
    seconds: secs,
    bytes,
    mb_per_s: bytes / secs / 1e6,
    us_per_input: (secs / Math.max(1, p.inputs)) * 1e6,
    last: p,
    vm_hwm_kb: process.resourceUsage().maxRSS,
  };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = now();
  const modes = { a: modeA, b: modeB, c: modeC, stream: modeStream };
  if (!modes[o.mode]) throw new Error(`unknown mode ${o.mode}`);
  const out = modes[o.mode](o);
  out.engine = 'fhirpath.js';
  out.version = require('fhirpath/package.json').version;
  out.node = process.version;
  out.wall_seconds = now() - started;
  process.stdout.write(JSON.stringify(out) + '\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench.js: ${e.stack || e}\n`);
  process.exit(1);
}
