#pragma once
// What `mmtune report` reads: any JSON document mmtune writes, recognised by its "schema" and read
// back with that document's own reader (workloads::result_from_json, scenario_from_json,
// advice_from_json, host_facts_from_json), so every saved file renders without this code knowing
// its layout twice.
//   mmtune.result/1     one workload run (`mmtune run --json`)
//   mmtune.scenario/1   a profile's scenario (`mmtune scenario -o`)
//   mmtune.tune/1       advice + the scenario behind it (`mmtune tune`)
//   mmtune.advice/1     advice alone (`mmtune advise --json`)
//   mmtune.host/1       host facts alone (`mmtune host --json`)
//   mmtune.sweep/1      a sweep (`mmtune sweep --json`): read back into a SweepResult whose runs
//                       are the saved results, so the tables are recomputed by analyze_sweep, the
//                       code that printed them
//   mmtune.check/1      a check (`mmtune check --json`): its tests and metric verdicts as saved
//   mmtune.optimize/1   a search (`mmtune optimize --json`): its trials and best as saved
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"
#include "compare/check.hpp"
#include "compare/sweep.hpp"
#include "facts/facts.hpp"
#include "workloads/result.hpp"

namespace mmtune::report {

// One trial of a saved search, as the report shows it.
struct OptimizeTrialRow {
  int index = 0;
  std::string kind, setting, why;
  std::vector<std::pair<std::string, std::string>> values;  // knob → value, in --knob order
  std::optional<double> objective, incumbent;               // nullopt: failed / none yet
  std::optional<bool> feasible;                             // nullopt: no constraints
};

// A saved `mmtune optimize --json` (mmtune.optimize/1).
struct OptimizeDocument {
  std::string workload, metric, direction, unit, original, stopped;
  std::vector<std::string> knobs, constraints;
  int budget = 0;
  uint64_t seed = 0;
  std::vector<OptimizeTrialRow> trials;
  std::optional<std::string> best;  // the setting; nullopt when nothing feasible was measured
  double estimate = 0, low = 0, high = 0, best_median = 0;
  size_t best_runs = 0;
  std::string estimate_source;
  std::optional<double> p, change;  // against the starting settings
  bool significant = false;
  std::vector<std::string> thresholds, notes;
  bool interrupted = false;
};

struct ReportInput {
  std::string schema;                       // as read: "mmtune.tune/1"
  std::optional<facts::HostFacts> host;     // the host the document describes (before any run)
  std::optional<workloads::Result> result;  // a single run
  std::optional<advisor::ScenarioRun> scenario;
  std::optional<advisor::Advice> advice;
  bool advice_from_scenario = false;  // advice computed here from a scenario document's profile
  std::optional<compare::SweepResult> sweep;
  std::optional<compare::CheckReport> check;
  std::optional<OptimizeDocument> optimize;
};

// Throws Error{bad_input} when text is not JSON, has no schema this build reads, or does not match
// its schema; the message names the schema (the caller adds the file name).
ReportInput read_report_input(std::string_view text);

}  // namespace mmtune::report
