#include "workloads/governor.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "facts/error.hpp"
#include "probes/cpu_time.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "workloads/session.hpp"

namespace mmtune::workloads {
namespace {

GovernorTrip trip(Tripwire tripwire, double value, double limit, std::string unit, std::string what,
                  int64_t mono_ns) {
  return GovernorTrip{tripwire, value, limit, std::move(unit), std::move(what), mono_ns};
}

// mmtune's swap files are the workload's own (reclaim and oom fill them on purpose).
bool made_by_mmtune(const facts::SwapDevice& device) {
  return device.filename.find("/mmtune-swap-") != std::string::npos;
}

// An OOM kill in one of mmtune's cgroups (every one is named "mmtune-…") is the run's own.
bool in_mmtune_cgroup(const OomKillRecord& kill) {
  return kill.oom_memcg.find("/mmtune-") != std::string::npos;
}

}  // namespace

std::string_view tripwire_name(Tripwire tripwire) {
  switch (tripwire) {
    case Tripwire::psi_memory_full:
      return "psi-memory-full";
    case Tripwire::psi_io_full:
      return "psi-io-full";
    case Tripwire::zone_free:
      return "zone-free";
    case Tripwire::swap_fill:
      return "swap-fill";
    case Tripwire::foreign_oom_kill:
      return "foreign-oom-kill";
    case Tripwire::foreign_cpu:
      return "foreign-cpu";
  }
  return "?";
}

bool GovernorLimits::any() const {
  return psi_memory_full_pct || psi_io_full_pct || zone_margin || swap_fill || foreign_oom_kill ||
         foreign_cpu_rise;
}

std::map<std::string, double> limit_table(const GovernorLimits& limits) {
  std::map<std::string, double> table;
  auto put = [&](Tripwire tripwire, const std::optional<double>& limit) {
    if (limit) table[std::string(tripwire_name(tripwire))] = *limit;
  };
  put(Tripwire::psi_memory_full, limits.psi_memory_full_pct);
  put(Tripwire::psi_io_full, limits.psi_io_full_pct);
  put(Tripwire::zone_free, limits.zone_margin);
  put(Tripwire::swap_fill, limits.swap_fill);
  put(Tripwire::foreign_oom_kill,
      limits.foreign_oom_kill ? std::optional<double>(0) : std::nullopt);
  put(Tripwire::foreign_cpu, limits.foreign_cpu_rise);
  return table;
}

GovernorLimits governor_preset(std::string_view name) {
  if (name == "off") return {};
  if (name == "defaults") return {10.0, 20.0, 0.5, 0.5, true, 0.5};
  if (name == "strict") return {2.0, 5.0, 1.0, 0.25, true, 0.25};
  fail(ErrorKind::bad_input, "--governor: \"{}\" is not off, strict or defaults", name);
}

Governor::Governor(GovernorLimits limits, std::vector<pid_t> own_pids)
    : limits_(limits), own_pids_(std::move(own_pids)) {}

Governor Governor::watching_only(Tripwire tripwire) const {
  Governor only = *this;
  GovernorLimits& l = only.limits_;
  const GovernorLimits& all = limits_;
  l = {};
  switch (tripwire) {
    case Tripwire::psi_memory_full:
      l.psi_memory_full_pct = all.psi_memory_full_pct;
      break;
    case Tripwire::psi_io_full:
      l.psi_io_full_pct = all.psi_io_full_pct;
      break;
    case Tripwire::zone_free:
      l.zone_margin = all.zone_margin;
      break;
    case Tripwire::swap_fill:
      l.swap_fill = all.swap_fill;
      break;
    case Tripwire::foreign_oom_kill:
      l.foreign_oom_kill = all.foreign_oom_kill;
      break;
    case Tripwire::foreign_cpu:
      l.foreign_cpu_rise = all.foreign_cpu_rise;
      break;
  }
  return only;
}

std::optional<GovernorTrip> Governor::observe(const HostSignals& signals) {
  if (auto crossed = check_psi(signals)) return crossed;
  if (auto crossed = check_zones(signals)) return crossed;
  if (auto crossed = check_swap(signals)) return crossed;
  if (auto crossed = check_oom(signals)) return crossed;
  return check_cpu(signals);
}

std::optional<GovernorTrip> Governor::check_psi(const HostSignals& signals) const {
  struct Source {
    const std::optional<facts::Psi>& psi;
    const std::optional<double>& limit;
    Tripwire tripwire;
    const char* resource;
  };
  for (const Source& source :
       {Source{signals.memory_psi, limits_.psi_memory_full_pct, Tripwire::psi_memory_full,
               "memory"},
        Source{signals.io_psi, limits_.psi_io_full_pct, Tripwire::psi_io_full, "io"}}) {
    if (!source.limit || !source.psi || !source.psi->full) continue;
    const double avg10 = source.psi->full->avg10;
    if (avg10 > *source.limit) {
      return trip(
          source.tripwire, avg10, *source.limit, "%",
          fmt::format("{} PSI full avg10 {:.2f} % > {:g} %", source.resource, avg10, *source.limit),
          signals.mono_ns);
    }
  }
  return std::nullopt;
}

std::optional<GovernorTrip> Governor::check_zones(const HostSignals& signals) const {
  if (!limits_.zone_margin) return std::nullopt;
  for (const facts::Zone& zone : signals.zones) {
    // An empty zone (Movable without memory) prints watermarks it never uses.
    if (zone.managed_pages == 0 || zone.low_pages <= zone.min_pages) continue;
    const double threshold =
        double(zone.min_pages) + *limits_.zone_margin * double(zone.low_pages - zone.min_pages);
    if (double(zone.free_pages) < threshold) {
      return trip(Tripwire::zone_free, double(zone.free_pages), threshold, "pages",
                  fmt::format("zone {} (node {}) free {} pages < min {} + {:g} × (low {} − min) "
                              "= {:.0f} pages",
                              zone.name, zone.node, zone.free_pages, zone.min_pages,
                              *limits_.zone_margin, zone.low_pages, threshold),
                  signals.mono_ns);
    }
  }
  return std::nullopt;
}

std::optional<GovernorTrip> Governor::check_swap(const HostSignals& signals) {
  if (!limits_.swap_fill) return std::nullopt;
  uint64_t size = 0, used = 0;
  for (const facts::SwapDevice& device : signals.swaps) {
    if (made_by_mmtune(device)) continue;
    size += device.size_bytes;
    used += device.used_bytes;
  }
  if (size == 0) return std::nullopt;
  const double fill = double(used) / double(size);
  if (!swap_fill_at_start_) swap_fill_at_start_ = fill;
  // A host that was already this full before the run is not the run's doing: only a rise counts.
  const double limit = std::max(*limits_.swap_fill, *swap_fill_at_start_ + 0.01);
  if (fill > limit) {
    return trip(Tripwire::swap_fill, fill, limit, "fraction",
                fmt::format("the host's swap {:.1f} % full > {:.1f} % (at the start: {:.1f} %)",
                            fill * 100, limit * 100, *swap_fill_at_start_ * 100),
                signals.mono_ns);
  }
  return std::nullopt;
}

std::optional<GovernorTrip> Governor::check_oom(const HostSignals& signals) const {
  if (!limits_.foreign_oom_kill) return std::nullopt;
  for (const OomKillRecord& kill : signals.oom_kills) {
    const bool own_pid = std::find(own_pids_.begin(), own_pids_.end(), kill.pid) != own_pids_.end();
    if (own_pid || in_mmtune_cgroup(kill)) continue;
    return trip(Tripwire::foreign_oom_kill, double(kill.pid), 0, "pid",
                fmt::format("the OOM killer killed pid {} ({}){}", kill.pid, kill.comm,
                            kill.oom_memcg.empty() ? std::string(", a host-wide OOM")
                                                   : fmt::format(" in cgroup {}", kill.oom_memcg)),
                signals.mono_ns);
  }
  return std::nullopt;
}

std::optional<GovernorTrip> Governor::check_cpu(const HostSignals& signals) {
  if (!limits_.foreign_cpu_rise || !signals.busy_cpu_s || !signals.own_cpu_s) return std::nullopt;
  cpu_points_.push_back({signals.mono_ns, *signals.busy_cpu_s, *signals.own_cpu_s});
  const CpuPoint& first = cpu_points_.front();
  const CpuPoint& last = cpu_points_.back();
  if (last.mono_ns - first.mono_ns < kCpuWindowNs) return std::nullopt;
  // The window ends now: drop points until the oldest kept one still covers a whole window.
  while (cpu_points_.size() > 2 && last.mono_ns - cpu_points_[1].mono_ns >= kCpuWindowNs)
    cpu_points_.pop_front();
  const CpuPoint& start = cpu_points_.front();
  const double seconds = double(last.mono_ns - start.mono_ns) / 1e9;
  const double foreign =
      std::max(0.0, ((last.busy_s - start.busy_s) - (last.own_s - start.own_s)) / seconds);
  if (!foreign_cpu_baseline_) {
    foreign_cpu_baseline_ = foreign;
    return std::nullopt;
  }
  const double rise_limit = *limits_.foreign_cpu_rise * double(signals.online_cpus);
  if (foreign - *foreign_cpu_baseline_ > rise_limit) {
    return trip(Tripwire::foreign_cpu, foreign, *foreign_cpu_baseline_ + rise_limit, "CPUs",
                fmt::format("other processes used {:.2f} CPUs over the last {:.0f} s, up from "
                            "{:.2f} in the run's first {:.0f} s (limit: a rise of {:.2f})",
                            foreign, seconds, *foreign_cpu_baseline_, seconds, rise_limit),
                signals.mono_ns);
  }
  return std::nullopt;
}

HostSignalReader::HostSignalReader(probes::HostFs fs, pid_t own_root)
    : fs_(std::move(fs)), own_root_(own_root) {}

HostSignals HostSignalReader::read() {
  HostSignals signals;
  signals.mono_ns = monotonic_ns();
  for (auto [rel, psi] : {std::pair{"proc/pressure/memory", &signals.memory_psi},
                          std::pair{"proc/pressure/io", &signals.io_psi}}) {
    auto text = fs_.read(rel);
    if (!text || probes::trim(*text).empty()) continue;
    try {
      *psi = probes::parse_psi(*text);
    } catch (const Error&) {
      // A file this kernel writes differently: that tripwire sees nothing this tick.
    }
  }
  try {
    signals.zones = probes::read_zoneinfo(fs_);
    signals.swaps = probes::read_swaps(fs_);
  } catch (const Error&) {
  }
  if (auto text = kernel_log_.read_new()) signals.oom_kills = parse_oom_kills(*text);
  signals.online_cpus = std::max(1, int(::sysconf(_SC_NPROCESSORS_ONLN)));
  if (signals.mono_ns - tree_read_ns_ >= 1'000'000'000) {
    signals.busy_cpu_s = probes::read_host_busy_seconds(fs_);
    signals.own_cpu_s = probes::process_tree_cpu_seconds(fs_, own_root_);
    tree_read_ns_ = signals.mono_ns;
  }
  return signals;
}

}  // namespace mmtune::workloads
