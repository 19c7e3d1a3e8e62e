#pragma once
// The safety governor: watches host-wide signals while a workload runs and says when to stop it,
// before the host suffers. The runner feeds it the host's signals at every sampler tick; the first
// tripwire crossed stops the workload, which is then cleaned up and every setting restored like
// after a time limit, and the result says "stopped by the governor: <tripwire> at <value>".
//
// Tripwires (each can be switched off; docs/governor.md says why each default is what it is):
//   psi-memory-full   /proc/pressure/memory "full" avg10 (%) above the limit: every runnable
//                     task on the host was stalled on memory for that share of the last 10 s
//   psi-io-full       the same for /proc/pressure/io
//   zone-free         a zone's free pages below min + margin × (low − min): the host nears the
//                     watermark where every allocation on it reclaims directly
//   swap-fill         the host's own swap (not a swap file mmtune made) fuller than the limit,
//                     and fuller than when the run started
//   foreign-oom-kill  the OOM killer killed a process that is not mmtune's (outside mmtune's
//                     cgroups and process tree)
//   foreign-cpu       the CPU that other processes use rose by more than the limit (a fraction of
//                     the online CPUs) over what they used in the run's first window
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"
#include "workloads/kernel_log.hpp"

namespace mmtune::workloads {

enum class Tripwire {
  psi_memory_full,
  psi_io_full,
  zone_free,
  swap_fill,
  foreign_oom_kill,
  foreign_cpu
};
std::string_view tripwire_name(Tripwire tripwire);  // "psi-memory-full", …

// nullopt switches a tripwire off.
struct GovernorLimits {
  std::optional<double> psi_memory_full_pct;  // avg10, percent
  std::optional<double> psi_io_full_pct;      // avg10, percent
  std::optional<double> zone_margin;          // fraction of the zone's (low − min) above min
  std::optional<double> swap_fill;            // fraction of the host's own swap in use
  bool foreign_oom_kill = false;
  std::optional<double> foreign_cpu_rise;  // fraction of the online CPUs
  // The io limit was asked for by name (--stop-at-psi-io), not taken from a preset: it then holds
  // for a run whose io waits are on its own device too.
  bool psi_io_asked = false;
  bool any() const;
};

// The tripwires that are on, name → limit in the tripwire's unit (what a result records).
std::map<std::string, double> limit_table(const GovernorLimits& limits);

// "defaults" (safe for a production server: trips only where the host itself suffers), "strict"
// (earlier), "off". Throws Error{bad_input} naming --governor for another name.
GovernorLimits governor_preset(std::string_view name);

// One tick's view of the host: what every tripwire looks at. HostSignalReader reads it live;
// tests make it by hand.
struct HostSignals {
  int64_t mono_ns = 0;
  std::optional<facts::Psi> memory_psi, io_psi;  // absent without PSI
  std::vector<facts::Zone> zones;
  std::vector<facts::SwapDevice> swaps;
  std::vector<OomKillRecord> oom_kills;  // since the previous tick
  std::optional<double> busy_cpu_s;      // /proc/stat busy seconds, cumulative
  std::optional<double> own_cpu_s;       // mmtune and everything it started, cumulative
  int online_cpus = 1;
};

struct GovernorTrip {
  Tripwire tripwire = Tripwire::psi_memory_full;
  double value = 0, limit = 0;  // in the tripwire's unit
  std::string unit;             // "%", "pages", "fraction", "CPUs", "kills"
  std::string what;  // "memory PSI full avg10 23.40 % > 10 %"; "zone Normal (node 0): …"
  int64_t mono_ns = 0;
};

class Governor {
 public:
  // own_pids: mmtune's processes (the controller and its workload), whose OOM kills are the run's.
  Governor(GovernorLimits limits, std::vector<pid_t> own_pids);

  // Feeds one tick; the first tripwire crossed, in the order above (nullopt: carry on).
  std::optional<GovernorTrip> observe(const HostSignals& signals);
  const GovernorLimits& limits() const { return limits_; }
  // This governor, what it has seen so far included, with every tripwire but one switched off.
  Governor watching_only(Tripwire tripwire) const;

  // Foreign CPU is averaged over this long, and its baseline is the run's first such window.
  static constexpr int64_t kCpuWindowNs = 5'000'000'000;

 private:
  std::optional<GovernorTrip> check_psi(const HostSignals& signals) const;
  std::optional<GovernorTrip> check_zones(const HostSignals& signals) const;
  std::optional<GovernorTrip> check_swap(const HostSignals& signals);
  std::optional<GovernorTrip> check_oom(const HostSignals& signals) const;
  std::optional<GovernorTrip> check_cpu(const HostSignals& signals);

  GovernorLimits limits_;
  std::vector<pid_t> own_pids_;
  std::optional<double> swap_fill_at_start_;
  struct CpuPoint {
    int64_t mono_ns;
    double busy_s, own_s;
  };
  std::deque<CpuPoint> cpu_points_;
  std::optional<double> foreign_cpu_baseline_;
};

// Reads HostSignals from the live host (or a HostFs tree, in tests): the PSI files, zoneinfo,
// swaps, the kernel log from the moment it was made, /proc/stat, and the CPU time of the process
// tree under `own_root` (walked at most once a second: one read per process).
class HostSignalReader {
 public:
  HostSignalReader(probes::HostFs fs, pid_t own_root);
  HostSignals read();

 private:
  probes::HostFs fs_;
  pid_t own_root_;
  KernelLog kernel_log_;
  int64_t tree_read_ns_ = 0;
  std::optional<double> own_cpu_s_;
};

}  // namespace mmtune::workloads
