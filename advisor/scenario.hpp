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
//     "data_dir": {"path", "filesystem", "device", "memory_backed", "given"} (when planned with
//     one), "steps": [{"id", "workload", "params": {"size": "1GiB", …}, "result":
//     {mmtune.result/1}}], "wall_s", "peak_cgroup_bytes": bytes | null, "peak_child_rss_bytes",
//     "interrupted", "notes": ["…"] }
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

// Where the user's data lives: the directory whose filesystem the write measurements use
// (`--data-dir`; by default the current directory).
struct DataDir {
  std::filesystem::path path;  // absolute
  std::string filesystem;      // the mount's type in /proc/self/mountinfo: "ext4", "tmpfs", …
  std::string device;          // the mount's source ("/dev/sda1"); empty when unknown
  bool memory_backed = false;  // tmpfs or ramfs: what is written there never reaches a device
  bool given = false;          // named with --data-dir, not the current directory
};

// The directory as seen from this process. Throws Error{bad_input} naming --data-dir when it is
// not a directory.
DataDir describe_data_dir(const std::filesystem::path& dir, bool given);
// "/srv/pg (ext4 on /dev/sda1)", and for the current directory "the current directory /srv/pg
// (…)".
std::string describe(const DataDir& dir);
// Why the writes of a step cannot measure a device in dir (tmpfs), with what to give instead; the
// command is `mmtune COMMAND --profile PROFILE --data-dir DIR`.
std::optional<std::string> data_dir_problem(const DataDir& dir, std::string_view profile);

// A step with its parameters resolved for this host ("size" = 5 % of MemAvailable → 768 MiB).
struct PlannedStep {
  ScenarioStep step;
  std::vector<workloads::ParamInput> inputs;  // the values the runner gets: bytes, counts, …
  // The same values written out exactly, as a user would type them ("1842MiB"), for the log, the
  // JSON and a baseline; nothing reads them back into this plan.
  std::vector<std::pair<std::string, std::string>> params;
  workloads::RunPlan plan;
};

struct ScenarioPlan {
  std::string profile;
  std::string profile_file;
  Scenario scenario;
  facts::HostFacts facts;
  uint64_t memory_budget_bytes = 0;  // memory_fraction × MemAvailable
  bool memory_cgroup = false;        // steps run in a memory cgroup with that limit
  std::optional<DataDir> data_dir;   // where the write measurements write
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
  std::optional<DataDir> data_dir;
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

// Workloads whose writes are measured where the data lives: their --dir is the data dir unless
// the profile sets it.
inline constexpr std::string_view kDataDirWorkloads[] = {"write-bandwidth", "dirty-flood"};

// Resolves and plans every step (workloads::plan_run: parameters, cross-checks, size cap). Throws
// Error{bad_input} before anything runs, with a line for each step that cannot be planned naming
// the profile file, line and step; unknown scenario names list the profile's scenarios. With a
// data dir, the steps of kDataDirWorkloads write there, and are planned to be skipped (with the
// reason and what to run instead) when it is memory-backed; a step that needs swap is planned to
// be skipped on a host without it.
ScenarioPlan plan_scenario(const Profile& profile, std::string_view scenario,
                           const facts::HostFacts& facts, const DataDir* data_dir = nullptr);

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
