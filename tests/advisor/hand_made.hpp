#pragma once
// Hand-made hosts and measurements for the rule tests: a host whose every number is chosen, so a
// test can move one fact across a rule's threshold and nothing else.
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"
#include "model/watermarks.hpp"

namespace mmtune::advisor::test_hosts {

using facts::kGiB;
using facts::kMiB;

inline facts::HostFacts make_facts(uint64_t gib = 16, int nodes = 1) {
  facts::HostFacts f;
  f.kernel = {"6.1.0-test", 6, 1, 0, std::nullopt};
  f.cpu.online = 4 * nodes;
  f.meminfo.total_bytes = gib * kGiB;
  f.meminfo.free_bytes = gib * kGiB / 2;
  f.meminfo.available_bytes = gib * kGiB * 3 / 4;
  f.meminfo.fields.values = {
      {"MemTotal", gib * kGiB}, {"Committed_AS", gib * kGiB / 8}, {"Hugetlb", 0}};
  f.vmstat.values = {{"nr_active_file", gib * kGiB / 4096 / 8},
                     {"nr_inactive_file", gib * kGiB / 4096 / 8},
                     {"allocstall_normal", 0},
                     {"allocstall_movable", 0},
                     {"pgscan_kswapd", 1000},
                     {"pgscan_direct", 0}};
  const uint64_t managed = gib * kGiB / 4096 / uint64_t(nodes);
  for (int n = 0; n < nodes; ++n) {
    facts::Zone z;
    z.node = n;
    z.name = "Normal";
    z.managed_pages = z.present_pages = z.spanned_pages = managed;
    z.free_pages = managed / 2;
    z.high_pages = managed / 1000;
    z.protection = {0, 0, 0, 0};
    f.zones.push_back(z);
    facts::BuddyZone b;
    b.node = n;
    b.zone = "Normal";
    b.free_blocks = {10, 10, 10, 10, 10, 10, 10, 10, 10, 100, 200};
    f.buddyinfo.push_back(b);
    facts::NumaNode node;
    node.id = n;
    node.cpus = {4 * n, 4 * n + 1, 4 * n + 2, 4 * n + 3};
    for (int m = 0; m < nodes; ++m) node.distances.push_back(m == n ? 10 : 21);
    f.numa.push_back(node);
  }
  const auto expected =
      model::expected_min_free_kbytes(f.zones, /*thp_enabled=*/true, f.kernel).value;
  f.settings.values = {{"vm.swappiness", "60"},
                       {"vm.min_free_kbytes", std::to_string(uint64_t(expected))},
                       {"vm.watermark_scale_factor", "10"},
                       {"vm.watermark_boost_factor", "15000"},
                       {"vm.dirty_ratio", "20"},
                       {"vm.dirty_background_ratio", "10"},
                       {"vm.dirty_bytes", "0"},
                       {"vm.dirty_background_bytes", "0"},
                       {"vm.dirty_expire_centisecs", "3000"},
                       {"vm.dirty_writeback_centisecs", "500"},
                       {"vm.overcommit_memory", "0"},
                       {"vm.overcommit_ratio", "50"},
                       {"vm.zone_reclaim_mode", "0"},
                       {"kernel.numa_balancing", nodes > 1 ? "1" : "0"},
                       {"thp.enabled", "madvise"},
                       {"thp.defrag", "madvise"},
                       {"thp.khugepaged.max_ptes_none", "511"}};
  f.cgroup.version = 2;
  return f;
}

inline void with_swap(facts::HostFacts& f) {
  f.meminfo.swap_total_bytes = f.meminfo.swap_free_bytes = 4 * kGiB;
  f.swaps.push_back({"/swapfile", "file", 4 * kGiB, 0, -2});
}

inline workloads::Measurement m(std::string name, double value, std::string unit) {
  return {std::move(name), value, std::move(unit), "measured", "test", {}};
}

inline StepOutcome step(std::string workload, std::vector<workloads::Measurement> measurements,
                        std::map<std::string, std::vector<double>> host_columns = {}) {
  StepOutcome s;
  s.id = workload;
  s.workload = workload;
  s.result.workload = workload;
  s.result.measurements = std::move(measurements);
  if (!host_columns.empty()) {
    workloads::Series series;
    series.name = "host";
    series.t_s = {0, 1};
    series.columns = std::move(host_columns);
    s.result.series.push_back(series);
  }
  return s;
}

inline ScenarioRun run_of(std::vector<StepOutcome> steps) {
  ScenarioRun run;
  run.profile = "test";
  run.scenario = "quick";
  run.steps = std::move(steps);
  return run;
}

inline const Recommendation& rec(const Advice& advice, std::string_view knob) {
  const Recommendation* r = advice.find(knob);
  if (!r) throw std::runtime_error("no recommendation for " + std::string(knob));
  return *r;
}

inline bool mentions(const Recommendation& r, std::string_view words) {
  return std::any_of(r.rationale.begin(), r.rationale.end(), [&](const std::string& line) {
    return line.find(words) != std::string::npos;
  });
}

}  // namespace mmtune::advisor::test_hosts
