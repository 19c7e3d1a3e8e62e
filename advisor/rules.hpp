#pragma once
// The recommendation rules, one file per topic. Each reads the host facts, the model of the host
// as set now, the profile's goals and vendor pins, and the run's measurements when there is a run,
// and returns its recommendations. Internal to advisor/: advise() (advice.cpp) calls them in order.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/advice.hpp"
#include "model/host_model.hpp"

namespace mmtune::advisor {

struct RuleContext {
  const facts::HostFacts& facts;
  const Profile& profile;
  const ScenarioRun* run;       // nullptr: nothing measured; rules stand on facts and the model
  const model::HostModel& now;  // the model for the settings the host has
};

std::vector<Recommendation> swappiness_rules(const RuleContext& ctx);
std::vector<Recommendation> watermark_rules(const RuleContext& ctx);
std::vector<Recommendation> dirty_rules(const RuleContext& ctx);
std::vector<Recommendation> thp_rules(const RuleContext& ctx);
std::vector<Recommendation> compaction_rules(const RuleContext& ctx);
std::vector<Recommendation> overcommit_rules(const RuleContext& ctx);
std::vector<Recommendation> numa_rules(const RuleContext& ctx);

// Findings: cgroups at their limit (findings_cgroups.cpp), what the host lacks and kubelet
// (findings_host.cpp), settings a reboot changes (persistence.cpp).
std::vector<Finding> cgroup_findings(const RuleContext& ctx);
std::vector<Finding> host_lacks_findings(const RuleContext& ctx);
std::vector<Finding> kubelet_findings(const RuleContext& ctx);
std::vector<Finding> persistence_findings(const RuleContext& ctx);
// Explicit huge pages the profile reserves: at boot or at run time (findings_hugetlb.cpp).
std::vector<Finding> hugetlb_findings(const RuleContext& ctx);
// Fills each recommendation's persisted value, with a line when the boot value would undo it.
void attach_persisted(const facts::HostFacts& facts, std::vector<Recommendation>& recs);
// Which form makes the advice stick on this host.
PersistPlan persist_plan(const facts::HostFacts& facts, const std::vector<Recommendation>& recs);

// Helpers shared by the rules.

// The profile's vendor pin for knob, or nullptr.
const VendorPin* pin_for(const Profile& profile, std::string_view knob);
// Kernel source ids first, then the profile's sources for goal (no duplicates).
std::vector<std::string> sources_for(const Profile& profile, std::string_view goal,
                                     std::initializer_list<std::string_view> kernel);
// A recommendation for knob with its current value filled in from the host's settings; the value
// is kept unless set_value() is called.
Recommendation start(const RuleContext& ctx, std::string_view knob);
// Sets the recommended value; a value equal to the current one stays a keep.
void set_value(Recommendation& rec, std::string value);
// The confidence a vendor pin earns: medium for a primary source, low for a secondary page.
Confidence pin_confidence(const VendorPin& pin);

}  // namespace mmtune::advisor
