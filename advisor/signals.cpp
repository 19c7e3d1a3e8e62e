#include "advisor/signals.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mmtune::advisor {
namespace {

constexpr double kMicrosPerSecond = 1e6;

// pgscan_direct (4.8+) or its per-zone parts (pgscan_direct_normal, …) before 4.8;
// pgscan_direct_throttle is another counter and is not one of them.
std::optional<uint64_t> reclaim_counter(const facts::Counters& v, std::string_view name) {
  if (auto whole = v.get(name)) return whole;
  std::optional<uint64_t> sum;
  for (std::string_view zone : {"dma", "dma32", "normal", "movable", "high"}) {
    if (auto part = v.get(fmt::format("{}_{}", name, zone))) sum = sum.value_or(0) + *part;
  }
  return sum;
}

Signal make(std::string name, double value, std::string unit, std::string normalisation,
            double threshold, std::string source) {
  return Signal{std::move(name),
                value,
                std::move(unit),
                std::move(normalisation),
                "≥",
                threshold,
                std::move(source),
                value >= threshold};
}

std::optional<Signal> per_hour(const BootCounters& c, std::optional<uint64_t> count,
                               std::string name, std::string counter, double threshold,
                               std::string source) {
  if (!count || !c.hours || *c.hours <= 0) return std::nullopt;
  return make(std::move(name), double(*count) / *c.hours, "per hour",
              fmt::format("{} = {} since boot / {:.1f} h of uptime", counter, *count, *c.hours),
              threshold, std::move(source));
}

std::optional<Signal> share(std::optional<uint64_t> part, std::optional<uint64_t> whole,
                            std::string name, std::string normalisation, double threshold,
                            std::string source) {
  if (!part || !whole || *whole == 0) return std::nullopt;
  return make(std::move(name), double(*part) / double(*whole), "share", std::move(normalisation),
              threshold, std::move(source));
}

}  // namespace

std::string signal_value_text(const Signal& s) {
  if (s.unit == "share") return fmt::format("{:.1f} %", s.value * 100);
  if (s.unit == "%") return fmt::format("{:.2f} %", s.value);
  if (s.unit == "events") return fmt::format("{:.0f} {}", s.value, s.unit);
  return fmt::format("{:.1f} {}", s.value, s.unit);
}

std::string signal_threshold_text(const Signal& s) {
  if (s.unit == "share") return fmt::format("{:g} %", s.threshold * 100);
  if (s.unit == "%") return fmt::format("{:g} %", s.threshold);
  return fmt::format("{:g} {}", s.threshold, s.unit);
}

BootCounters boot_counters(const facts::HostFacts& facts) {
  const facts::Counters& v = facts.vmstat;
  BootCounters c;
  if (facts.uptime_s && *facts.uptime_s > 0) c.hours = *facts.uptime_s / 3600.0;
  c.allocstall = v.sum_prefix("allocstall");  // "allocstall" before 4.8, "allocstall_<zone>" after
  c.low_wmark_quickly = v.get("kswapd_low_wmark_hit_quickly");
  c.pgscan_direct = reclaim_counter(v, "pgscan_direct");
  c.pgscan_kswapd = reclaim_counter(v, "pgscan_kswapd");
  c.pgsteal_direct = reclaim_counter(v, "pgsteal_direct");
  c.pgsteal_kswapd = reclaim_counter(v, "pgsteal_kswapd");
  c.compact_stall = v.get("compact_stall");
  c.compact_fail = v.get("compact_fail");
  c.thp_fault_alloc = v.get("thp_fault_alloc");
  c.thp_fault_fallback = v.get("thp_fault_fallback");
  return c;
}

std::optional<Signal> stalls_per_hour(const BootCounters& c) {
  return per_hour(c, c.allocstall, "direct-reclaim stalls", "Σ allocstall*", kStallsPerHour,
                  "vm.rst: a high rate of allocstall means kswapd keeps too few free pages for the "
                  "allocation bursts; mmtune's threshold: one a minute on average since boot, "
                  "i.e. allocating tasks reclaim for themselves routinely, not rarely");
}

std::optional<Signal> quick_hits_per_hour(const BootCounters& c) {
  return per_hour(c, c.low_wmark_quickly, "kswapd woken within its nap",
                  "kswapd_low_wmark_hit_quickly", kQuickHitsPerHour,
                  "vm.rst: kswapd going to sleep prematurely (free memory fell below low within "
                  "its 100 ms nap) points the same way; mmtune's threshold: once a minute on "
                  "average since boot");
}

std::optional<Signal> direct_scan_share(const BootCounters& c) {
  if (!c.pgscan_direct || !c.pgscan_kswapd) return std::nullopt;
  return share(c.pgscan_direct, *c.pgscan_direct + *c.pgscan_kswapd,
               "page scanning done by allocating tasks",
               fmt::format("pgscan_direct {} / (pgscan_direct + pgscan_kswapd {}) since boot",
                           *c.pgscan_direct, *c.pgscan_kswapd),
               kDirectScanShare,
               "mmtune's threshold: kswapd should do at least 95 % of the scanning; a task that "
               "scans for itself stalls in direct reclaim (mm/vmscan.c try_to_free_pages)");
}

std::optional<Signal> psi_some_per_hour(const facts::HostFacts& facts) {
  if (!facts.psi || !facts.uptime_s || *facts.uptime_s <= 0) return std::nullopt;
  const facts::PsiLine& some = facts.psi->some;
  const double hours = *facts.uptime_s / 3600.0;
  return make("memory stall time (PSI some)", double(some.total_us) / kMicrosPerSecond / hours,
              "s per hour",
              fmt::format("/proc/pressure/memory some total {:.1f} s since boot / {:.1f} h of "
                          "uptime (avg10 {:.2f} %, avg60 {:.2f} %, avg300 {:.2f} %)",
                          double(some.total_us) / kMicrosPerSecond, hours, some.avg10, some.avg60,
                          some.avg300),
              kPsiSomeSecondsPerHour,
              "psi.rst: the time some task waited for memory (reclaim, compaction, refaults); "
              "oomd's Senpai runs hosts at 10 ms per 6 s (0.17 %) as pressure that costs no "
              "work: 6 s per hour");
}

std::optional<Signal> psi_full_now(const facts::HostFacts& facts) {
  if (!facts.psi || !facts.psi->full) return std::nullopt;
  const facts::PsiLine& full = *facts.psi->full;
  return make("every task stalled on memory (PSI full, last 5 min)", full.avg300, "%",
              fmt::format("/proc/pressure/memory full avg300 (avg10 {:.2f} %, avg60 {:.2f} %, "
                          "total {:.1f} s since boot)",
                          full.avg10, full.avg60, double(full.total_us) / kMicrosPerSecond),
              kPsiFullAvg300,
              "psi.rst: full is lost work (no task ran); oomd's Senpai backs off above 0.1 %");
}

std::optional<Signal> compaction_stalls_per_hour(const BootCounters& c) {
  return per_hour(c, c.compact_stall, "direct-compaction stalls", "compact_stall",
                  kCompactStallsPerHour,
                  "transhuge.rst: under defrag=always a huge-page fault stalls in direct reclaim "
                  "and compaction; mmtune's threshold: one stall a minute on average since boot");
}

std::optional<Signal> compaction_fail_share(const BootCounters& c) {
  if (!c.compact_fail || !c.compact_stall) return std::nullopt;
  return share(c.compact_fail, c.compact_stall, "direct compactions that failed",
               fmt::format("compact_fail {} / compact_stall {} since boot", *c.compact_fail,
                           *c.compact_stall),
               kCompactFailShare,
               "mmtune's threshold: when most direct compactions fail, the stalls bought "
               "nothing");
}

std::optional<Signal> thp_fallback_share(const BootCounters& c) {
  if (!c.thp_fault_fallback || !c.thp_fault_alloc) return std::nullopt;
  return share(c.thp_fault_fallback, *c.thp_fault_alloc + *c.thp_fault_fallback,
               "huge-page faults that fell back to 4 KiB",
               fmt::format("thp_fault_fallback {} / (thp_fault_alloc {} + thp_fault_fallback) "
                           "since boot",
                           *c.thp_fault_fallback, *c.thp_fault_alloc),
               kThpFallbackShare,
               "mmtune's threshold: one THP fault in ten finds no huge page even after trying: "
               "memory is too fragmented for the stalls to pay");
}

int count_met(const std::vector<Signal>& signals) {
  return int(std::count_if(signals.begin(), signals.end(), [](const Signal& s) { return s.met; }));
}

void add_signals(std::vector<Signal>& to, std::initializer_list<std::optional<Signal>> signals) {
  for (const auto& s : signals) {
    if (s) to.push_back(*s);
  }
}

std::string describe(const Signal& s) {
  return fmt::format("{}: {} ({}) {} {} — {}", s.name, signal_value_text(s), s.normalisation,
                     s.met ? s.comparison : "below", signal_threshold_text(s),
                     s.met ? "met" : "not met");
}

}  // namespace mmtune::advisor
