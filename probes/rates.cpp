#include "probes/rates.hpp"

#include "facts/facts.hpp"

namespace mmtune::probes {
namespace {

using M = Metric;

constexpr MetricInfo kMetrics[] = {
    {M::minflt_s, "minflt_s", "minflt/s", "1/s", Scope::host, 1},
    {M::majflt_s, "majflt_s", "majflt/s", "1/s", Scope::host, 1},
    {M::scan_kswapd_s, "scan_kswapd_s", "scan_k/s", "pages/s", Scope::host, 1},
    {M::scan_direct_s, "scan_direct_s", "scan_d/s", "pages/s", Scope::host, 1},
    {M::steal_kswapd_s, "steal_kswapd_s", "steal_k/s", "pages/s", Scope::host, 1},
    {M::steal_direct_s, "steal_direct_s", "steal_d/s", "pages/s", Scope::host, 1},
    {M::reclaim_eff_pct, "reclaim_eff_pct", "eff%", "%", Scope::host, 1},
    {M::allocstall_s, "allocstall_s", "stall/s", "1/s", Scope::host, 1},
    {M::compact_stall_s, "compact_stall_s", "cstall/s", "1/s", Scope::host, 1},
    {M::thp_alloc_s, "thp_alloc_s", "thp/s", "1/s", Scope::host, 1},
    {M::thp_fallback_s, "thp_fallback_s", "thpfb/s", "1/s", Scope::host, 1},
    {M::pswpin_s, "pswpin_s", "swpin/s", "pages/s", Scope::host, 1},
    {M::pswpout_s, "pswpout_s", "swpout/s", "pages/s", Scope::host, 1},
    {M::refault_s, "refault_s", "refault/s", "pages/s", Scope::host, 1},
    {M::dirty_mib, "dirty_mib", "dirty", "MiB", Scope::host, 1},
    {M::writeback_mib, "writeback_mib", "wback", "MiB", Scope::host, 1},
    {M::free_mib, "free_mib", "free", "MiB", Scope::host, 1},
    {M::min_mib, "min_mib", "min", "MiB", Scope::host, 1},
    {M::low_mib, "low_mib", "low", "MiB", Scope::host, 1},
    {M::high_mib, "high_mib", "high", "MiB", Scope::host, 1},
    {M::psi_some_pct, "psi_some_pct", "psi_s%", "%", Scope::host, 2},
    {M::psi_full_pct, "psi_full_pct", "psi_f%", "%", Scope::host, 2},
    {M::pid_minflt_s, "pid_minflt_s", "p_minflt/s", "1/s", Scope::process, 1},
    {M::pid_majflt_s, "pid_majflt_s", "p_majflt/s", "1/s", Scope::process, 1},
    {M::pid_rss_mib, "pid_rss_mib", "p_rss", "MiB", Scope::process, 1},
    {M::cg_minflt_s, "cg_minflt_s", "cg_minflt/s", "1/s", Scope::cgroup, 1},
    {M::cg_majflt_s, "cg_majflt_s", "cg_majflt/s", "1/s", Scope::cgroup, 1},
    {M::cg_scan_s, "cg_scan_s", "cg_scan/s", "pages/s", Scope::cgroup, 1},
    {M::cg_steal_s, "cg_steal_s", "cg_steal/s", "pages/s", Scope::cgroup, 1},
    {M::cg_refault_s, "cg_refault_s", "cg_refault/s", "pages/s", Scope::cgroup, 1},
    {M::cg_mem_mib, "cg_mem_mib", "cg_mem", "MiB", Scope::cgroup, 1},
    {M::cg_dirty_mib, "cg_dirty_mib", "cg_dirty", "MiB", Scope::cgroup, 1},
    {M::cg_writeback_mib, "cg_writeback_mib", "cg_wback", "MiB", Scope::cgroup, 1},
    {M::cg_oom_kills, "cg_oom_kills", "cg_oomk", "count", Scope::cgroup, 0},
    {M::cg_psi_some_pct, "cg_psi_some_pct", "cg_psi_s%", "%", Scope::cgroup, 2},
    {M::cg_psi_full_pct, "cg_psi_full_pct", "cg_psi_f%", "%", Scope::cgroup, 2},
};
static_assert(std::size(kMetrics) == kMetricCount);

constexpr double kPagesToMiB = double(facts::kPageSize) / double(facts::kMiB);

// Fills one metric of a row; absent inputs leave it absent.
struct RowWriter {
  const Sample& first;
  const Sample& before;
  const Sample& after;
  double seconds;
  Row& row;

  void set(Metric m, double value) {
    row.values[static_cast<size_t>(m)] = value;
    row.present.set(static_cast<size_t>(m));
  }
  void rate(Metric m, Field f) {
    if (auto d = delta(before, after, f); d && seconds > 0) set(m, double(*d) / seconds);
  }
  // Minor faults: all faults minus the major ones.
  void minor_rate(Metric m, Field all, Field major) {
    auto total = delta(before, after, all), majors = delta(before, after, major);
    if (total && majors && seconds > 0)
      set(m, double(*total - std::min(*total, *majors)) / seconds);
  }
  void gauge(Metric m, Field f, double scale) {
    if (after.has(f)) set(m, double(after[f]) * scale);
  }
  // Share of the interval spent stalled, from cumulative µs.
  void stall_share(Metric m, Field f) {
    if (auto d = delta(before, after, f); d && seconds > 0)
      set(m, double(*d) / (seconds * 1e6) * 100.0);
  }
  void since_start(Metric m, Field f) {
    if (auto d = delta(first, after, f)) set(m, double(*d));
  }
};

}  // namespace

std::span<const MetricInfo> metrics() { return kMetrics; }

const MetricInfo& metric_info(Metric metric) { return kMetrics[static_cast<size_t>(metric)]; }

void compute_row(const Sample& first, const Sample& before, const Sample& after, Row& out) {
  out.values.fill(0);
  out.present.reset();
  out.mono_ns = after.mono_ns;
  out.t_s = double(after.mono_ns - first.mono_ns) / 1e9;
  RowWriter w{first, before, after, double(after.mono_ns - before.mono_ns) / 1e9, out};

  w.minor_rate(M::minflt_s, Field::pgfault, Field::pgmajfault);
  w.rate(M::majflt_s, Field::pgmajfault);
  w.rate(M::scan_kswapd_s, Field::pgscan_kswapd);
  w.rate(M::scan_direct_s, Field::pgscan_direct);
  w.rate(M::steal_kswapd_s, Field::pgsteal_kswapd);
  w.rate(M::steal_direct_s, Field::pgsteal_direct);
  auto scan_k = delta(before, after, Field::pgscan_kswapd),
       scan_d = delta(before, after, Field::pgscan_direct);
  auto steal_k = delta(before, after, Field::pgsteal_kswapd),
       steal_d = delta(before, after, Field::pgsteal_direct);
  if (scan_k && scan_d && steal_k && steal_d && *scan_k + *scan_d > 0) {
    w.set(M::reclaim_eff_pct, 100.0 * double(*steal_k + *steal_d) / double(*scan_k + *scan_d));
  }
  w.rate(M::allocstall_s, Field::allocstall);
  w.rate(M::compact_stall_s, Field::compact_stall);
  w.rate(M::thp_alloc_s, Field::thp_fault_alloc);
  w.rate(M::thp_fallback_s, Field::thp_fault_fallback);
  w.rate(M::pswpin_s, Field::pswpin);
  w.rate(M::pswpout_s, Field::pswpout);
  w.rate(M::refault_s, Field::workingset_refault);
  w.gauge(M::dirty_mib, Field::nr_dirty, kPagesToMiB);
  w.gauge(M::writeback_mib, Field::nr_writeback, kPagesToMiB);
  w.gauge(M::free_mib, Field::zone_free, kPagesToMiB);
  w.gauge(M::min_mib, Field::zone_min, kPagesToMiB);
  w.gauge(M::low_mib, Field::zone_low, kPagesToMiB);
  w.gauge(M::high_mib, Field::zone_high, kPagesToMiB);
  w.stall_share(M::psi_some_pct, Field::psi_some_us);
  w.stall_share(M::psi_full_pct, Field::psi_full_us);

  w.rate(M::pid_minflt_s, Field::proc_minflt);  // /proc/PID/stat counts minor faults apart already
  w.rate(M::pid_majflt_s, Field::proc_majflt);
  w.gauge(M::pid_rss_mib, Field::proc_rss_pages, kPagesToMiB);

  w.minor_rate(M::cg_minflt_s, Field::cg_pgfault, Field::cg_pgmajfault);
  w.rate(M::cg_majflt_s, Field::cg_pgmajfault);
  w.rate(M::cg_scan_s, Field::cg_pgscan);
  w.rate(M::cg_steal_s, Field::cg_pgsteal);
  w.rate(M::cg_refault_s, Field::cg_refault);
  w.gauge(M::cg_mem_mib, Field::cg_current_bytes, 1.0 / double(facts::kMiB));
  w.gauge(M::cg_dirty_mib, Field::cg_dirty_bytes, 1.0 / double(facts::kMiB));
  w.gauge(M::cg_writeback_mib, Field::cg_writeback_bytes, 1.0 / double(facts::kMiB));
  w.since_start(M::cg_oom_kills, Field::cg_oom_kill);
  w.stall_share(M::cg_psi_some_pct, Field::cg_psi_some_us);
  w.stall_share(M::cg_psi_full_pct, Field::cg_psi_full_us);
}

}  // namespace mmtune::probes
