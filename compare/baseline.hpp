#pragma once
// `mmtune baseline`: a CI scenario's metrics from repeated runs, with the host fingerprint they
// were measured under, in one JSON file that `mmtune check` compares later runs with.
//
//   ScenarioPlan plan = plan_scenario(load_profile("ci-smoke"), "ci", facts);
//   RepeatedRuns runs = run_repeated(plan, 5, options);
//   Baseline baseline = make_baseline(plan, runs, read_fingerprint(fs));
//
// Each repeat runs every step of the scenario once (steps interleaved with repeats, so drift of
// the host spreads over all metrics). A metric's samples are its values from the repeats whose step
// ended ok. At least kMinRepeats repeats: the one-sided test `mmtune check` applies can only reach
// p < 0.05 with 5 + 5 samples (smallest p 1/252).
//
// JSON schema "mmtune.baseline/1" (keys stable, new keys may be added within version 1):
//   { "schema": "mmtune.baseline/1", "created_at": "…Z", "profile": "ci-smoke",
//     "profile_file": "…", "scenario": "ci", "repeats": 5,
//     "bounds": {"time_budget_s", "memory_fraction"},
//     "fingerprint": {group: {name: value}},                   see compare/fingerprint.hpp
//     "steps": [{"id", "workload", "params": {name: text}, "time_limit_s",
//                "runs": [{"status", "reason", "wall_s"}]}],
//     "metrics": [{"name": "demand-paging/ns_per_fault", "step", "metric", "unit",
//                  "direction": "lower" | "higher", "tolerance": 0.5 | null, "absolute": null,
//                  "samples": [...], "n", "median", "mean", "stddev", "min", "max"}],
//     "notes": [...] }
// "samples" are the truth; the summary beside them is for people, and must agree with them (a
// hand-edited median without its samples is rejected, naming the metric).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "compare/fingerprint.hpp"
#include "compare/stats.hpp"

namespace mmtune::compare {

inline constexpr std::string_view kBaselineSchema = "mmtune.baseline/1";
inline constexpr int kMinRepeats = 5;

struct BaselineRun {
  std::string status, reason;  // status_name(): ok, skipped, failed
  double wall_s = 0;
};

struct BaselineStep {
  std::string id, workload;
  std::vector<std::pair<std::string, std::string>> params;  // as typed to the runner
  double time_limit_s = 0;
  std::vector<BaselineRun> runs;
};

struct BaselineMetric {
  std::string step, metric, unit;
  advisor::Direction direction = advisor::Direction::lower_is_better;
  std::optional<double> tolerance, absolute;  // from the profile (see profile.hpp CiMetric)
  std::vector<double> samples;

  std::string name() const { return step + "/" + metric; }
};

struct Baseline {
  std::string created_at;
  std::string profile, profile_file, scenario;
  int repeats = 0;
  double time_budget_s = 0, memory_fraction = 0;
  Fingerprint fingerprint;
  std::vector<BaselineStep> steps;
  std::vector<BaselineMetric> metrics;
  std::vector<std::string> notes;

  const BaselineMetric* find(std::string_view name) const;
};

struct RepeatedRuns {
  std::vector<advisor::ScenarioRun> runs;  // one per finished repeat
  bool interrupted = false;
  double wall_s = 0;
};

// Runs the scenario `repeats` times. SIGINT/SIGTERM stop it after the runner's cleanup
// (interrupted); the caller then throws Error{interrupted}.
RepeatedRuns run_repeated(const advisor::ScenarioPlan& plan, int repeats,
                          const advisor::ScenarioOptions& options);

// The samples of step/metric over the repeats whose step ended ok, and that metric's unit (empty
// when no repeat measured it).
std::vector<double> metric_samples(const RepeatedRuns& runs, std::string_view step,
                                   std::string_view metric, std::string* unit = nullptr);

// Throws Error{bad_input} when the plan's scenario has no CI metrics.
Baseline make_baseline(const advisor::ScenarioPlan& plan, const RepeatedRuns& runs,
                       Fingerprint fingerprint);

// The scenario the baseline was recorded with, as a profile of one scenario: `mmtune check` runs
// exactly these steps with exactly these parameters.
advisor::Profile baseline_profile(const Baseline& baseline);

nlohmann::json baseline_to_json(const Baseline& baseline);
// Throws Error{bad_input} naming label and the field for anything missing or inconsistent.
Baseline baseline_from_json(const nlohmann::json& j, std::string_view label);
Baseline read_baseline(const std::filesystem::path& path);

}  // namespace mmtune::compare
