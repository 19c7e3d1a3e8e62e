// advise(): the model of the host as set now, then every rule in a fixed order (the order of the
// report), then notes on what the advice could not take into account.
#include "advisor/advice.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "advisor/rules.hpp"
#include "advisor/sources.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"

namespace mmtune::advisor {

std::string_view to_string(Confidence confidence) {
  switch (confidence) {
    case Confidence::low:
      return "low";
    case Confidence::medium:
      return "medium";
    case Confidence::high:
      return "high";
  }
  return "?";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::critical:
      return "critical";
  }
  return "?";
}

const Recommendation* Advice::find(std::string_view knob) const {
  for (const Recommendation& rec : recommendations) {
    if (rec.knob == knob) return &rec;
  }
  return nullptr;
}

std::vector<const Recommendation*> Advice::changes() const {
  std::vector<const Recommendation*> out;
  for (const Recommendation& rec : recommendations) {
    if (rec.change) out.push_back(&rec);
  }
  return out;
}

const VendorPin* pin_for(const Profile& profile, std::string_view knob) {
  for (const VendorPin& pin : profile.vendor) {
    if (pin.knob == knob) return &pin;
  }
  return nullptr;
}

std::vector<std::string> sources_for(const Profile& profile, std::string_view goal,
                                     std::initializer_list<std::string_view> kernel) {
  std::vector<std::string> out(kernel.begin(), kernel.end());
  if (auto it = profile.goals.sources.find(goal); it != profile.goals.sources.end()) {
    for (const std::string& id : it->second) {
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
  }
  return out;
}

Recommendation start(const RuleContext& ctx, std::string_view knob) {
  Recommendation rec;
  rec.knob = std::string(knob);
  if (auto value = ctx.facts.settings.text(knob)) {
    rec.current = std::string(*value);
    rec.recommended = std::string(*value);
  }
  return rec;
}

void set_value(Recommendation& rec, std::string value) {
  rec.change = !rec.current || *rec.current != value;
  rec.recommended = std::move(value);
}

Confidence pin_confidence(const VendorPin& pin) {
  auto source = find_source(pin.source);
  return source && source->primary ? Confidence::medium : Confidence::low;
}

namespace {

// A rule never recommends a knob this host's kernel lacks; this holds it for every rule at once.
void drop_missing_knobs(Advice& advice) {
  const facts::KernelVersion kernel = advice.host.kernel_version;
  std::erase_if(advice.recommendations, [&](const Recommendation& rec) {
    const bool known_kernel = kernel.major > 0;
    const bool exists =
        rec.current.has_value() && (!known_kernel || facts::knob_exists_on(rec.knob, kernel));
    if (exists) return false;
    advice.notes.push_back(fmt::format("{} is not on this kernel ({}): nothing is said about it",
                                       rec.knob, advice.host.kernel));
    return true;
  });
}

}  // namespace

HostSummary summarize_host(const facts::HostFacts& facts) {
  HostSummary h;
  h.kernel = facts.kernel.release;
  h.kernel_version = {facts.kernel.major, facts.kernel.minor};
  h.cpus = facts.cpu.online;
  h.mem_total_bytes = facts.meminfo.total_bytes;
  h.mem_available_bytes = facts.meminfo.available_bytes;
  h.swap_total_bytes = facts.meminfo.swap_total_bytes;
  for (const facts::SwapDevice& swap : facts.swaps) h.swap_devices.push_back(swap.filename);
  h.numa_nodes = facts.numa.size();
  h.mglru = facts.mglru_enabled();
  h.cgroup_version = facts.cgroup.version;
  if (auto v = facts.settings.text("thp.enabled")) h.thp_enabled = std::string(*v);
  if (auto v = facts.settings.text("thp.defrag")) h.thp_defrag = std::string(*v);
  return h;
}

Advice advise(const facts::HostFacts& facts, const Profile& profile, const ScenarioRun* run) {
  Advice advice;
  advice.profile = profile.name;
  advice.profile_file = profile.file;
  advice.profile_summary = profile.summary;
  advice.host = summarize_host(facts);
  if (run) {
    advice.scenario = run->scenario;
    for (const StepOutcome& step : run->steps) {
      advice.runs.push_back({step.id, step.workload,
                             std::string(workloads::status_name(step.result.verdict.status)),
                             step.result.verdict.reason, step.result.wall_s});
    }
  }

  const model::HostModel now = model::model_host(facts);
  const RuleContext ctx{facts, profile, run, now};
  for (auto rule : {swappiness_rules, watermark_rules, dirty_rules, thp_rules, compaction_rules,
                    overcommit_rules, numa_rules}) {
    for (Recommendation& rec : rule(ctx)) advice.recommendations.push_back(std::move(rec));
  }
  drop_missing_knobs(advice);
  attach_persisted(facts, advice.recommendations);
  for (auto finder : {cgroup_findings, persistence_findings, hugetlb_findings, kubelet_findings,
                      host_lacks_findings}) {
    for (Finding& f : finder(ctx)) advice.findings.push_back(std::move(f));
  }
  advice.persist = persist_plan(facts, advice.recommendations);

  if (!run) {
    advice.notes.push_back(
        "no workload was run: every recommendation stands on the host facts, the model and the "
        "profile; "
        "`mmtune tune` adds measurements from this host");
  } else if (run->interrupted) {
    advice.notes.push_back(
        "the scenario was interrupted: the steps that did not run give no evidence");
  }
  if (facts.cgroup.version == 2 && facts.cgroup.max_bytes) {
    advice.notes.push_back(fmt::format(
        "this runs in a cgroup v2 memory cgroup limited to {}: the vm.* sysctls are host-wide and "
        "only "
        "the host's administrator can set them; memory.high/memory.max shape reclaim here",
        facts::format_bytes(*facts.cgroup.max_bytes)));
  }
  return advice;
}

}  // namespace mmtune::advisor
