#pragma once
// `mmtune optimize`: the search of compare/optimize_search.hpp run on the live host, every trial a
// run of the workload under its setting through the sweep's machinery (the journal writes and
// undoes each knob around each run; the governor watches; a setting someone else moves voids the
// run), docs/optimize.md.
//
//   OptimizePlan plan = plan_optimize(options, facts, fs);  // every input error before a change
//   OptimizeResult result = run_optimize(plan);              // the host's settings restored
//
// JSON schema "mmtune.optimize/1" (optimize_to_json):
//   { "schema": "mmtune.optimize/1", "workload", "parameters": {name: text}, "host": {…},
//     "knobs": [{"knob", "lo", "hi", "scale": "linear"|"log"} | {"knob", "values": […]}],
//     "objective": {"metric", "direction": "min"|"max", "unit"},
//     "constraints": [{"text", "metric", "op": ">="|"<=", "bound"}],
//     "budget", "repeat_noise", "seed", "original": {knob: value},
//     "trials": [{"index", "kind", "settings", "key", "why", "expected_improvement", "ok",
//                 "failure", "objective", "constraints": [..], "feasible" (null without
//                 constraints), "incumbent",
//                 "measurements": {name: {"value", "unit"}}}],
//     "best": {"settings", "estimate", "low", "high", "runs", "samples", "median"} | null,
//     "start": {"samples", "median"},
//     "versus_start": {"test": "mann-whitney-u", "p", "u", "change", "significant", "alpha",
//                      "min_effect"} | null,
//     "noise_sd", "pruned": {"equivalent", "invalid"}, "runs", "stopped", "interrupted",
//     "governor_stop", "notes": [...] }
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compare/optimize_search.hpp"
#include "compare/optimize_space.hpp"
#include "compare/sweep.hpp"

namespace mmtune::compare {

inline constexpr std::string_view kOptimizeSchema = "mmtune.optimize/1";

struct OptimizeOptions {
  SweepOptions run;  // the workload, its parameters, --settle, limits, state dir, log
  std::vector<KnobDomain> knobs;
  Objective objective;
  std::vector<Constraint> constraints;
  int budget = 30;
  int repeat_noise = 3;
  uint64_t seed = 1;
};

struct OptimizePlan {
  OptimizeOptions options;
  workloads::RunPlan run_plan;
  Setting original;  // the knobs' values before the search: the starting settings
  SearchSpec spec;
};

// Checks every input before anything changes: knobs (distinct, one form per dirty limit, present
// and writable here), budget and repeats, the workload and its parameters, a space with at least
// one setting the model calls valid. Error{bad_input} or Error{unsupported}.
OptimizePlan plan_optimize(const OptimizeOptions& options, const facts::HostFacts& facts,
                           const probes::HostFs& fs);

struct TrialRun {
  std::vector<workloads::Measurement> measurements;  // of the run that counted
  std::string verdict;                               // "ok", or the failure
};

struct OptimizeResult {
  OptimizePlan plan;
  SearchResult search;
  std::vector<TrialRun> runs;  // parallel to search.trials
  std::string objective_unit;
  std::vector<InvalidatedRun> invalidated;
  std::optional<GovernorHalt> governor_stop;
  std::vector<std::string> notes;
};

// Runs the search on the live host. The first run (the starting settings) must report the
// objective and every constrained measurement: otherwise Error{bad_input} naming --objective or
// --constraint (after the journal undid everything). Every knob is restored after each run and
// however the search ends (SIGINT/SIGTERM: search.interrupted).
OptimizeResult run_optimize(const OptimizePlan& plan);

nlohmann::json optimize_to_json(const OptimizeResult& result);
std::string render_optimize(const OptimizeResult& result);

}  // namespace mmtune::compare
