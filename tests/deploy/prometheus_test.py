#!/usr/bin/env python3
"""`mmtune export --prometheus` against the real tools: promtool accepts the file, a real
prometheus-node-exporter (started here on 127.0.0.1) serves it through its textfile collector, and
every value it serves is the one in mmtune's own JSON (the model's thresholds from `mmtune host
--json`, the counters from the recorded /proc/vmstat, the advice, the run's comparisons, the
check's tests). Then a real Prometheus scrapes that node_exporter and evaluates every query of the
Grafana dashboard: each must return data.

Usage: prometheus_test.py MMTUNE SOURCE_DIR. Exit 77 (skipped) when promtool or
prometheus-node-exporter is missing (scripts/install-deps.sh installs them).
"""
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SKIP = 77
HOST = "numa2-5.15"  # a recorded host with two NUMA nodes: zone labels on both
PAGE = 4096


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{(name, frozenset(labels)): value} of every sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        pairs = frozenset((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                          for k, v in LABEL.findall(labels or ""))
        samples[(name, pairs)] = float(value)
    return samples


def value(samples, name, **labels):
    key = (name, frozenset(labels.items()))
    assert key in samples, f"{name}{labels} is not served"
    return samples[key]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_values(samples, mmtune, source, work):
    """Every kind of metric against mmtune's JSON for the same inputs."""
    host = json.loads(run(mmtune, "host", "--root", f"{source}/tests/data/hosts/{HOST}", "--json").stdout)
    thresholds = host["thresholds"]
    for zone in thresholds["zones"]:
        labels = {"node": str(zone["node"]), "zone": zone["zone"]}
        assert value(samples, "mmtune_model_zone_min_bytes", **labels) == zone["direct_reclaim_below_bytes"]
        assert value(samples, "mmtune_model_zone_low_bytes", **labels) == zone["kswapd_wakes_below_bytes"]
        assert value(samples, "mmtune_model_zone_high_bytes", **labels) == zone["kswapd_sleeps_at_bytes"]
    dirty = thresholds["dirty"]
    assert value(samples, "mmtune_model_dirty_limit_bytes") == dirty["hard_limit_bytes"]
    assert value(samples, "mmtune_model_dirty_background_bytes") == dirty["background_bytes"]
    assert value(samples, "mmtune_model_dirty_freerun_ceiling_bytes") == dirty["throttle_from_bytes"]
    print(f"model thresholds: {len(thresholds['zones'])} zones and the dirty thresholds equal `mmtune host --json`")

    vmstat = dict(line.split() for line in open(f"{source}/tests/data/hosts/{HOST}/proc/vmstat"))
    assert value(samples, "mmtune_reclaim_scanned_bytes_total", by="direct") == int(vmstat["pgscan_direct"]) * PAGE
    assert value(samples, "mmtune_allocation_stalls_total", zone="Normal") == int(vmstat["allocstall_normal"])
    assert value(samples, "mmtune_compaction_stalls_total") == int(vmstat["compact_stall"])
    assert value(samples, "mmtune_thp_fault_fallback_total") == int(vmstat["thp_fault_fallback"])
    assert value(samples, "mmtune_kernel_dirty_limit_bytes") == int(vmstat["nr_dirty_threshold"]) * PAGE
    print("vmstat counters: equal the recorded /proc/vmstat (pages in bytes)")

    tune = json.load(open(f"{work}/results/mmtune-tune-ci-tiny.json"))
    recommendations = tune["advice"]["recommendations"]
    for r in recommendations:
        assert value(samples, "mmtune_recommendation_info", knob=r["knob"], current=r["current"] or "",
                     recommended=r["recommended"], action=r["action"], confidence=r["confidence"]) == 1
    changes = sum(r["action"] == "set" for r in recommendations)
    assert value(samples, "mmtune_recommendation_changes", profile="ci-tiny") == changes
    comparisons = 0
    for step in tune["scenario"]["steps"]:
        result = step["result"]
        assert value(samples, "mmtune_run_step_status", step=step["id"], status=result["verdict"]["status"]) == 1
        assert close(value(samples, "mmtune_run_step_duration_seconds", step=step["id"]), result["wall_s"])
        for c in result["comparisons"]:
            assert close(value(samples, "mmtune_run_model_deviation_ratio", step=step["id"], metric=c["metric"]),
                         c["deviation"])
            comparisons += 1
    assert comparisons > 0
    print(f"advice and run: {len(recommendations)} recommendations, {comparisons} model comparisons equal the tune JSON")

    check = json.load(open(f"{work}/results/check.json"))
    for status, count in (("pass", "passed"), ("fail", "failed"), ("skip", "skipped")):
        served = sum(v for (name, labels), v in samples.items()
                     if name == "mmtune_check_tests" and ("status", status) in labels)
        assert served == check["counts"][count], (status, served, check["counts"])
    for m in check["metrics"]:
        assert close(value(samples, "mmtune_check_metric_change_ratio", metric=m["name"]), m["change"])
        assert value(samples, "mmtune_check_metric_verdict", metric=m["name"], verdict=m["verdict"]) == 1
    assert value(samples, "mmtune_check_passed") == (1 if check["counts"]["failed"] == 0 else 0)
    print(f"check: {len(check['tests'])} tests and {len(check['metrics'])} metric verdicts equal the check JSON")


def dashboard_queries(source):
    dashboard = json.load(open(f"{source}/deploy/grafana/mmtune-dashboard.json"))
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"]
            for target in panel.get("targets", [])]


def query(prometheus_port, expr):
    api = f"http://127.0.0.1:{prometheus_port}/api/v1/query?query="
    with urllib.request.urlopen(api + urllib.parse.quote(expr), timeout=5) as response:
        answer = json.load(response)
    assert answer["status"] == "success", (expr, answer)
    return answer


def wait_for_scrapes(prometheus_port, count, seconds=60):
    """Until Prometheus has scraped node_exporter `count` times, so rate() has samples."""
    deadline = time.monotonic() + seconds
    while True:
        result = query(prometheus_port, 'count_over_time(up{job="node"}[5m])')["data"]["result"]
        if result and int(result[0]["value"][1]) >= count:
            return
        assert time.monotonic() < deadline, f"Prometheus did not scrape node_exporter {count} times"
        time.sleep(0.5)


def check_dashboard(prometheus_port, source, instance):
    """Every query of the dashboard, as Grafana would send it for this host, returns data."""
    queries = dashboard_queries(source)
    for title, expr in queries:
        grafana_query = expr.replace("$instance", instance).replace("$__rate_interval", "1m")
        answer = query(prometheus_port, grafana_query)
        assert answer["data"]["result"], f"panel {title!r}: {grafana_query} returned no data"
    print(f"dashboard: all {len(queries)} queries of {len(set(t for t, _ in queries))} panels return data from Prometheus")


def start(args, log):
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)


def main():
    mmtune, source = sys.argv[1], sys.argv[2]
    for tool in ("promtool", "prometheus-node-exporter", "prometheus"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (scripts/install-deps.sh installs it)")
            return SKIP
    started = time.monotonic()
    processes = []
    with tempfile.TemporaryDirectory(prefix="mmtune-prometheus-") as work:
        try:
            os.makedirs(f"{work}/results")
            os.makedirs(f"{work}/textfile")
            run(mmtune, "tune", "--profile", f"{source}/tests/data/profiles/ci-tiny.json", "-o", f"{work}/results")
            shutil.copy(f"{source}/tests/data/reports/check-ci-smoke.json", f"{work}/results/check.json")
            prom = f"{work}/textfile/mmtune.prom"
            run(mmtune, "--root", f"{source}/tests/data/hosts/{HOST}", "export", "--prometheus", prom,
                f"{work}/results")
            assert os.listdir(f"{work}/textfile") == ["mmtune.prom"], os.listdir(f"{work}/textfile")
            text = open(prom).read()

            with open(prom) as stdin:
                lint = subprocess.run(["promtool", "check", "metrics"], stdin=stdin, capture_output=True, text=True)
            print(f"promtool check metrics: exit {lint.returncode}, {len(text.splitlines())} lines, "
                  f"output: {(lint.stdout + lint.stderr).strip() or '(none)'}")
            assert lint.returncode == 0

            port = free_port()
            log = open(f"{work}/node_exporter.log", "w")
            processes.append(start(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
                                    f"--collector.textfile.directory={work}/textfile"], log))
            scrape = wait_for(f"http://127.0.0.1:{port}/metrics")
            samples = parse_exposition(scrape)
            assert value(samples, "node_textfile_scrape_error") == 0
            served = {k: v for k, v in samples.items() if k[0].startswith("mmtune_")}
            assert served == parse_exposition(text), "node_exporter serves other mmtune values than the file has"
            print(f"node_exporter on 127.0.0.1:{port}: serves {len(served)} mmtune samples of "
                  f"{len({k[0] for k in served})} metrics, node_textfile_scrape_error 0")
            check_values(samples, mmtune, source, work)

            prometheus_port = free_port()
            with open(f"{work}/prometheus.yml", "w") as config:
                config.write("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: node\n"
                             f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n")
            processes.append(start(["prometheus", f"--config.file={work}/prometheus.yml",
                                    f"--storage.tsdb.path={work}/tsdb",
                                    f"--web.listen-address=127.0.0.1:{prometheus_port}"], log))
            wait_for(f"http://127.0.0.1:{prometheus_port}/-/ready")
            wait_for_scrapes(prometheus_port, 4)
            check_dashboard(prometheus_port, source, f"127.0.0.1:{port}")
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
    print(f"passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
