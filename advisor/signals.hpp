#pragma once
// The host's counters since boot as Signals: normalised by uptime (events per hour) or by the host
// itself (a share of all scanning, of all THP faults), each against a threshold with its reason.
// The thresholds and their sources are listed in docs/advice.md; in short:
//
//   direct-reclaim stalls     Σ allocstall* / uptime         ≥ 60 per hour   vm.rst (direction),
//   kswapd woken early        kswapd_low_wmark_hit_quickly   ≥ 60 per hour   mmtune: 1 a minute
//   direct scanning share     pgscan_direct / all pgscan     ≥ 5 %           mmtune: kswapd ≥ 95 %
//   PSI memory some           total µs / uptime              ≥ 6 s per hour  oomd Senpai: 10 ms/6 s
//   PSI memory full (now)     avg300                         ≥ 0.1 %         oomd Senpai backoff
//   compaction stalls         compact_stall / uptime         ≥ 60 per hour   transhuge.rst
//   (direction) failed compactions        compact_fail / compact_stall   ≥ 50 %          mmtune:
//   most were wasted THP fault fallbacks       fallback / (alloc + fallback)  ≥ 10 % mmtune
//
// A signal the host cannot give (no uptime, no PSI before 4.20, a counter an old kernel lacks) is
// nullopt, never a zero.
#include <optional>
#include <string>
#include <vector>

#include "advisor/advice.hpp"
#include "facts/facts.hpp"

namespace mmtune::advisor {

inline constexpr double kStallsPerHour = 60;
inline constexpr double kQuickHitsPerHour = 60;
inline constexpr double kDirectScanShare = 0.05;
inline constexpr double kPsiSomeSecondsPerHour = 6;  // 10 ms per 6 s = 0.17 % of wall time
inline constexpr double kPsiFullAvg300 = 0.1;        // percent
inline constexpr double kCompactStallsPerHour = 60;
inline constexpr double kCompactFailShare = 0.5;
inline constexpr double kThpFallbackShare = 0.10;

// The since-boot counters the signals read, summed over zones where the kernel splits them
// (allocstall_* from 4.8, pgscan_direct_<zone> before 4.8).
struct BootCounters {
  std::optional<double> hours;  // uptime; nullopt when /proc/uptime was not read
  std::optional<uint64_t> allocstall, low_wmark_quickly, pgscan_direct, pgscan_kswapd,
      pgsteal_direct, pgsteal_kswapd, compact_stall, compact_fail, thp_fault_alloc,
      thp_fault_fallback;
};
BootCounters boot_counters(const facts::HostFacts& facts);

std::optional<Signal> stalls_per_hour(const BootCounters& c);
std::optional<Signal> quick_hits_per_hour(const BootCounters& c);
std::optional<Signal> direct_scan_share(const BootCounters& c);
std::optional<Signal> psi_some_per_hour(const facts::HostFacts& facts);
std::optional<Signal> psi_full_now(const facts::HostFacts& facts);
std::optional<Signal> compaction_stalls_per_hour(const BootCounters& c);
std::optional<Signal> compaction_fail_share(const BootCounters& c);
std::optional<Signal> thp_fallback_share(const BootCounters& c);

// How many of these are met.
int count_met(const std::vector<Signal>& signals);
// Appends each signal that exists.
void add_signals(std::vector<Signal>& to, std::initializer_list<std::optional<Signal>> signals);
// The value and the threshold in the signal's unit: "34.3 per hour", "12.5 %", "60 per hour".
std::string signal_value_text(const Signal& signal);
std::string signal_threshold_text(const Signal& signal);
// "41022 direct-reclaim stalls per hour ≥ 60 (met)" for a rationale line.
std::string describe(const Signal& signal);

}  // namespace mmtune::advisor
