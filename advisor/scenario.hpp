#pragma once
// Running a profile's scenario: its steps, one workload each, through the workload runner, bounded
// in time (each step's limit; their sum fits the scenario's budget) and memory (each step may map
// at most memory_fraction of MemAvailable and, where there is a memory cgroup controller, runs in a
// cgroup with that limit).
//
//   ScenarioPlan plan = plan_scenario(profile, "quick", facts);  // every input error first (exit
//   2) ScenarioRun run = run_scenario(plan, options);               // never leaves anything behind
//
// JSON schema "mmtune.scenario/1" (scenario_to_json); the CI check and the reports read it, so keys
// are stable (new keys may be added within version 1):
//   { "schema": "mmtune.scenario/1", "profile": "general", "profile_file": "profiles/general.json",
//     "scenario": "quick", "host": {mmtune.host/1, before the run},
//     "bounds": {"time_budget_s", "memory_budget_bytes", "memory_cgroup"},
//     "steps": [{"id", "workload", "params": {"size": "1GiB", …}, "result": {mmtune.result/1}}],
//     "wall_s", "peak_cgroup_bytes": bytes | null, "peak_child_rss_bytes", "interrupted",
//     "notes": ["…"] }
// `mmtune tune` writes {"schema": "mmtune.tune/1", "advice": {mmtune.advice/1}, "scenario": {…}}.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisor/profile.hpp"
#include "advisor/progress.hpp"
#include "facts/facts.hpp"
#include "workloads/result.hpp"
#include "workloads/runner.hpp"

namespace mmtune::advisor {

inline constexpr std::string_view kScenarioSchema = "mmtune.scenario/1";

// A step with its parameters resolved for this host ("size" = 5 % of MemAvailable → "768MiB").
struct PlannedStep {
  ScenarioStep step;
  std::vector<std::pair<std::string, std::string>> params;  // as typed to the runner
  workloads::RunPlan plan;
};

struct ScenarioPlan {
  std::string profile;
  std::string profile_file;
  Scenario scenario;
  facts::HostFacts facts;
  uint64_t memory_budget_bytes = 0;  // memory_fraction × MemAvailable
  bool memory_cgroup = false;        // steps run in a memory cgroup with that limit
  std::vector<PlannedStep> steps;
};

struct StepOutcome {
  std::string id;
  std::string workload;
  std::vector<std::pair<std::string, std::string>> params;
  workloads::Result result;
};

struct ScenarioRun {
  std::string profile;
  std::string profile_file;
  std::string scenario;
  facts::HostFacts facts;  // before the run
  double time_budget_s = 0;
  uint64_t memory_budget_bytes = 0;
  bool memory_cgroup = false;
  std::vector<StepOutcome> steps;
  double wall_s = 0;
  std::optional<uint64_t> peak_cgroup_bytes;  // max over steps of the cgroup's peak usage
  uint64_t peak_child_rss_bytes = 0;          // getrusage(RUSAGE_CHILDREN) ru_maxrss
  bool interrupted = false;
  std::vector<std::string> notes;  // how the run deviated from the plan (a step without a cgroup)

  const StepOutcome* find_step(std::string_view id) const;
  // The first step of that workload whose verdict is ok; nullptr if none.
  const StepOutcome* find_ok(std::string_view workload) const;
};

// The value of a size given as a fraction of MemAvailable: fraction × available, clamped to
// [min, max] and rounded down to the multiple (never below one multiple).
uint64_t resolve_fraction(const ParamSpec& spec, uint64_t available_bytes);

// Resolves and plans every step (workloads::plan_run: parameters, cross-checks, size cap). Throws
// Error{bad_input} before anything runs, with a line for each step that cannot be planned naming
// the profile file, line and step; unknown scenario names list the profile's scenarios.
ScenarioPlan plan_scenario(const Profile& profile, std::string_view scenario,
                           const facts::HostFacts& facts);

struct ScenarioOptions {
  std::FILE* log = nullptr;  // progress lines (a terminal's stderr); nullptr: quiet
  std::filesystem::path state_dir = changes::default_state_dir();
  std::chrono::nanoseconds sample_interval = std::chrono::milliseconds(100);
  Progress* progress = nullptr;  // a terminal's status line: each step begins and ends in it
  workloads::GovernorLimits governor = workloads::governor_preset("defaults");  // every step's
};

// Runs the steps in order. A step that cannot run here is skipped with its reason; an interruption
// (SIGINT/SIGTERM) stops the scenario after the runner has cleaned up (run.interrupted).
ScenarioRun run_scenario(const ScenarioPlan& plan, const ScenarioOptions& options);

nlohmann::json scenario_to_json(const ScenarioRun& run);
// Throws Error{bad_input} when j is not a "mmtune.scenario/1" document.
ScenarioRun scenario_from_json(const nlohmann::json& j);

}  // namespace mmtune::advisor
