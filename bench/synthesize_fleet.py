#!/usr/bin/env python3
"""Synthesise a fleet of host results from real ones, for `mmtune fleet` at scale (bench/fleet_bench.sh).

Takes a real `mmtune tune` JSON and a real `mmtune check --json` document and writes, for each of
--hosts hosts, DIR/<hostname>/mmtune-tune-<profile>.json and, for some, check.json: the real
documents with the host's identity, settings, advice, measurements and check verdicts varied:

  shapes        kernel release × memory × NUMA nodes × profile, a few common, many rare (Zipf)
  identity      hostname, a random /etc/machine-id turned into mmtune's application-specific id as
                probes::app_specific_machine_id does (HMAC-SHA256, systemd's construction)
  settings      the real host's, with each group's own standard for a few knobs, and ~3 % of hosts
                drifted on one knob
  advice        each profile's recommended values held against the host's current ones
  measurements  the real values × a per-group factor × log-normal noise (σ 5 %); ~0.5 % of hosts
                ×4 or ×0.25 on one step (the outliers the report must find)
  checks        ~30 % of hosts ran a check; ~2 % of those regressed on one metric

The time series, phases and host facts of each step are the real ones, copied verbatim: they are
most of a document's bytes, so the files are the size real ones are (~320 KB). Deterministic for a
given --seed. The documents are synthetic: they show the report at scale, not real advice.
"""
import argparse
import copy
import hashlib
import hmac
import json
import os
import random

APP_ID = bytes.fromhex("8cdf0575226c49c19e182e8bee290ffb")  # probes::kMachineAppId
GIB = 1 << 30

KERNELS = ["6.1.0-28-amd64", "6.1.0-31-amd64", "6.12.12-amd64", "5.15.0-126-generic",
           "6.8.0-51-generic", "4.18.0-553.el8_10.x86_64"]
MEMORY_GIB = [16, 32, 64, 128, 256, 512]
PROFILES = {  # what each profile's advice recommends, for the knobs it covers
    "general": {"vm.swappiness": "60", "vm.watermark_scale_factor": "10", "vm.dirty_ratio": "20",
                "vm.dirty_background_ratio": "10", "thp.enabled": "madvise", "thp.defrag": "madvise"},
    "database": {"vm.swappiness": "1", "vm.watermark_scale_factor": "200", "vm.dirty_ratio": "10",
                 "vm.dirty_background_ratio": "3", "thp.enabled": "never", "thp.defrag": "never",
                 "vm.overcommit_memory": "0"},
    "latency-sensitive": {"vm.swappiness": "10", "vm.watermark_scale_factor": "100",
                          "vm.dirty_ratio": "10", "vm.dirty_background_ratio": "5",
                          "thp.enabled": "madvise", "thp.defrag": "defer+madvise",
                          "vm.min_free_kbytes": "262144"},
    "cache-fork-snapshot": {"vm.swappiness": "1", "vm.overcommit_memory": "1",
                            "thp.enabled": "never", "thp.defrag": "never", "vm.dirty_ratio": "20"},
}
# What hosts of a group have, before drift: mostly the distribution's defaults, some already tuned.
STANDARDS = [{}, {"vm.swappiness": "10"}, {"vm.swappiness": "1", "thp.enabled": "never"},
             {"vm.dirty_ratio": "10", "vm.dirty_background_ratio": "5"},
             {"vm.watermark_scale_factor": "100"}, {"thp.enabled": "always", "thp.defrag": "always"}]
DRIFT = {"vm.swappiness": ["0", "30", "100"], "vm.dirty_ratio": ["5", "40"],
         "vm.min_free_kbytes": ["45056", "1048576"], "thp.enabled": ["always", "never"],
         "vm.max_map_count": ["262144", "1048576"], "vm.zone_reclaim_mode": ["1"]}


def app_specific(machine_id: bytes) -> str:
    digest = bytearray(hmac.new(machine_id, APP_ID, hashlib.sha256).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


def make_shapes(rng, count):
    shapes = []
    for _ in range(count):
        mem = rng.choice(MEMORY_GIB)
        nodes = 1 if mem < 128 else rng.choice([1, 2, 2, 4])
        shapes.append({"kernel": rng.choice(KERNELS), "mem_gib": mem, "nodes": nodes,
                       "profile": rng.choice(list(PROFILES)), "standard": rng.choice(STANDARDS),
                       "factor": rng.lognormvariate(0, 0.3)})
    weights = [1 / (i + 1) for i in range(count)]  # Zipf: a few shapes hold most hosts
    return shapes, weights


def strip_big(tune):
    """The document with each step's verbatim parts (series, phases, host) as tokens, and those parts."""
    skeleton = copy.deepcopy(tune)
    parts = {}
    for i, step in enumerate(skeleton["scenario"]["steps"]):
        for key in ("series", "phases", "host"):
            token = f"@@{i}-{key}@@"
            parts[f'"{token}"'] = json.dumps(step["result"][key], indent=2)
            step["result"][key] = token
    return skeleton, parts


def host_document(rng, skeleton_text, shape, outlier):
    doc = json.loads(skeleton_text)  # a fresh copy, faster than copy.deepcopy
    settings = dict(doc["scenario"]["host"]["settings"])
    settings.update(shape["standard"])
    if rng.random() < 0.03:
        knob = rng.choice(list(DRIFT))
        settings[knob] = rng.choice(DRIFT[knob])
    doc["scenario"]["host"]["settings"] = settings
    recommendations = []
    template = doc["advice"]["recommendations"][0]
    for knob, recommended in PROFILES[shape["profile"]].items():
        r = dict(template, knob=knob, current=settings.get(knob), recommended=recommended)
        r["action"] = "keep" if r["current"] == recommended else "set"
        r["confidence"] = rng.choice(["low", "medium", "high"])
        recommendations.append(r)
    doc["advice"]["recommendations"] = recommendations
    doc["advice"]["profile"]["name"] = doc["scenario"]["profile"] = shape["profile"]
    for s, step in enumerate(doc["scenario"]["steps"]):
        scale = shape["factor"] * rng.lognormvariate(0, 0.05)
        if outlier is not None and outlier[0] == s:
            scale *= outlier[1]
        for m in step["result"]["measurements"]:
            if isinstance(m.get("value"), (int, float)) and m.get("source") != "model":
                m["value"] = m["value"] * scale
    return doc


def identity(rng, shape, hostname):
    return {"hostname": hostname, "machine_id": app_specific(rng.randbytes(16)),
            "kernel": shape["kernel"], "cpu_model": "AMD EPYC 7B13 64-Core Processor",
            "mem_total_bytes": shape["mem_gib"] * GIB - rng.randrange(200, 400) * (1 << 20),
            "numa_nodes": shape["nodes"], "profile": shape["profile"]}


def check_document(rng, check, ident, regressed):
    doc = copy.deepcopy(check)
    doc["identity"] = ident
    doc["profile"] = "ci-smoke"
    performance = [t for t in doc["tests"] if t["suite"] == "performance"]
    if regressed and performance:
        victim = rng.choice(performance)
        victim.update(status="fail", verdict="regressed", summary="worse beyond the allowance")
    return doc


def write(path, skeleton_text, parts):
    for token, text in parts.items():
        skeleton_text = skeleton_text.replace(token, text)
    with open(path, "w") as f:
        f.write(skeleton_text + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tune", required=True, help="a real mmtune-tune-PROFILE.json")
    ap.add_argument("--check", required=True, help="a real `mmtune check --json` document")
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--shapes", type=int, default=24)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tune = json.load(open(args.tune))
    check = json.load(open(args.check))
    skeleton, parts = strip_big(tune)
    skeleton_text = json.dumps(skeleton)
    shapes, weights = make_shapes(rng, args.shapes)
    steps = len(tune["scenario"]["steps"])
    for i in range(args.hosts):
        shape = rng.choices(shapes, weights)[0]
        hostname = f"{shape['profile'][:2]}-{i:05d}"
        outlier = (rng.randrange(steps), rng.choice([4.0, 0.25])) if rng.random() < 0.005 else None
        doc = host_document(rng, skeleton_text, shape, outlier)
        doc["identity"] = doc["advice"]["identity"] = identity(rng, shape, hostname)
        directory = os.path.join(args.out, hostname)
        os.makedirs(directory, exist_ok=True)
        # The small varied part compact (Python's C encoder), the verbatim parts indented as mmtune
        # writes them: the file keeps the size of a real one.
        write(os.path.join(directory, f"mmtune-tune-{shape['profile']}.json"), json.dumps(doc),
              parts)
        if rng.random() < 0.3:
            with open(os.path.join(directory, "check.json"), "w") as f:
                json.dump(check_document(rng, check, doc["identity"], rng.random() < 0.02), f)
    print(f"{args.hosts} hosts in {args.out}")


if __name__ == "__main__":
    main()
