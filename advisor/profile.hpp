#pragma once
// Profiles: data files (profiles/*.json, schema "mmtune.profile/1", documented in
// profiles/README.md) that describe a class of server work — its goals and constraints, which the
// recommendation rules read — and the scenarios that exercise it: which workloads, with which
// parameters (sizes may be fractions of MemAvailable), for how long, and for CI which metrics in
// which direction within which tolerance.
//
// Loading checks everything a profile says before anything runs: every field name and type, every
// workload name against the registry, every parameter against that workload's table, every knob
// name and value against facts/knobs.hpp, every source id against advisor/sources.hpp. The problems
// make one Error{bad_input} with a line for each, in the order of the file, naming the file, line
// and field:
//   profiles/database.json:6: goals.swap: "sometimes" must be one of avoid|low|keep|compressed
//   profiles/database.json:14: vendor[0].knob: unknown knob "thp.defrg"; did you mean "thp.defrag"?
// A part that is wrong is not checked further (a step with an unknown workload: not its
// parameters), and checks that depend on it are left out (a metric naming that step).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/params.hpp"

namespace mmtune::advisor {

inline constexpr std::string_view kProfileSchema = "mmtune.profile/1";

// How much the work minds its anonymous memory being swapped out.
enum class SwapGoal {
  avoid,       // databases, caches, JVMs: swappiness 1 (never 0)
  low,         // batch, virtualization hosts: swappiness 10
  keep,        // general purpose: the kernel's balance is fine
  compressed,  // zram/zswap hosts: anon is cheap to reclaim (100+)
};
enum class PageCacheUse { normal, important, streaming };
enum class WritePattern { light, mixed, streaming };
// What Transparent Huge Pages should do for this work.
enum class ThpGoal {
  never,    // fork-heavy or latency-critical: 2 MiB COW and compaction stalls hurt
  madvise,  // only regions that ask (the safe default)
  always,   // allocators built for it (MongoDB 8); see the profile's vendor pins
  measure,  // let the thp workload's measurements choose between always and madvise
};
enum class NumaBalancingGoal { keep, off };
enum class OvercommitGoal {
  keep,       // no opinion
  fork_safe,  // fork-based snapshots of a large parent must not fail: overcommit_memory 1
  strict,     // commit accounting instead of the OOM killer: overcommit_memory 2
};

// Dirty limits to fall back on when no write bandwidth was measured here: either the bytes pair
// or the ratio pair, with the source that recommends them.
struct DirtyFallback {
  std::optional<uint64_t> bytes, background_bytes;
  std::optional<int64_t> ratio, background_ratio;
  std::string source;
  int line = 0;
};

// A value a vendor requires for this work ("thp.enabled" = "always" for MongoDB 8); rules honour it
// and cite the source.
struct VendorPin {
  std::string knob;
  std::string value;
  std::string source;  // id in advisor/sources.hpp
  std::string why;     // one line
  int line = 0;
};

// Explicit huge pages (hugetlbfs) the work reserves: PostgreSQL's huge_pages for its shared memory,
// guests backed by hugetlbfs. The advisor says when to reserve them (boot or run time).
struct HugetlbGoal {
  uint64_t page_bytes = 0;     // 2 MiB or 1 GiB
  double share_of_memory = 0;  // of MemTotal, reserved as such pages
  std::string source;          // id in advisor/sources.hpp
  std::string why;             // one line
  int line = 0;
};

struct Goals {
  SwapGoal swap = SwapGoal::keep;
  PageCacheUse page_cache = PageCacheUse::normal;
  WritePattern writes = WritePattern::light;
  std::optional<double> write_stall_budget_ms;  // bystander p99 budget while writers flood
  double dirty_drain_s = 1.0;                   // the hard dirty limit holds this much writeback
  std::optional<DirtyFallback> dirty_fallback;
  bool fork_snapshots = false;  // the work forks a large parent (BGSAVE, fork-based backups)
  ThpGoal thp = ThpGoal::madvise;
  bool latency_sensitive = false;  // tail latency matters more than throughput
  bool allocation_bursts = false;  // allocates fast in bursts (heap growth, VM start, cache fill)
  NumaBalancingGoal numa_balancing = NumaBalancingGoal::keep;
  OvercommitGoal overcommit = OvercommitGoal::keep;
  std::optional<HugetlbGoal> hugetlb;  // nullopt: the work reserves no explicit huge pages
  // Goal name ("thp", "swap", …) → ids in advisor/sources.hpp of the guidance behind it.
  std::map<std::string, std::vector<std::string>, std::less<>> sources;
};

// A workload parameter in a scenario: a literal, read once from the profile's text into the value
// its parameter holds (bytes or a count as uint64_t, a duration, a fraction; choices, paths and
// lists as their text), or a size as a fraction of MemAvailable, bounded and rounded down to a
// multiple. Either way it reaches the workload as a value, never as text made again.
struct ParamSpec {
  std::string name;
  std::optional<workloads::ParamInputValue> value;
  double fraction_of_available = 0;
  uint64_t min_bytes = 0, max_bytes = 0;  // 0 = no bound
  uint64_t multiple_bytes = 1;
  int line = 0;
};

struct ScenarioStep {
  std::string id;        // unique in the scenario; defaults to the workload name
  std::string workload;  // a name in the workload registry
  std::vector<ParamSpec> params;
  double time_limit_s = 30;
  bool needs_swap = false;  // "needs": "swap": skipped (with the reason) on a host without swap
  int line = 0;
};

enum class Direction { lower_is_better, higher_is_better };

// A CI metric: the measurement `metric` of step `step` may get worse than the baseline by at most
// `tolerance` (relative: 0.25 = 25 %) and/or `absolute` (in the metric's unit).
struct CiMetric {
  std::string step;
  std::string metric;
  Direction direction = Direction::lower_is_better;
  std::optional<double> tolerance;
  std::optional<double> absolute;
  int line = 0;
};

struct Scenario {
  std::string name;  // "quick", "full", "ci"
  std::string summary;
  double time_budget_s = 60;      // Σ step time limits must fit in it
  double memory_fraction = 0.25;  // of MemAvailable, for each step (cap and memory cgroup)
  std::vector<ScenarioStep> steps;
  std::vector<CiMetric> metrics;  // empty outside CI scenarios
  int line = 0;
};

struct Profile {
  std::string name;     // "database"
  std::string summary;  // one line
  std::string file;     // as given or found, for messages and reports
  Goals goals;
  std::vector<VendorPin> vendor;
  std::map<std::string, Scenario, std::less<>> scenarios;

  const Scenario* scenario(std::string_view name) const;
};

// Parses and checks a profile's text; label names it in errors ("profiles/database.json"). A
// syntax error stops the parse: it is the only problem reported.
Profile parse_profile(std::string_view text, std::string_view label);

// Directories searched for profiles by name, in order: $MMTUNE_PROFILES, the source tree's
// profiles/ (a build that has not been installed), the installed share/mmtune/profiles, and
// share/mmtune/profiles next to the running binary.
std::vector<std::filesystem::path> profile_dirs();
// A name ("database") is looked up in profile_dirs(); anything with a '/' or ending in ".json" is a
// path. Throws Error{bad_input} for an unknown name (with the names there are, or a "did you
// mean") or an unreadable file, and for the problems parse_profile finds.
Profile load_profile(std::string_view name_or_path);
// The profiles in the first directory of profile_dirs() that has any, by name.
std::vector<std::string> profile_names();

std::string_view to_string(SwapGoal goal);
std::string_view to_string(PageCacheUse use);
std::string_view to_string(WritePattern pattern);
std::string_view to_string(ThpGoal goal);
std::string_view to_string(NumaBalancingGoal goal);
std::string_view to_string(OvercommitGoal goal);
std::string_view to_string(Direction direction);

}  // namespace mmtune::advisor
