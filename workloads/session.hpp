#pragma once
// What a workload sees while it runs: its parameters, the host facts, the stop flag, and the
// calls that report measurements, phases and traces back to the controller.
//
// The session lives in the child process the runner forked. Every report is sent at once over a
// pipe, so a workload the OOM killer takes still leaves what it had measured. Not thread-safe:
// report from the workload's main thread. Only stop_requested()/stop_flag() may be used by worker
// threads (they read one atomic).
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"
#include "workloads/params.hpp"
#include "workloads/result.hpp"

namespace mmtune::changes {
class Journal;
}

namespace mmtune::workloads {

// What a phase records about the workload process besides the host's /proc/vmstat and
// getrusage: /proc/self/status always (cheap at any size); smaps_rollup on request, because it
// walks the page tables under the mmap lock (about 3 ms per GiB of 4 KiB pages).
enum class PhaseDetail { status, smaps_rollup };

struct PhaseStart {
  std::string name;
  PhaseDetail detail = PhaseDetail::status;
  double start_s = 0;
  facts::Counters vmstat;
  Rusage rusage;
  facts::Counters process;
};

class Session {
 public:
  // The runner makes this in the child. report_fd: the pipe to the controller (-1: keep reports in
  // memory only, for benchmarks and tests of a workload's parts). start_ns: CLOCK_MONOTONIC when
  // the run started; every time in the result is relative to it.
  Session(const ParamValues& params, const facts::HostFacts& facts, int report_fd, int64_t start_ns,
          changes::Journal* journal = nullptr);

  const ParamValues& params() const { return params_; }
  const facts::HostFacts& host() const { return facts_; }
  // The live host, for reads of /proc/self and /proc/vmstat.
  const probes::HostFs& fs() const { return fs_; }

  // Set by SIGINT/SIGTERM in the workload process (the runner sends SIGTERM at the time limit):
  // the record of the changes::SignalGuard the process was forked with.
  bool stop_requested() const { return stop_flag().load(std::memory_order_relaxed); }
  static const std::atomic<bool>& stop_flag();
  // Seconds since the run started (CLOCK_MONOTONIC), and that start in nanoseconds.
  double elapsed_s() const;
  int64_t start_ns() const { return start_ns_; }

  // A number from a kernel counter or a clock; counter names it ("getrusage ru_minflt").
  void measured(std::string name, double value, std::string unit, std::string counter,
                std::map<std::string, std::string> labels = {});
  // A number computed from measurements; formula says how ("minor_faults / touch_s").
  void derived(std::string name, double value, std::string unit, std::string formula,
               std::map<std::string, std::string> labels = {});
  // One line of the predicted-vs-observed explanation, or of context (hot or cold memory …).
  void explain(std::string line);
  void note(std::string line);
  // The workload found at run time that it cannot run here: the verdict becomes skipped.
  void skip(std::string reason);
  // A trace of the workload's own (t, value) points, e.g. bytes touched over time.
  void trace(Series series);

  PhaseStart begin_phase(std::string name, PhaseDetail detail = PhaseDetail::status);
  // Takes the closing snapshot, reports the phase and returns it (its deltas are often what the
  // workload then reports as measurements).
  Phase end_phase(const PhaseStart& start);

  // The run's journal, for temp files and other things to undo (nullptr outside a run).
  changes::Journal* journal() const { return journal_; }

  // Everything reported so far (also kept when report_fd is -1).
  const std::vector<Measurement>& measurements() const { return measurements_; }

 private:
  void send(const std::string& line);

  const ParamValues& params_;
  const facts::HostFacts& facts_;
  probes::HostFs fs_;
  int report_fd_;
  int64_t start_ns_;
  changes::Journal* journal_;
  std::vector<Measurement> measurements_;
};

// CLOCK_MONOTONIC in nanoseconds.
int64_t monotonic_ns();
Rusage read_rusage();
Rusage operator-(const Rusage& after, const Rusage& before);
// /proc/self/status (and smaps_rollup with detail smaps_rollup, keys prefixed "smaps.").
facts::Counters read_self(const probes::HostFs& fs, PhaseDetail detail);

}  // namespace mmtune::workloads
