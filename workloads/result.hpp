#pragma once
// The result of one workload run and its JSON form, schema "mmtune.result/1". The sweep, the CI
// check, the advisor and the HTML report read this, so:
//   - measurements and predictions are found by a stable snake_case name ("minor_faults"),
//     never by position; a name that depends on a parameter carries it after a dot
//     ("fork_ms.64MiB") and repeats it in labels;
//   - every number says where it came from: "measured" (a kernel counter or a clock, named in
//     counter), "derived" (arithmetic on measurements, the formula in counter), or the model
//     (predictions, each with its rule, kernel function and arithmetic);
//   - a verdict is ok, skipped (with the reason: this host cannot run it) or failed (with the
//     reason: a crash, an OOM kill, the time limit, an interruption, the governor stopping it, a
//     setting someone else moved during the run).
//
// JSON layout (keys are stable; new keys may be added within schema version 1):
//   { "schema": "mmtune.result/1", "workload": "demand-paging", "started_at": "…Z", "wall_s": 1.2,
//     "host": {…host facts…}, "parameters": {"size": {"text": "1GiB", "value": 1073741824,
//     "unit": "bytes", "default": false}, …}, "limits": {…},
//     "predictions": [{"metric", "name", "value", "unit", "tolerance", "low", "high",
//                      "why": {"rule", "kernel_function", "text"}}],
//     "measurements": [{"name", "value", "unit", "source", "counter", "labels"}],
//     "comparisons": [{"metric", "predicted", "measured", "unit", "deviation", "tolerance",
//     "within"}], "phases": [{"name", "start_s", "end_s", "vmstat_delta": {…}, "rusage_delta": {…},
//                 "process_before": {…}, "process_after": {…}}],
//     "series": {"host": {"t_s": […], "columns": {"meminfo.MemAvailable": {"unit", "values"}}}, …},
//     "verdict": {"status": "ok" | "skipped" | "failed", "reason": "…", "interrupted": false,
//                 "governor": {"tripwire", "value", "limit", "unit", "what", "at_s", "ended_s",
//                              "value_at_end"} (only when the governor stopped the run),
//                 "moved_settings": [{"path", "wrote", "now"}] (only when a setting moved)},
//     "explanation": ["…"], "notes": ["…"] }
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/facts.hpp"
#include "model/prediction.hpp"

namespace mmtune::workloads {

inline constexpr std::string_view kResultSchema = "mmtune.result/1";

struct Measurement {
  std::string name;  // "minor_faults", "fork_ms.64MiB"
  double value = 0;
  std::string unit;                 // "faults", "faults/s", "ns", "bytes", "ms", "ratio", "%"
  std::string source = "measured";  // "measured" or "derived"
  std::string counter;  // "getrusage ru_minflt", "CLOCK_MONOTONIC", "minor_faults / touch_s"
  std::map<std::string, std::string> labels;  // {"rss": "64MiB"}: what a parameterised name means
};

// A model prediction, and the measurement it is held against.
struct Expectation {
  std::string metric;  // the measurement it predicts; empty = shown, not compared
  model::Prediction prediction;
  std::optional<double> tolerance;  // relative: 0.02 = within ±2 %; nullopt = informational
  std::optional<double> low, high;  // when the model gives a range rather than a point
};

struct Comparison {
  std::string metric;
  double predicted = 0, measured = 0;
  std::string unit;
  double deviation = 0;  // (measured − predicted) / predicted; 0 when predicted is 0
  std::optional<double> tolerance;
  std::optional<bool> within;  // nullopt when informational
};

// getrusage(RUSAGE_SELF) of the workload process: every thread of it.
struct Rusage {
  uint64_t minor_faults = 0, major_faults = 0;
  uint64_t voluntary_switches = 0, involuntary_switches = 0;
  double user_s = 0, system_s = 0;
};

// Deltas around one phase of a workload ("touch", "fork.64MiB"), taken inside the workload process.
struct Phase {
  std::string name;
  double start_s = 0, end_s = 0;  // since the run started
  facts::Counters vmstat_delta;   // /proc/vmstat keys that changed (host-wide)
  Rusage rusage_delta;
  facts::Counters process_before;  // /proc/self/status (bytes), plus smaps_rollup as "smaps.Pss", …
  facts::Counters process_after;
};

// A time series: one time axis, several columns of the same length.
struct Series {
  std::string name;         // "host" (the controller's sampler), or a workload's own trace
  std::vector<double> t_s;  // seconds since the run started
  std::map<std::string, std::vector<double>> columns;  // "meminfo.MemAvailable" → values
  std::map<std::string, std::string> units;            // "meminfo.MemAvailable" → "bytes"
};

enum class Status { ok, skipped, failed };

struct Verdict {
  Status status = Status::ok;
  std::string reason;        // empty when ok
  bool interrupted = false;  // SIGINT/SIGTERM stopped it (failed; the CLI exits 130)
};

struct ParamRecord {
  std::string name, text, unit;
  std::vector<double> numbers;  // in the base unit (bytes, seconds, count, fraction)
  bool defaulted = true;
};

// The governor stopped the run (docs/governor.md): the first tripwire crossed.
struct GovernorStop {
  std::string tripwire;  // "psi-memory-full"
  double value = 0, limit = 0;
  std::string unit;    // "%", "pages", "fraction", "pid", "CPUs"
  std::string what;    // "memory PSI full avg10 12.30 % > 10 %"
  double at_s = 0;     // when it crossed, since the run started
  double ended_s = 0;  // when the workload had exited after being stopped
  // The tripwire's value read again once the workload had exited: still above the limit (PSI's
  // 10 s average falls slowly), or nullopt when the host was back under it.
  std::optional<double> value_at_end;
};

// A setting written for the run (by its journal, or a sweep's) that someone else changed while it
// ran: what was measured stood on a setting nobody chose, so the measurement does not count.
struct MovedSettingRecord {
  std::string path;   // relative to the root: "proc/sys/vm/swappiness"
  std::string wrote;  // what mmtune wrote
  std::string now;    // what the file held when mmtune looked
};

struct RunLimits {
  uint64_t footprint_bytes = 0;  // what the workload says it maps at its peak
  uint64_t size_cap_bytes = 0;   // the cap it was checked against
  bool forced = false;           // --force lifted the cap
  double time_limit_s = 0;
  std::optional<uint64_t> memory_limit_bytes;  // the memory cgroup's limit, when one was made
  std::string cgroup;                          // that cgroup's directory, relative to the host root
  // The governor's tripwires that were on, name → limit in the tripwire's unit (the foreign OOM
  // kill's limit is 0 kills); empty when the governor was off.
  std::map<std::string, double> governor;
};

struct Result {
  std::string workload;
  std::string started_at;  // UTC, ISO 8601
  double wall_s = 0;
  facts::HostFacts host;
  std::vector<ParamRecord> parameters;
  RunLimits limits;
  std::vector<Expectation> predictions;
  std::vector<Measurement> measurements;
  std::vector<Comparison> comparisons;
  std::vector<Phase> phases;
  std::vector<Series> series;
  Verdict verdict;
  std::optional<GovernorStop> governor_stop;       // set: the verdict is failed for this
  std::vector<MovedSettingRecord> moved_settings;  // non-empty: the verdict is failed for this
  std::vector<std::string> explanation;            // predicted vs observed, one line each
  std::vector<std::string> notes;  // context: hot or cold memory, foreign CPU, cgroup

  const Measurement* find(std::string_view name) const;
  const Expectation* prediction_for(std::string_view metric) const;
  const Series* find_series(std::string_view name) const;
};

std::string_view status_name(Status status);

// Compares every prediction that names a metric with the measurement of that name.
std::vector<Comparison> compare(const std::vector<Expectation>& predictions,
                                const std::vector<Measurement>& measurements);

std::string to_json(const Result& result, int indent = 2);
// Throws Error{bad_input} when text is not a result of a schema this build reads.
Result result_from_json(std::string_view text);

}  // namespace mmtune::workloads
