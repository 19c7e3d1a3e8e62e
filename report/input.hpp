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

struct ReportInput {
  std::string schema;                       // as read: "mmtune.tune/1"
  std::optional<facts::HostFacts> host;     // the host the document describes (before any run)
  std::optional<workloads::Result> result;  // a single run
  std::optional<advisor::ScenarioRun> scenario;
  std::optional<advisor::Advice> advice;
  bool advice_from_scenario = false;  // advice computed here from a scenario document's profile
  std::optional<compare::SweepResult> sweep;
  std::optional<compare::CheckReport> check;
};

// Throws Error{bad_input} when text is not JSON, has no schema this build reads, or does not match
// its schema; the message names the schema (the caller adds the file name).
ReportInput read_report_input(std::string_view text);

}  // namespace mmtune::report
