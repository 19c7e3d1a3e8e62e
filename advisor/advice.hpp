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
#include "facts/knobs.hpp"
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

// One test a rule made: a number normalised so that hosts compare (per hour of uptime, a share of
// all scanning, a share of wall time), held against a stated threshold with the reason for it.
struct Signal {
  std::string name;           // "direct-reclaim stalls per hour"
  double value = 0;           // the normalised number
  std::string unit;           // "per hour", "%", "s per hour"
  std::string normalisation;  // how value was made: "Σ allocstall_* 41022 since boot / 312.4 h up"
  std::string comparison;     // "≥", ">"
  double threshold = 0;
  std::string threshold_source;  // why that threshold, and whose word it is
  bool met = false;
};

struct Recommendation {
  std::string id;                      // the rule that decided: "wsf-direct-reclaim" (stable)
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
  std::vector<Signal> signals;                  // the tests behind the decision, met or not
  // What the host sets for this knob at every boot, and where; nullopt when nothing does.
  std::optional<facts::PersistedSetting> persisted;
  // Settings that only make sense together ("overcommit-strict": overcommit_memory 2 with its
  // ratio): the files emit every member of a group, or none.
  std::string group;
};

enum class Severity { info, warning, critical };
std::string_view to_string(Severity severity);

// Something on the host that is not a vm.* knob to turn: a cgroup at its limit, a setting that a
// reboot will undo, a feature the kernel lacks. It names its own lever.
struct Finding {
  std::string id;  // stable: "cgroup-at-limit", "persist-drift", "host-lacks-psi"
  Severity severity = Severity::info;
  std::string subject;  // what it is about: a cgroup path, a knob, "host"
  std::string summary;  // one line
  std::vector<std::string> details;
  std::vector<Signal> signals;
  std::vector<EvidenceItem> evidence;
  std::string lever;  // what to change instead of a vm.* knob, or "" when nothing is to change
  std::vector<std::string> sources;
};

// How the advice is made to stick on this host (probes/persisted.hpp), for the renderings.
struct PersistPlan {
  std::vector<std::string> tuned_profiles;  // active and enabled tuned profile(s); empty: none
  bool tuned_enabled = false;
  std::optional<std::string> cmdline_thp;      // transparent_hugepage= on the running command line
  std::string sysctl_file = "99-mmtune.conf";  // a sysctl.d name that sorts after every file
                                               // setting a knob the advice changes
  std::vector<std::string> files;              // the persisted-settings files read
};

// What a scenario step came to, for the advice's record of its evidence.
struct RunRecord {
  std::string step, workload, status, reason;
  double wall_s = 0;
};

// The host in a few facts, so the advice reads on its own.
struct HostSummary {
  std::string kernel;
  facts::KernelVersion kernel_version;  // major.minor, for which knobs the kernel has
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
  std::vector<Finding> findings;
  PersistPlan persist;
  std::vector<std::string> notes;  // what the advice could not consider, and why

  const Recommendation* find(std::string_view knob) const;
  // The recommendations that change something, in order.
  std::vector<const Recommendation*> changes() const;
};

// The whole advice for facts under profile, with run's measurements as evidence when given.
Advice advise(const facts::HostFacts& facts, const Profile& profile, const ScenarioRun* run);

HostSummary summarize_host(const facts::HostFacts& facts);

}  // namespace mmtune::advisor
