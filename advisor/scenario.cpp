// Scenarios: a profile's steps planned for this host, then run one after the other through the
// workload runner, each bounded in time and memory.
#include "advisor/scenario.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>

#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "workloads/params.hpp"

namespace mmtune::advisor {
namespace {

using nlohmann::json;

uint64_t available_bytes(const facts::HostFacts& facts) {
  return facts.meminfo.available_bytes.value_or(facts.meminfo.free_bytes);
}

std::string param_text(const ParamSpec& spec, uint64_t available) {
  if (spec.literal) return *spec.literal;
  return facts::format_size(resolve_fraction(spec, available));
}

// The runner's options for a step: its parameters, its time limit and the scenario's memory bounds.
workloads::RunOptions step_options(const ScenarioPlan& plan, const PlannedStep& step) {
  workloads::RunOptions options;
  options.params = workloads::text_inputs(step.params);
  options.time_limit = facts::from_seconds(step.step.time_limit_s);
  options.size_cap_fraction = plan.scenario.memory_fraction;
  if (plan.memory_cgroup) options.memory_limit_bytes = plan.memory_budget_bytes;
  return options;
}

// The run's record of the plan, before any step has run.
ScenarioRun empty_run(const ScenarioPlan& plan) {
  ScenarioRun run;
  run.profile = plan.profile;
  run.profile_file = plan.profile_file;
  run.scenario = plan.scenario.name;
  run.facts = plan.facts;
  run.time_budget_s = plan.scenario.time_budget_s;
  run.memory_budget_bytes = plan.memory_budget_bytes;
  run.memory_cgroup = plan.memory_cgroup;
  return run;
}

// "--size 1GiB --threads 2"
std::string params_text(const PlannedStep& step) {
  std::string text;
  for (const auto& [name, value] : step.params)
    text += fmt::format("{}--{} {}", text.empty() ? "" : " ", name, value);
  return text;
}

// Executes the step in its memory cgroup. Where there can be none (not root, or a v2 controller
// not delegated to us) the step runs without one, bounded by the size cap alone — plan_run checks
// the footprint against it — and a note says so; a step that cannot run at all is skipped.
workloads::Result execute_step(const ScenarioPlan& plan, const PlannedStep& step,
                               workloads::RunOptions run_options, std::vector<std::string>& notes,
                               std::FILE* log) {
  try {
    return workloads::execute(step.plan, run_options);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unsupported || !run_options.memory_limit_bytes) throw;
    run_options.memory_limit_bytes.reset();
    notes.push_back(fmt::format("{}: no memory cgroup ({}); bounded by the size cap of {} alone",
                                step.step.id, e.what(),
                                facts::format_bytes(plan.memory_budget_bytes)));
    if (log) fmt::print(log, "mmtune: {}\n", notes.back());
  }
  try {
    return workloads::execute(workloads::plan_run(step.step.workload, run_options, plan.facts),
                              run_options);
  } catch (const Error& again) {
    if (again.kind() != ErrorKind::bad_input && again.kind() != ErrorKind::unsupported) throw;
    workloads::Result skipped;
    skipped.workload = step.step.workload;
    skipped.host = plan.facts;
    skipped.verdict = {workloads::Status::skipped, again.what(), false};
    return skipped;
  }
}

// Runs step `index` of the plan, with a line in the log and the progress line before and after.
StepOutcome run_step(const ScenarioPlan& plan, size_t index, const ScenarioOptions& options,
                     std::vector<std::string>& notes) {
  const PlannedStep& step = plan.steps[index];
  const std::string counter = fmt::format("[{}/{}]", index + 1, plan.steps.size());
  if (options.log) {
    fmt::print(options.log, "mmtune: {} {} ({}{}{})\n", counter, step.step.id, step.step.workload,
               step.params.empty() ? "" : ": ", params_text(step));
  }
  if (options.progress)
    options.progress->begin(fmt::format("{} {}", counter, step.step.id), step.step.time_limit_s);
  workloads::RunOptions run_options = step_options(plan, step);
  run_options.sample_interval = options.sample_interval;
  run_options.state_dir = options.state_dir;
  run_options.log = options.log;
  run_options.governor = options.governor;
  StepOutcome outcome{step.step.id, step.step.workload, step.params,
                      execute_step(plan, step, run_options, notes, options.log)};
  if (options.progress) options.progress->end();
  if (options.log) {
    const workloads::Verdict& v = outcome.result.verdict;
    fmt::print(options.log, "mmtune: {} {}: {}{}{} in {:.1f} s\n", counter, step.step.id,
               workloads::status_name(v.status), v.reason.empty() ? "" : ": ", v.reason,
               outcome.result.wall_s);
  }
  return outcome;
}

// The largest resident set of any child process so far (getrusage RUSAGE_CHILDREN), 0 if unknown.
uint64_t peak_child_rss_bytes() {
  rusage children{};
  if (::getrusage(RUSAGE_CHILDREN, &children) != 0) return 0;
  return uint64_t(children.ru_maxrss) * 1024;
}

}  // namespace

const StepOutcome* ScenarioRun::find_step(std::string_view id) const {
  for (const StepOutcome& step : steps) {
    if (step.id == id) return &step;
  }
  return nullptr;
}

const StepOutcome* ScenarioRun::find_ok(std::string_view workload) const {
  for (const StepOutcome& step : steps) {
    if (step.workload == workload && step.result.verdict.status == workloads::Status::ok)
      return &step;
  }
  return nullptr;
}

uint64_t resolve_fraction(const ParamSpec& spec, uint64_t available_bytes) {
  double bytes = spec.fraction_of_available * double(available_bytes);
  if (spec.max_bytes) bytes = std::min(bytes, double(spec.max_bytes));
  bytes = std::max(bytes, double(spec.min_bytes));
  const uint64_t multiple = std::max<uint64_t>(1, spec.multiple_bytes);
  const uint64_t rounded = uint64_t(bytes) / multiple * multiple;
  return std::max(rounded, multiple);
}

ScenarioPlan plan_scenario(const Profile& profile, std::string_view scenario_name,
                           const facts::HostFacts& facts) {
  const Scenario* scenario = profile.scenario(scenario_name);
  if (!scenario) {
    std::string names;
    for (const auto& [name, s] : profile.scenarios) names += (names.empty() ? "" : ", ") + name;
    fail(ErrorKind::bad_input, "--scenario: profile {} has no scenario \"{}\" (it has: {})",
         profile.name, scenario_name, names);
  }
  ScenarioPlan plan;
  plan.profile = profile.name;
  plan.profile_file = profile.file;
  plan.scenario = *scenario;
  plan.facts = facts;
  const uint64_t available = available_bytes(facts);
  plan.memory_budget_bytes = uint64_t(scenario->memory_fraction * double(available));
  plan.memory_cgroup = facts.cgroup.version != 0;
  std::vector<std::string> problems;
  for (const ScenarioStep& step : scenario->steps) {
    PlannedStep planned;
    planned.step = step;
    for (const ParamSpec& spec : step.params)
      planned.params.emplace_back(spec.name, param_text(spec, available));
    workloads::RunOptions options = step_options(plan, planned);
    try {
      planned.plan = workloads::plan_run(step.workload, options, facts);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::bad_input) throw;
      problems.push_back(fmt::format("{}:{}: scenarios.{} step \"{}\": {}", profile.file, step.line,
                                     scenario->name, step.id, e.what()));
    }
    plan.steps.push_back(std::move(planned));
  }
  if (!problems.empty()) fail(ErrorKind::bad_input, "{}", fmt::join(problems, "\n"));
  return plan;
}

ScenarioRun run_scenario(const ScenarioPlan& plan, const ScenarioOptions& options) {
  ScenarioRun run = empty_run(plan);
  const auto start = std::chrono::steady_clock::now();
  for (size_t index = 0; index < plan.steps.size() && !run.interrupted; ++index) {
    StepOutcome outcome = run_step(plan, index, options, run.notes);
    if (const workloads::Measurement* peak = outcome.result.find("cgroup_peak_bytes"))
      run.peak_cgroup_bytes = std::max(run.peak_cgroup_bytes.value_or(0), uint64_t(peak->value));
    run.interrupted = outcome.result.verdict.interrupted;
    run.steps.push_back(std::move(outcome));
  }
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.peak_child_rss_bytes = peak_child_rss_bytes();
  return run;
}

json scenario_to_json(const ScenarioRun& run) {
  json steps = json::array();
  for (const StepOutcome& step : run.steps) {
    json params = json::object();
    for (const auto& [name, value] : step.params) params[name] = value;
    steps.push_back({{"id", step.id},
                     {"workload", step.workload},
                     {"params", params},
                     {"result", json::parse(workloads::to_json(step.result, -1))}});
  }
  return {
      {"schema", kScenarioSchema},
      {"profile", run.profile},
      {"profile_file", run.profile_file},
      {"scenario", run.scenario},
      {"host", facts::host_facts_to_json(run.facts)},
      {"bounds",
       {{"time_budget_s", run.time_budget_s},
        {"memory_budget_bytes", run.memory_budget_bytes},
        {"memory_cgroup", run.memory_cgroup}}},
      {"steps", steps},
      {"wall_s", run.wall_s},
      {"peak_cgroup_bytes", run.peak_cgroup_bytes ? json(*run.peak_cgroup_bytes) : json(nullptr)},
      {"peak_child_rss_bytes", run.peak_child_rss_bytes},
      {"interrupted", run.interrupted},
      {"notes", run.notes}};
}

ScenarioRun scenario_from_json(const json& j) {
  try {
    if (!j.is_object() || j.value("schema", "") != kScenarioSchema) {
      fail(ErrorKind::bad_input, "not a {} document", kScenarioSchema);
    }
    ScenarioRun run;
    run.profile = j.at("profile").get<std::string>();
    run.profile_file = j.at("profile_file").get<std::string>();
    run.scenario = j.at("scenario").get<std::string>();
    run.facts = facts::host_facts_from_json(j.at("host"));
    const json& bounds = j.at("bounds");
    run.time_budget_s = bounds.at("time_budget_s").get<double>();
    run.memory_budget_bytes = bounds.at("memory_budget_bytes").get<uint64_t>();
    run.memory_cgroup = bounds.at("memory_cgroup").get<bool>();
    for (const json& step : j.at("steps")) {
      StepOutcome outcome;
      outcome.id = step.at("id").get<std::string>();
      outcome.workload = step.at("workload").get<std::string>();
      for (const auto& [name, value] : step.at("params").items()) {
        outcome.params.emplace_back(name, value.get<std::string>());
      }
      outcome.result = workloads::result_from_json(step.at("result").dump());
      run.steps.push_back(std::move(outcome));
    }
    run.wall_s = j.at("wall_s").get<double>();
    if (!j.at("peak_cgroup_bytes").is_null())
      run.peak_cgroup_bytes = j.at("peak_cgroup_bytes").get<uint64_t>();
    run.peak_child_rss_bytes = j.at("peak_child_rss_bytes").get<uint64_t>();
    run.interrupted = j.at("interrupted").get<bool>();
    run.notes = j.value("notes", std::vector<std::string>{});
    return run;
  } catch (const json::exception& e) {
    fail(ErrorKind::bad_input, "{}: {}", kScenarioSchema, e.what());
  }
}

}  // namespace mmtune::advisor
