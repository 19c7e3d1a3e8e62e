#include "advisor/evidence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/prediction.hpp"
#include "workloads/registry.hpp"

namespace mmtune::advisor {
namespace {

// Steps whose host-wide reclaim is their own doing, not the host's reaction to ordinary
// allocation: fragmentation reserves hugetlb pages with __GFP_RETRY_MAYFAIL (reclaim and compact
// until it gives up) and may drop caches to split huge pages. Their host series and phases are
// left out of the reclaim evidence; their own measurements are read by the fragmentation rules.
bool provokes_reclaim(const StepOutcome& step) { return step.workload == "fragmentation"; }

const std::vector<double>* column_of(const workloads::Result& result, std::string_view column) {
  const workloads::Series* host = result.find_series("host");
  if (!host) return nullptr;
  auto it = host->columns.find(std::string(column));
  if (it == host->columns.end() || it->second.empty()) return nullptr;
  return &it->second;
}

}  // namespace

std::optional<EvidenceItem> measured(const ScenarioRun* run, std::string_view workload,
                                     std::string_view name) {
  if (!run) return std::nullopt;
  const StepOutcome* step = run->find_ok(workload);
  if (!step) return std::nullopt;
  const workloads::Measurement* m = step->result.find(name);
  if (!m) return std::nullopt;
  return EvidenceItem{step->id, step->workload, m->name,
                      m->value, m->unit,        fmt::format("{}: {}", m->source, m->counter)};
}

std::vector<EvidenceItem> measured_all(const ScenarioRun* run, std::string_view workload,
                                       std::string_view prefix) {
  std::vector<EvidenceItem> out;
  if (!run) return out;
  const StepOutcome* step = run->find_ok(workload);
  if (!step) return out;
  for (const workloads::Measurement& m : step->result.measurements) {
    if (m.name.starts_with(prefix)) {
      out.push_back({step->id, step->workload, m.name, m.value, m.unit,
                     fmt::format("{}: {}", m.source, m.counter)});
    }
  }
  return out;
}

std::optional<EvidenceItem> host_growth(const ScenarioRun* run, std::string_view column,
                                        std::string_view unit) {
  if (!run) return std::nullopt;
  double total = 0;
  int steps = 0;
  for (const StepOutcome& step : run->steps) {
    if (provokes_reclaim(step)) continue;
    const std::vector<double>* values = column_of(step.result, column);
    if (!values) continue;
    total += std::max(0.0, values->back() - values->front());
    ++steps;
  }
  if (steps == 0) return std::nullopt;
  return EvidenceItem{"all steps",
                      "",
                      std::string(column),
                      total,
                      std::string(unit),
                      fmt::format("host sampler: growth of {} over {} step{} (host-wide)", column,
                                  steps, steps == 1 ? "" : "s")};
}

std::optional<EvidenceItem> phase_vmstat(const ScenarioRun* run, std::string_view prefix) {
  if (!run) return std::nullopt;
  double total = 0;
  int phases = 0;
  for (const StepOutcome& step : run->steps) {
    if (provokes_reclaim(step)) continue;
    for (const workloads::Phase& phase : step.result.phases) {
      ++phases;
      total += double(phase.vmstat_delta.sum_prefix(prefix).value_or(0));
    }
  }
  if (phases == 0) return std::nullopt;
  return EvidenceItem{
      "all steps",
      "",
      std::string(prefix),
      total,
      "events",
      fmt::format("/proc/vmstat {}* deltas over {} workload phases (host-wide)", prefix, phases)};
}

std::optional<EvidenceItem> lowest_free_above_low(const ScenarioRun* run) {
  if (!run) return std::nullopt;
  double lowest = std::numeric_limits<double>::infinity();
  std::string where;
  for (const StepOutcome& step : run->steps) {
    if (provokes_reclaim(step)) continue;
    const std::vector<double>* free = column_of(step.result, "zone_free");
    const std::vector<double>* low = column_of(step.result, "zone_low");
    if (!free || !low) continue;
    for (size_t i = 0; i < std::min(free->size(), low->size()); ++i) {
      const double above = ((*free)[i] - (*low)[i]) * double(model::kPageSize);
      if (above < lowest) {
        lowest = above;
        where = step.id;
      }
    }
  }
  if (!std::isfinite(lowest)) return std::nullopt;
  return EvidenceItem{
      where,
      "",
      "lowest_free_above_low",
      lowest,
      "bytes",
      "host sampler: min over samples of Σ zone free − Σ zone low (/proc/zoneinfo)"};
}

EvidenceItem since_boot(std::string_view measurement, double value, std::string_view unit,
                        std::string_view counter) {
  return EvidenceItem{"host",
                      "",
                      std::string(measurement),
                      value,
                      std::string(unit),
                      fmt::format("{} since boot", counter)};
}

std::optional<WriteBandwidth> write_bandwidth(const ScenarioRun* run) {
  auto sustained = measured(run, "write-bandwidth", "sustained_mib_per_s");
  if (!sustained || sustained->value <= 0) return std::nullopt;
  WriteBandwidth out{*sustained, measured(run, "write-bandwidth", "hard_limit_drain_s"), ""};
  out.where = run->data_dir ? describe(*run->data_dir) : std::string("the run's --dir");
  return out;
}

std::optional<std::string> data_dir_note(const DataDir& dir, const Profile& profile,
                                         const ScenarioRun* run) {
  if (profile.goals.writes == WritePattern::light) return std::nullopt;
  if (auto problem = data_dir_problem(dir, profile.name)) return problem;
  const std::string command =
      fmt::format("`mmtune tune --profile {} --data-dir {}`", profile.name, dir.path.string());
  if (run && run->data_dir && run->data_dir->path != dir.path) {
    return fmt::format("the run measured writes in {}, not in {}: {} measures there",
                       describe(*run->data_dir), describe(dir), command);
  }
  if (!write_bandwidth(run)) {
    return fmt::format("no write bandwidth was measured in {}: {} measures it (about 2 s)",
                       describe(dir), command);
  }
  return std::nullopt;
}

std::string missing_because(const ScenarioRun* run, const Profile& profile,
                            std::string_view workload, std::string_view what) {
  if (!workloads::find_workload(workload)) {
    return fmt::format(
        "{} needs the {} workload, which is not in this build; this rule stands on the host facts "
        "and "
        "the model",
        what, workload);
  }
  // Where a run of it would come from: the first scenario of the profile that has the workload.
  std::string how = fmt::format(
      "a scenario with {} (`mmtune scenario FILE.json`), then `mmtune advise --from`", workload);
  for (const auto& [name, scenario] : profile.scenarios) {
    for (const ScenarioStep& step : scenario.steps) {
      if (step.workload != workload) continue;
      how = name == "quick"
                ? fmt::format("`mmtune tune --profile {}`", profile.name)
                : fmt::format(
                      "`mmtune scenario {} --scenario {} -o run.json`, then `mmtune advise "
                      "--profile {} --from run.json`",
                      profile.name, name, profile.name);
      break;
    }
    if (how.starts_with("`")) break;
  }
  if (!run) return fmt::format("{} needs a run of {}: {}", what, workload, how);
  for (const StepOutcome& step : run->steps) {
    if (step.workload != workload) continue;
    const workloads::Verdict& v = step.result.verdict;
    if (v.status == workloads::Status::ok) {
      return fmt::format("{} needs a measurement that the {} step did not report", what, step.id);
    }
    return fmt::format("{} needs {}, which was {} in this run: {}", what, workload,
                       workloads::status_name(v.status),
                       v.reason.empty() ? "no reason given" : v.reason);
  }
  return fmt::format("{} needs {}, which the {} scenario does not run: {}", what, workload,
                     run->scenario, how);
}

}  // namespace mmtune::advisor
