#!/usr/bin/env python3
"""Generates the FHIRPath benchmark data into bench/fhirpath/data/ (idempotent).

From ../shared/fhir-data:
  Patient.ndjson      10,000 Patients cloned from the 1,144 bulk Patients with new ids
  Observation.ndjson  the 14,547 Observations of the 107 Synthea bundles
  Bundle.ndjson       the 107 Synthea bundles, one per line
  big.ndjson          ~1 GB of cloned Patients + Observations (memory/streaming figures)

Clones differ from their source only in the top-level "id" (a deterministic
UUIDv5). Resource text is kept byte for byte otherwise: the bundles are
minified with Python's own separators, so json.dumps reproduces them exactly
(checked per bundle). Each file is written to a temporary name and renamed, and
skipped when present with the same generator version (data/manifest.json).
"""

import argparse
import glob
import json
import os
import sys
import time
import uuid

VERSION = 1
PATIENTS = 10_000
BIG_BYTES = 1_000_000_000
NAMESPACE = uuid.UUID("6f1b5d2e-6a43-4c1e-9d1e-3b8f6f9c2a10")


def fail(msg):
    print(f"gen_data: {msg}", file=sys.stderr)
    sys.exit(1)


def dumps(resource):
    return json.dumps(resource, separators=(",", ":"), ensure_ascii=False)


class Template:
    """A resource's compact text split around its top-level id, to clone cheaply."""

    def __init__(self, text):
        head = '{"resourceType":"'
        if not text.startswith(head):
            fail(f"unexpected resource start: {text[:60]!r}")
        rt_end = text.index('"', len(head))
        id_key = text.find('"id":"', rt_end)
        if id_key != rt_end + 2:
            fail(f"resource without a leading id: {text[:80]!r}")
        start = id_key + len('"id":"')
        end = text.index('"', start)
        self.prefix, self.id, self.suffix = text[:start], text[start:end], text[end:]

    def clone(self, tag):
        new_id = str(uuid.uuid5(NAMESPACE, f"{tag}/{self.id}"))
        return f"{self.prefix}{new_id}{self.suffix}"


def load_patients(shared):
    path = os.path.join(shared, "fhir-data/bulk-ndjson-1000-patients/Patient.000.ndjson")
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    if len(lines) != 1144:
        print(f"gen_data: note: {len(lines)} source Patients (expected 1,144)", file=sys.stderr)
    return [Template(line) for line in lines]


def load_bundles(shared):
    files = sorted(glob.glob(os.path.join(shared, "fhir-data/synthea-r4-bundles/*.json")))
    if not files:
        fail(f"no bundles under {shared}/fhir-data/synthea-r4-bundles")
    bundles, observations = [], []
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        bundle = json.loads(text)
        if dumps(bundle) != text:
            fail(f"{path}: not in the expected minified form (its Observations would change)")
        bundles.append(text)
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") == "Observation":
                observations.append(dumps(resource))
    return bundles, observations


def write_lines(path, lines):
    """Writes an iterable of lines to path atomically; returns (count, bytes)."""
    tmp = path + ".tmp"
    count = size = 0
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
            count += 1
            size += len(line.encode("utf-8")) + 1
    os.replace(tmp, path)
    return count, size


def big_lines(patients, observations):
    obs = [Template(o) for o in observations]
    written = 0
    k = 0
    while written < BIG_BYTES:
        for t in patients:
            line = t.clone(f"big/{k}")
            written += len(line) + 1
            yield line
        for t in obs:
            line = t.clone(f"big/{k}")
            written += len(line) + 1
            yield line
        k += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", required=True, help="the shared/ folder beside the repo")
    ap.add_argument("--out", required=True, help="bench/fhirpath/data")
    ap.add_argument("--no-big", action="store_true", help="skip the ~1 GB file")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        if manifest.get("version") != VERSION:
            manifest = {}
    files = manifest.setdefault("files", {})
    manifest["version"] = VERSION

    def present(name):
        return name in files and os.path.exists(os.path.join(args.out, name)) and \
            os.path.getsize(os.path.join(args.out, name)) == files[name]["bytes"]

    wanted = ["Patient.ndjson", "Observation.ndjson", "Bundle.ndjson"]
    if not args.no_big:
        wanted.append("big.ndjson")
    if all(present(n) for n in wanted):
        print("  data: present (" + ", ".join(f"{n} {files[n]['lines']:,} lines" for n in wanted) + ")")
        return
    t0 = time.time()
    patients = load_patients(args.shared)
    bundles, observations = load_bundles(args.shared)
    jobs = {
        "Patient.ndjson": lambda: (patients[i % len(patients)].clone(f"patient/{i // len(patients)}")
                                   for i in range(PATIENTS)),
        "Observation.ndjson": lambda: iter(observations),
        "Bundle.ndjson": lambda: iter(bundles),
        "big.ndjson": lambda: big_lines(patients, observations),
    }
    for name in wanted:
        if present(name):
            continue
        t = time.time()
        count, size = write_lines(os.path.join(args.out, name), jobs[name]())
        files[name] = {"lines": count, "bytes": size}
        print(f"  data: wrote {name}: {count:,} lines, {size / 1e6:,.1f} MB in {time.time() - t:.1f} s")
        with open(manifest_path, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
    print(f"  data: ready in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
