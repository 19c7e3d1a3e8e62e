#pragma once
// What stops a run early besides its time limit and a signal (the runner asks at every turn of its
// loop): the governor's tripwires, read from the host at every sampler tick (docs/governor.md), and
// a setting someone else moved under the run — a journaled setting whose file no longer holds what
// mmtune wrote, looked at twice a second — after which nothing the run measures counts. The journal
// is written ahead (the entry, fsynced, then the file), so a look that falls between the two sees
// the file still at its old value: while the workload runs, a setting counts as moved only when two
// looks in a row find it so; once it has exited, one look is enough.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "changes/journal.hpp"
#include "workloads/governor.hpp"
#include "workloads/result.hpp"

namespace mmtune::workloads {

class Watchdog {
 public:
  // journals: the run's own and any a caller wrote settings for the run through (a sweep's
  // knobs). own_pids: the controller and the workload (their OOM kills are the run's own).
  Watchdog(const GovernorLimits& limits, std::vector<const changes::Journal*> journals,
           std::vector<pid_t> own_pids, std::chrono::nanoseconds interval, int64_t start_ns);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Looks when a look is due; the first time something is wrong, the line that says why the
  // workload must stop ("stopped by the governor: …", "invalid: …"), afterwards nothing.
  std::optional<std::string> check(int64_t now_ns);
  // Once the workload has exited, before anything is undone: the settings once more (a move at
  // the very end still counts), and the tripped signal read again.
  void finish(int64_t now_ns);

  // Why the run does not count: the governor's stop, else the settings that moved; nullopt when
  // nothing was wrong.
  const std::optional<std::string>& reason() const { return reason_; }
  const std::optional<GovernorStop>& stop() const { return stop_; }
  const std::vector<MovedSettingRecord>& moved() const { return moved_; }

  // How often the journaled settings are read back.
  static constexpr int64_t kMovedCheckNs = 500'000'000;

 private:
  std::optional<std::string> check_governor(int64_t now_ns);
  // final: the workload has exited, no write of its own can be in flight.
  std::optional<std::string> check_moved(int64_t now_ns, bool final);

  std::unique_ptr<Governor> governor_;
  std::unique_ptr<HostSignalReader> reader_;
  std::vector<const changes::Journal*> journals_;
  int64_t interval_ns_, start_ns_;
  int64_t next_signals_ns_ = 0, next_moved_ns_ = 0;
  std::optional<std::string> reason_;
  std::optional<GovernorStop> stop_;
  std::optional<Tripwire> tripped_;
  std::vector<MovedSettingRecord> moved_;
  std::vector<MovedSettingRecord> suspects_;  // what the last look found moved, not yet confirmed
};

// "12.30 %", "1,234 pages", "61.0 %" (a fraction), "pid 4242", "1.35 CPUs": a trip's value in
// its unit, for people.
std::string trip_value_text(double value, std::string_view unit);

}  // namespace mmtune::workloads
