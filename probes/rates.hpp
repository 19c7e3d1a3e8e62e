#pragma once
// What `mmtune probe` prints per tick, computed from two Samples: per-second rates of the
// cumulative counters, gauges converted to MiB, reclaim efficiency, PSI as a share of the
// interval. One table of metrics drives the table, CSV and JSONL output and the workload runner's
// time series, so their names agree.
#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <string_view>

#include "probes/sampler.hpp"

namespace mmtune::probes {

enum class Metric : uint8_t {
  // host
  minflt_s,         // minor faults/s (pgfault − pgmajfault)
  majflt_s,         // major faults/s
  scan_kswapd_s,    // pages/s scanned by kswapd
  scan_direct_s,    // pages/s scanned in direct reclaim
  steal_kswapd_s,   // pages/s reclaimed by kswapd
  steal_direct_s,   // pages/s reclaimed in direct reclaim
  reclaim_eff_pct,  // 100 · steal / scan (kswapd + direct) over the interval; absent without
                    // scanning
  allocstall_s,     // direct-reclaim entries/s
  compact_stall_s,  // direct-compaction entries/s
  thp_alloc_s,      // THP fault allocations/s
  thp_fallback_s,   // THP fault fallbacks/s
  pswpin_s,         // pages/s swapped in
  pswpout_s,        // pages/s swapped out
  refault_s,        // workingset refaults/s
  dirty_mib,        // nr_dirty now
  writeback_mib,    // nr_writeback now
  free_mib,         // free pages summed over zones now
  min_mib,          // min watermarks (with boost) summed over zones
  low_mib,          // low watermarks: kswapd wakes below
  high_mib,         // high watermarks: kswapd sleeps above
  psi_some_pct,     // share of the interval some task stalled on memory
  psi_full_pct,     // share of the interval all non-idle tasks stalled
  // process (--pid)
  pid_minflt_s,
  pid_majflt_s,
  pid_rss_mib,
  // cgroup (--cgroup)
  cg_minflt_s,
  cg_majflt_s,
  cg_scan_s,
  cg_steal_s,
  cg_refault_s,
  cg_mem_mib,  // memory.current / usage_in_bytes
  cg_dirty_mib,
  cg_writeback_mib,
  cg_oom_kills,  // OOM kills since the first sample
  cg_psi_some_pct,
  cg_psi_full_pct,
  count_
};
inline constexpr size_t kMetricCount = static_cast<size_t>(Metric::count_);

enum class Scope : uint8_t { host, process, cgroup };

struct MetricInfo {
  Metric metric;
  std::string_view name;    // JSONL key and CSV column: "minflt_s"
  std::string_view header;  // table header: "minflt/s"
  std::string_view unit;    // "1/s", "pages/s", "MiB", "%", "count"
  Scope scope;
  int decimals;  // digits after the point in CSV/JSONL
};

// Every metric, in output order.
std::span<const MetricInfo> metrics();
const MetricInfo& metric_info(Metric metric);

struct Row {
  int64_t mono_ns = 0;  // CLOCK_MONOTONIC of the later sample
  double t_s = 0;       // seconds since the first sample
  std::array<double, kMetricCount> values{};
  std::bitset<kMetricCount> present;

  bool has(Metric m) const { return present.test(static_cast<size_t>(m)); }
  double operator[](Metric m) const { return values[static_cast<size_t>(m)]; }
};

// The row for the interval before → after; first is the run's first sample (for t_s and the
// since-start counts). No allocation.
void compute_row(const Sample& first, const Sample& before, const Sample& after, Row& out);

}  // namespace mmtune::probes
