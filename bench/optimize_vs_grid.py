#!/usr/bin/env python3
"""The table of bench/optimize_vs_grid.sh: a grid (mmtune.sweep/1) against optimize runs
(mmtune.optimize/1) of the same workload, objective and constraint.

The grid's best: the setting with the best median objective among those whose median meets the
constraints (bounds from the optimize runs' starting settings, averaged over the seeds). Its noise
band: the interquartile range of its runs. A seed is within the band when its best's runs are not
worse than the grid best's by the test `sweep` and `optimize` use: Mann-Whitney U, two-sided,
p < 0.05 and a median difference of at least 5 %.

Usage: optimize_vs_grid.py GRID.json SEED.json...
"""
import itertools
import json
import statistics
import sys


def mann_whitney_p(a, b):
    """Exact two-sided p of the Mann-Whitney U test, midranks for ties (small samples)."""
    pooled = sorted(a + b)
    ranks = {}
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1] == pooled[i]:
            j += 1
        for k in range(i, j + 1):
            ranks.setdefault(pooled[k], (i + j) / 2 + 1)
        i = j + 1
    all_ranks = [ranks[v] for v in a + b]
    mean_u = len(a) * len(b) / 2
    offset = len(a) * (len(a) + 1) / 2
    u = sum(all_ranks[: len(a)]) - offset
    extreme = total = 0
    for combo in itertools.combinations(all_ranks, len(a)):
        total += 1
        extreme += abs(sum(combo) - offset - mean_u) >= abs(u - mean_u) - 1e-9
    return extreme / total


def main():
    grid = json.load(open(sys.argv[1]))
    seeds = [json.load(open(path)) for path in sys.argv[2:]]
    objective = seeds[0]["objective"]
    metric, maximize = objective["metric"], objective["direction"] == "max"
    sign = -1 if maximize else 1
    bounds = {}
    for c in seeds[0]["constraints"]:
        values = [s["constraints"][i]["bound"] for s in seeds
                  for i, sc in enumerate(s["constraints"]) if sc["text"] == c["text"]]
        bounds[c["text"]] = (c["metric"], c["op"], statistics.mean(values))

    def feasible(metrics):
        for name, op, bound in bounds.values():
            m = metrics.get(name, {}).get("median")
            if m is None or (m < bound if op == ">=" else m > bound):
                return False
        return True

    rows = [s for s in grid["settings"] if metric in s["metrics"] and "median" in s["metrics"][metric]]
    rows = [s for s in rows if feasible(s["metrics"])]
    if not rows:
        sys.exit("no setting of the grid meets the constraints " + ", ".join(bounds))
    best = min(rows, key=lambda s: sign * s["metrics"][metric]["median"])
    samples = best["metrics"][metric]["samples"]
    grid_runs = sum(len(s["runs"]) for s in grid["settings"])
    unit = objective.get("unit", "")
    print(f"grid: {len(grid['settings'])} settings, {grid_runs} runs; best "
          f"{best['settings']}: median {statistics.median(samples):.4g} {unit}, noise band "
          f"(q1–q3) {best['metrics'][metric]['q1']:.4g} – {best['metrics'][metric]['q3']:.4g}")
    print(f"{'seed':>4}  {'runs':>4}  {'median':>10}  {'p vs grid':>9}  within  best setting")
    used = []
    within_all = True
    for s in seeds:
        used.append(s["runs"])
        b = s["best"]
        if b is None:
            print(f"{s['seed']:>4}  {s['runs']:>4}  {'—':>10}  {'—':>9}  no      (nothing feasible)")
            within_all = False
            continue
        p = mann_whitney_p(b["samples"], samples)
        change = (statistics.median(b["samples"]) - statistics.median(samples)) / abs(
            statistics.median(samples))
        worse = sign * change > 0 and p < 0.05 and abs(change) >= 0.05
        within_all &= not worse
        print(f"{s['seed']:>4}  {s['runs']:>4}  {statistics.median(b['samples']):>10.4g}  "
              f"{p:>9.3f}  {'no' if worse else 'yes':<6}  {b['settings']}")
    share = statistics.mean(used) / grid_runs
    print(f"optimize used {statistics.mean(used):.1f} runs on average, {share:.0%} of the grid's; "
          f"goal: every seed within the band ({'met' if within_all else 'missed'}) with at most "
          f"40 % ({'met' if share <= 0.4 else 'missed'})")


if __name__ == "__main__":
    main()
