#include "workloads/session.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "changes/signal_guard.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "workloads/result_json.hpp"

namespace mmtune::workloads {
namespace {

using nlohmann::json;

double seconds(const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; }

facts::Counters delta(const facts::Counters& before, const facts::Counters& after) {
  facts::Counters out;
  for (const auto& [key, value] : after.values) {
    auto old = before.get(key);
    if (old && value != *old) out.values.emplace(key, value >= *old ? value - *old : 0);
  }
  return out;
}

}  // namespace

const std::atomic<bool>& Session::stop_flag() { return changes::SignalGuard::flag(); }

int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Rusage read_rusage() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return Rusage{static_cast<uint64_t>(usage.ru_minflt),
                static_cast<uint64_t>(usage.ru_majflt),
                static_cast<uint64_t>(usage.ru_nvcsw),
                static_cast<uint64_t>(usage.ru_nivcsw),
                seconds(usage.ru_utime),
                seconds(usage.ru_stime)};
}

Rusage operator-(const Rusage& after, const Rusage& before) {
  return Rusage{after.minor_faults - before.minor_faults,
                after.major_faults - before.major_faults,
                after.voluntary_switches - before.voluntary_switches,
                after.involuntary_switches - before.involuntary_switches,
                after.user_s - before.user_s,
                after.system_s - before.system_s};
}

facts::Counters read_self(const probes::HostFs& fs, PhaseDetail detail) {
  facts::Counters counters = probes::parse_colon_kib(fs.read("proc/self/status").value_or(""));
  if (detail == PhaseDetail::smaps_rollup) {
    facts::Counters smaps = probes::parse_colon_kib(fs.read("proc/self/smaps_rollup").value_or(""));
    for (const auto& [key, value] : smaps.values) counters.values.emplace("smaps." + key, value);
  }
  return counters;
}

Session::Session(const ParamValues& params, const facts::HostFacts& facts, int report_fd,
                 int64_t start_ns, changes::Journal* journal)
    : params_(params),
      facts_(facts),
      fs_("/"),
      report_fd_(report_fd),
      start_ns_(start_ns),
      journal_(journal) {}

double Session::elapsed_s() const { return double(monotonic_ns() - start_ns_) / 1e9; }

void Session::send(const std::string& line) {
  if (report_fd_ < 0) return;
  std::string text = line + "\n";
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(report_fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the controller is gone; PR_SET_PDEATHSIG ends us shortly
    data += n;
    left -= static_cast<size_t>(n);
  }
}

void Session::measured(std::string name, double value, std::string unit, std::string counter,
                       std::map<std::string, std::string> labels) {
  Measurement m{std::move(name),  value, std::move(unit), "measured", std::move(counter),
                std::move(labels)};
  send(json{{"type", "measurement"}, {"body", measurement_json(m)}}.dump());
  measurements_.push_back(std::move(m));
}

void Session::derived(std::string name, double value, std::string unit, std::string formula,
                      std::map<std::string, std::string> labels) {
  Measurement m{std::move(name),  value, std::move(unit), "derived", std::move(formula),
                std::move(labels)};
  send(json{{"type", "measurement"}, {"body", measurement_json(m)}}.dump());
  measurements_.push_back(std::move(m));
}

void Session::explain(std::string line) { send(json{{"type", "explain"}, {"text", line}}.dump()); }
void Session::note(std::string line) { send(json{{"type", "note"}, {"text", line}}.dump()); }
void Session::skip(std::string reason) { send(json{{"type", "skip"}, {"reason", reason}}.dump()); }

void Session::trace(Series series) {
  send(json{{"type", "series"}, {"name", series.name}, {"body", series_json(series)}}.dump());
}

PhaseStart Session::begin_phase(std::string name, PhaseDetail detail) {
  PhaseStart start;
  start.name = std::move(name);
  start.detail = detail;
  start.process = read_self(fs_, detail);
  start.vmstat = probes::read_vmstat(fs_);
  start.rusage = read_rusage();
  start.start_s = elapsed_s();
  return start;
}

Phase Session::end_phase(const PhaseStart& start) {
  Phase phase;
  phase.end_s = elapsed_s();
  Rusage rusage = read_rusage();
  facts::Counters vmstat = probes::read_vmstat(fs_);
  phase.name = start.name;
  phase.start_s = start.start_s;
  phase.rusage_delta = rusage - start.rusage;
  phase.vmstat_delta = delta(start.vmstat, vmstat);
  phase.process_before = start.process;
  phase.process_after = read_self(fs_, start.detail);
  send(json{{"type", "phase"}, {"body", phase_json(phase)}}.dump());
  return phase;
}

}  // namespace mmtune::workloads
