#include "workloads/watchdog.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "facts/units.hpp"

namespace mmtune::workloads {
namespace {

double seconds_between(int64_t from_ns, int64_t to_ns) { return double(to_ns - from_ns) / 1e9; }

std::string moved_line(const std::vector<MovedSettingRecord>& moved) {
  std::string line;
  for (const MovedSettingRecord& setting : moved) {
    line += fmt::format("{}/{} is {}, not the {} mmtune wrote", line.empty() ? "" : "; ",
                        setting.path, setting.now, setting.wrote);
  }
  return line;
}

}  // namespace

std::string trip_value_text(double value, std::string_view unit) {
  if (unit == "%") return fmt::format("{:.2f} %", value);
  if (unit == "fraction") return fmt::format("{:.1f} %", value * 100);
  if (unit == "pid") return fmt::format("pid {:.0f}", value);
  if (unit == "pages") return facts::format_count(value) + " pages";
  return fmt::format("{:.2f} {}", value, unit);
}

Watchdog::Watchdog(const GovernorLimits& limits, std::vector<const changes::Journal*> journals,
                   std::vector<pid_t> own_pids, std::chrono::nanoseconds interval, int64_t start_ns)
    : journals_(std::move(journals)), interval_ns_(interval.count()), start_ns_(start_ns) {
  if (limits.any()) {
    governor_ = std::make_unique<Governor>(limits, std::move(own_pids));
    reader_ = std::make_unique<HostSignalReader>(probes::HostFs("/"), ::getpid());
  }
}

Watchdog::~Watchdog() = default;

std::optional<std::string> Watchdog::check(int64_t now_ns) {
  if (reason_) return std::nullopt;
  reason_ = check_governor(now_ns);
  if (!reason_) reason_ = check_moved(now_ns, false);
  return reason_;
}

std::optional<std::string> Watchdog::check_governor(int64_t now_ns) {
  if (!governor_ || now_ns < next_signals_ns_) return std::nullopt;
  next_signals_ns_ = now_ns + interval_ns_;
  const std::optional<GovernorTrip> trip = governor_->observe(reader_->read());
  if (!trip) return std::nullopt;
  const std::string name(tripwire_name(trip->tripwire));
  tripped_ = trip->tripwire;
  stop_ = GovernorStop{name,       trip->value, trip->limit,
                       trip->unit, trip->what,  seconds_between(start_ns_, trip->mono_ns),
                       0,          std::nullopt};
  return fmt::format("stopped by the governor: {} at {} ({})", name,
                     trip_value_text(trip->value, trip->unit), trip->what);
}

std::optional<std::string> Watchdog::check_moved(int64_t now_ns, bool final) {
  if (now_ns < next_moved_ns_) return std::nullopt;
  next_moved_ns_ = now_ns + kMovedCheckNs;
  std::vector<MovedSettingRecord> seen;
  for (const changes::Journal* journal : journals_) {
    for (const changes::MovedSetting& setting : journal->moved_settings())
      seen.push_back({setting.path, setting.wrote, setting.now});
  }
  for (const MovedSettingRecord& setting : seen) {
    const bool confirmed =
        final || std::any_of(suspects_.begin(), suspects_.end(), [&](const MovedSettingRecord& s) {
          return s.path == setting.path && s.wrote == setting.wrote;
        });
    const bool known = std::any_of(moved_.begin(), moved_.end(), [&](const MovedSettingRecord& m) {
      return m.path == setting.path;
    });
    if (confirmed && !known) moved_.push_back(setting);
  }
  suspects_ = std::move(seen);
  if (moved_.empty()) return std::nullopt;
  return fmt::format("invalid: someone else changed a setting during the run: {}",
                     moved_line(moved_));
}

void Watchdog::finish(int64_t now_ns) {
  next_moved_ns_ = 0;
  std::optional<std::string> moved = check_moved(now_ns, true);
  if (!stop_) {
    reason_ = std::move(moved);  // every setting that moved, also after the first look
    return;
  }
  stop_->ended_s = seconds_between(start_ns_, now_ns);
  // The tripped tripwire alone, read once more: a trip again means the host is still above it.
  Governor only = governor_->watching_only(*tripped_);
  const std::optional<GovernorTrip> again = only.observe(reader_->read());
  if (again) stop_->value_at_end = again->value;
}

}  // namespace mmtune::workloads
