#pragma once
// Metrics for node_exporter's textfile collector: the Prometheus text exposition format (0.0.4),
// names mmtune_* in base units, HELP and TYPE for every family, and only what node_exporter does
// not export itself (docs/prometheus.md lists every metric and why it is here):
//   - the model's thresholds for the host as read now: per-zone watermarks, the dirty thresholds
//     and the free-run ceiling, the min_free_kbytes the kernel would pick, agreement with the
//     kernel's own numbers;
//   - the reclaim, compaction and THP counters of /proc/vmstat that node_exporter's default vmstat
//     filter (oom_kill, pgpg*, pswp*, pg*fault) drops;
//   - the last run's steps, its measurements the model predicted with their deviation, the
//     recommendations as an _info metric, the last check's verdicts, and when each command last
//     ran.
// Labels name zones, steps, metrics, knobs and check tests: bounded by the profile and the kernel,
// never by time or by a run.
//
//   ExportInput input;  input.host = read_host_facts(fs);  add_document(input, doc);
//   std::string text = render_prometheus(prometheus_families(input));
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"
#include "compare/baseline.hpp"
#include "compare/check.hpp"
#include "facts/facts.hpp"
#include "report/input.hpp"
#include "workloads/result.hpp"

namespace mmtune::report {

enum class MetricType { gauge, counter };

struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // "mmtune_model_dirty_limit_bytes"
  MetricType type = MetricType::gauge;
  std::string help;  // one line: what it is and where the number comes from
  std::vector<MetricSample> samples;
};

// When a command last ran, from the document it wrote.
struct RunTime {
  std::string command;  // tune, scenario, run, check, baseline
  std::string profile, scenario;
  std::optional<double> end_unix_s;  // started_at + wall_s, or a baseline's created_at
  std::optional<double> wall_s;
};

// What one export covers; every part is optional.
struct ExportInput {
  std::string version;                    // of this mmtune build
  std::optional<facts::HostFacts> host;   // the host as read now: thresholds and counters
  std::optional<advisor::Advice> advice;  // the newest advice (from tune or advise)
  // The newest measured steps: a scenario (tune, scenario) or one run, whichever came last.
  std::optional<advisor::ScenarioRun> scenario;
  std::optional<workloads::Result> result;
  std::optional<compare::CheckReport> check;
  std::vector<RunTime> runs;  // one per command, the newest
};

// The command that writes documents of this schema, for the documents an export reads (tune,
// scenario, run, advise, check, baseline); nullopt for any other schema.
std::optional<std::string_view> exported_command(std::string_view schema);

// Adds what a tune, scenario, run, advice or check document holds (read by read_report_input).
// Called oldest document first: a newer document replaces what an older one gave for the same
// part. Throws Error{bad_input} for a document of another kind (a sweep, host facts).
void add_document(ExportInput& input, const ReportInput& document);
void add_baseline(ExportInput& input, const compare::Baseline& baseline);

// Every family with samples, in a fixed order. notes (when given) receives what could not be
// exported and why (the model cannot run on facts that lack zones).
std::vector<MetricFamily> prometheus_families(const ExportInput& input,
                                              std::vector<std::string>* notes = nullptr);

// The exposition text: families in order, each with HELP and TYPE, label values escaped.
std::string render_prometheus(const std::vector<MetricFamily>& families);

// The family for one unit of measurement: "ns" → {"seconds", 1e-9}, "GiB/s" →
// {"bytes_per_second", 2^30}, "faults" → {"faults", 1}. Units without a base unit keep their name,
// made a valid metric-name part.
struct BaseUnit {
  std::string suffix;
  double scale = 1;
};
BaseUnit base_unit(std::string_view unit);

}  // namespace mmtune::report
