#pragma once
// The advice: for each knob, the current value, the recommended one (or keep), how sure we are,
// why in the model's numbers, what was measured here that supports it, and on whose guidance the
// rule stands. JSON schema "mmtune.advice/1" (advisor/advice_json.hpp); sysctl.d and tuned files
// (advisor/sysctl_files.hpp); terminal and Markdown renderings (report/advice_render.hpp).
//
//   Advice advice = advise(facts, profile, run);   // run: nullptr when nothing was measured
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "facts/facts.hpp"
#include "model/prediction.hpp"

namespace mmtune::advisor {

enum class Confidence { low, medium, high };
std::string_view to_string(Confidence confidence);

// One measured number behind a recommendation.
struct EvidenceItem {
  std::string run;          // the scenario step ("thp"), or "host" for counters since boot
  std::string workload;     // "thp"; empty for host counters
  std::string measurement;  // "random_access_speedup", "allocstall"
  double value = 0;
  std::string unit;
  std::string counter;  // where it came from: "/proc/vmstat allocstall_* delta over the run"
};

struct Recommendation {
  std::string knob;                    // "vm.swappiness" (facts/knobs.hpp names)
  std::optional<std::string> current;  // nullopt: this host does not have the knob
  std::string recommended;             // the value to set; the current value when keep
  bool change = false;                 // false: keep the current value
  Confidence confidence = Confidence::medium;
  std::string summary;                     // one line: what and, in short, why
  std::vector<std::string> rationale;      // the reasoning, with the model's numbers, one line each
  std::vector<model::Prediction> numbers;  // the model's numbers behind the rationale
  std::vector<EvidenceItem> evidence;      // measurements here that support it
  std::optional<std::string> evidence_missing;  // which measurement would settle it, and why absent
  std::vector<std::string> sources;             // ids in advisor/sources.hpp
};

// What a scenario step came to, for the advice's record of its evidence.
struct RunRecord {
  std::string step, workload, status, reason;
  double wall_s = 0;
};

// The host in a few facts, so the advice reads on its own.
struct HostSummary {
  std::string kernel;
  int cpus = 0;
  uint64_t mem_total_bytes = 0;
  std::optional<uint64_t> mem_available_bytes;
  uint64_t swap_total_bytes = 0;
  std::vector<std::string> swap_devices;
  size_t numa_nodes = 0;
  bool mglru = false;
  int cgroup_version = 0;
  std::optional<std::string> thp_enabled, thp_defrag;
};

struct Advice {
  std::string profile;       // name
  std::string profile_file;  // as loaded ("profiles/database.json")
  std::string profile_summary;
  HostSummary host;
  std::optional<std::string> scenario;  // the scenario whose runs are the evidence
  std::vector<RunRecord> runs;
  std::vector<Recommendation> recommendations;
  std::vector<std::string> notes;  // what the advice could not consider, and why

  const Recommendation* find(std::string_view knob) const;
  // The recommendations that change something, in order.
  std::vector<const Recommendation*> changes() const;
};

// The whole advice for facts under profile, with run's measurements as evidence when given.
Advice advise(const facts::HostFacts& facts, const Profile& profile, const ScenarioRun* run);

HostSummary summarize_host(const facts::HostFacts& facts);

}  // namespace mmtune::advisor
