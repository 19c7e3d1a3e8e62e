#include "compare/baseline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "facts/units.hpp"

namespace mmtune::compare {
namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

// Reads j[key] with the expected type, or fails naming label and path.
template <typename T>
T field(const json& j, std::string_view key, std::string_view label, std::string_view where) {
  auto it = j.find(key);
  if (it == j.end()) fail(ErrorKind::bad_input, "{}: {}{} is missing", label, where, key);
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    fail(ErrorKind::bad_input, "{}: {}{} has the wrong type ({})", label, where, key,
         it->type_name());
  }
}

// Reads j[key] like field(), or gives `absent` when there is no such key.
template <typename T>
T field_or(const json& j, std::string_view key, T absent, std::string_view label,
           std::string_view where) {
  return j.contains(key) ? field<T>(j, key, label, where) : absent;
}

std::optional<double> optional_field(const json& j, std::string_view key, std::string_view label,
                                     std::string_view where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number())
    fail(ErrorKind::bad_input, "{}: {}{} must be a number or null", label, where, key);
  return it->get<double>();
}

BaselineStep step_from_json(const json& j, std::string_view label, const std::string& where) {
  BaselineStep step;
  step.id = field<std::string>(j, "id", label, where);
  step.workload = field<std::string>(j, "workload", label, where);
  step.time_limit_s = field<double>(j, "time_limit_s", label, where);
  const json params = field<json>(j, "params", label, where);
  if (!params.is_object())
    fail(ErrorKind::bad_input, "{}: {}params must be an object", label, where);
  for (const auto& [name, value] : params.items()) {
    if (!value.is_string())
      fail(ErrorKind::bad_input, "{}: {}params.{} must be a string", label, where, name);
    step.params.emplace_back(name, value.get<std::string>());
  }
  const json runs = field_or<json>(j, "runs", json::array(), label, where);
  if (!runs.is_array()) fail(ErrorKind::bad_input, "{}: {}runs must be an array", label, where);
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string at = fmt::format("{}runs[{}].", where, i);
    if (!runs[i].is_object())
      fail(ErrorKind::bad_input, "{}: {}runs[{}] must be an object", label, where, i);
    step.runs.push_back({field_or<std::string>(runs[i], "status", "", label, at),
                         field_or<std::string>(runs[i], "reason", "", label, at),
                         field_or<double>(runs[i], "wall_s", 0.0, label, at)});
  }
  return step;
}

advisor::Direction direction_from_json(const json& j, std::string_view label,
                                       const std::string& where) {
  const std::string direction = field<std::string>(j, "direction", label, where);
  if (direction == "lower") return advisor::Direction::lower_is_better;
  if (direction == "higher") return advisor::Direction::higher_is_better;
  fail(ErrorKind::bad_input, "{}: {}direction \"{}\" must be lower or higher", label, where,
       direction);
}

// The summary beside the samples is for people; a hand edit of one without the other would make
// the check compare with numbers nobody measured.
void check_recorded_median(const json& j, const BaselineMetric& metric, std::string_view label,
                           const std::string& where) {
  const std::optional<double> recorded = optional_field(j, "median", label, where);
  if (!recorded || metric.samples.empty()) return;
  const double actual = median(metric.samples);
  if (std::fabs(*recorded - actual) > 1e-9 * std::max(1.0, std::fabs(actual))) {
    fail(ErrorKind::bad_input,
         "{}: {} ({}): median {} is not the median of its samples ({}); edit the samples "
         "(the check compares them) and the median together, or drop the median",
         label, where, metric.name(), *recorded, actual);
  }
}

BaselineMetric metric_from_json(const json& j, const std::vector<BaselineStep>& steps,
                                std::string_view label, const std::string& where) {
  BaselineMetric metric;
  metric.step = field<std::string>(j, "step", label, where);
  metric.metric = field<std::string>(j, "metric", label, where);
  metric.unit = field<std::string>(j, "unit", label, where);
  metric.direction = direction_from_json(j, label, where);
  metric.tolerance = optional_field(j, "tolerance", label, where);
  metric.absolute = optional_field(j, "absolute", label, where);
  if (!metric.tolerance && !metric.absolute)
    fail(ErrorKind::bad_input, "{}: {} needs a tolerance or an absolute margin", label, where);
  if ((metric.tolerance && *metric.tolerance < 0) || (metric.absolute && *metric.absolute < 0))
    fail(ErrorKind::bad_input, "{}: {}tolerance and absolute must not be negative", label, where);
  metric.samples = field<std::vector<double>>(j, "samples", label, where);
  const bool known_step = std::any_of(steps.begin(), steps.end(),
                                      [&](const BaselineStep& s) { return s.id == metric.step; });
  if (!known_step)
    fail(ErrorKind::bad_input, "{}: {}step \"{}\" is not one of the steps", label, where,
         metric.step);
  check_recorded_median(j, metric, label, where);
  return metric;
}

}  // namespace

const BaselineMetric* Baseline::find(std::string_view name) const {
  for (const BaselineMetric& metric : metrics) {
    if (metric.name() == name) return &metric;
  }
  return nullptr;
}

RepeatedRuns run_repeated(const advisor::ScenarioPlan& plan, int repeats,
                          const advisor::ScenarioOptions& options) {
  changes::SignalGuard guard;
  RepeatedRuns result;
  const auto start = std::chrono::steady_clock::now();
  for (int repeat = 0; repeat < repeats; ++repeat) {
    if (changes::SignalGuard::received() != 0) {
      result.interrupted = true;
      break;
    }
    if (options.log)
      fmt::print(options.log, "mmtune: repeat {}/{} of {}/{}\n", repeat + 1, repeats, plan.profile,
                 plan.scenario.name);
    advisor::ScenarioRun run = advisor::run_scenario(plan, options);
    const bool interrupted = run.interrupted;
    result.runs.push_back(std::move(run));
    if (interrupted) {
      result.interrupted = true;
      break;
    }
  }
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<double> metric_samples(const RepeatedRuns& runs, std::string_view step,
                                   std::string_view metric, std::string* unit) {
  std::vector<double> samples;
  for (const advisor::ScenarioRun& run : runs.runs) {
    const advisor::StepOutcome* outcome = run.find_step(step);
    if (!outcome || outcome->result.verdict.status != workloads::Status::ok) continue;
    if (const workloads::Measurement* m = outcome->result.find(metric)) {
      samples.push_back(m->value);
      if (unit) *unit = m->unit;
    }
  }
  return samples;
}

Baseline make_baseline(const advisor::ScenarioPlan& plan, const RepeatedRuns& runs,
                       Fingerprint fingerprint) {
  if (plan.scenario.metrics.empty()) {
    fail(ErrorKind::bad_input,
         "--scenario: {} of profile {} names no CI metrics; a baseline needs a CI scenario (e.g. "
         "ci-smoke's \"ci\")",
         plan.scenario.name, plan.profile);
  }
  Baseline baseline;
  baseline.created_at = facts::utc_now();
  baseline.profile = plan.profile;
  baseline.profile_file = plan.profile_file;
  baseline.scenario = plan.scenario.name;
  baseline.repeats = int(runs.runs.size());
  baseline.time_budget_s = plan.scenario.time_budget_s;
  baseline.memory_fraction = plan.scenario.memory_fraction;
  baseline.fingerprint = std::move(fingerprint);
  for (const advisor::PlannedStep& planned : plan.steps) {
    BaselineStep step{
        planned.step.id, planned.step.workload, planned.params, planned.step.time_limit_s, {}};
    for (const advisor::ScenarioRun& run : runs.runs) {
      if (const advisor::StepOutcome* outcome = run.find_step(planned.step.id)) {
        const workloads::Verdict& v = outcome->result.verdict;
        step.runs.push_back(
            {std::string(workloads::status_name(v.status)), v.reason, outcome->result.wall_s});
      }
    }
    baseline.steps.push_back(std::move(step));
  }
  for (const advisor::CiMetric& ci : plan.scenario.metrics) {
    BaselineMetric metric{ci.step, ci.metric, {}, ci.direction, ci.tolerance, ci.absolute, {}};
    metric.samples = metric_samples(runs, ci.step, ci.metric, &metric.unit);
    if (metric.samples.size() < size_t(kMinRepeats)) {
      baseline.notes.push_back(
          fmt::format("{}: only {} sample(s) (need {}): `mmtune check` will skip it", metric.name(),
                      metric.samples.size(), kMinRepeats));
    }
    baseline.metrics.push_back(std::move(metric));
  }
  for (const advisor::ScenarioRun& run : runs.runs)
    baseline.notes.insert(baseline.notes.end(), run.notes.begin(), run.notes.end());
  return baseline;
}

advisor::Profile baseline_profile(const Baseline& baseline) {
  advisor::Profile profile;
  profile.name = baseline.profile;
  profile.file = baseline.profile_file;
  advisor::Scenario scenario;
  scenario.name = baseline.scenario;
  scenario.time_budget_s = baseline.time_budget_s;
  scenario.memory_fraction = baseline.memory_fraction;
  for (const BaselineStep& recorded : baseline.steps) {
    advisor::ScenarioStep step;
    step.id = recorded.id;
    step.workload = recorded.workload;
    step.time_limit_s = recorded.time_limit_s;
    for (const auto& [name, value] : recorded.params) {
      advisor::ParamSpec spec;
      spec.name = name;
      spec.value = value;  // as recorded; parsed against the workload's table when planned
      step.params.push_back(std::move(spec));
    }
    scenario.steps.push_back(std::move(step));
  }
  for (const BaselineMetric& metric : baseline.metrics) {
    scenario.metrics.push_back(
        {metric.step, metric.metric, metric.direction, metric.tolerance, metric.absolute, 0});
  }
  profile.scenarios[scenario.name] = std::move(scenario);
  return profile;
}

json baseline_to_json(const Baseline& baseline) {
  json steps = json::array();
  for (const BaselineStep& step : baseline.steps) {
    json params = json::object();
    for (const auto& [name, value] : step.params) params[name] = value;
    json runs = json::array();
    for (const BaselineRun& run : step.runs)
      runs.push_back({{"status", run.status}, {"reason", run.reason}, {"wall_s", run.wall_s}});
    steps.push_back({{"id", step.id},
                     {"workload", step.workload},
                     {"params", params},
                     {"time_limit_s", step.time_limit_s},
                     {"runs", runs}});
  }
  json metrics = json::array();
  for (const BaselineMetric& metric : baseline.metrics) {
    json m = {{"name", metric.name()},
              {"step", metric.step},
              {"metric", metric.metric},
              {"unit", metric.unit},
              {"direction", to_string(metric.direction)},
              {"tolerance", optional_number(metric.tolerance)},
              {"absolute", optional_number(metric.absolute)},
              {"samples", metric.samples},
              {"n", metric.samples.size()}};
    if (!metric.samples.empty()) {
      Summary s = summarize(metric.samples);
      m.update({{"median", s.median},
                {"mean", s.mean},
                {"stddev", s.stddev},
                {"min", s.min},
                {"max", s.max}});
    }
    metrics.push_back(std::move(m));
  }
  return {
      {"schema", kBaselineSchema},
      {"created_at", baseline.created_at},
      {"profile", baseline.profile},
      {"profile_file", baseline.profile_file},
      {"scenario", baseline.scenario},
      {"repeats", baseline.repeats},
      {"bounds",
       {{"time_budget_s", baseline.time_budget_s}, {"memory_fraction", baseline.memory_fraction}}},
      {"fingerprint", fingerprint_to_json(baseline.fingerprint)},
      {"steps", steps},
      {"metrics", metrics},
      {"notes", baseline.notes}};
}

Baseline baseline_from_json(const json& j, std::string_view label) {
  if (const std::string schema = facts::schema_of(j); schema != kBaselineSchema)
    fail(ErrorKind::bad_input, "{}: not a {} document (schema \"{}\")", label, kBaselineSchema,
         schema);
  Baseline b;
  b.created_at = field<std::string>(j, "created_at", label, "");
  b.profile = field<std::string>(j, "profile", label, "");
  b.profile_file = field<std::string>(j, "profile_file", label, "");
  b.scenario = field<std::string>(j, "scenario", label, "");
  b.repeats = field<int>(j, "repeats", label, "");
  const json bounds = field<json>(j, "bounds", label, "");
  b.time_budget_s = field<double>(bounds, "time_budget_s", label, "bounds.");
  b.memory_fraction = field<double>(bounds, "memory_fraction", label, "bounds.");
  try {
    b.fingerprint = fingerprint_from_json(field<json>(j, "fingerprint", label, ""));
  } catch (const Error& e) {
    fail(ErrorKind::bad_input, "{}: {}", label, e.what());
  }
  const json steps = field<json>(j, "steps", label, "");
  if (!steps.is_array() || steps.empty())
    fail(ErrorKind::bad_input, "{}: steps must be a non-empty array", label);
  for (size_t i = 0; i < steps.size(); ++i)
    b.steps.push_back(step_from_json(steps[i], label, fmt::format("steps[{}].", i)));
  const json metrics = field<json>(j, "metrics", label, "");
  if (!metrics.is_array() || metrics.empty())
    fail(ErrorKind::bad_input, "{}: metrics must be a non-empty array", label);
  for (size_t i = 0; i < metrics.size(); ++i)
    b.metrics.push_back(
        metric_from_json(metrics[i], b.steps, label, fmt::format("metrics[{}].", i)));
  b.notes = field_or<std::vector<std::string>>(j, "notes", {}, label, "");
  return b;
}

Baseline read_baseline(const std::filesystem::path& path) {
  std::error_code ec;
  std::ifstream in(path);
  if (!std::filesystem::is_regular_file(path, ec) || !in)
    fail(ErrorKind::bad_input, "--baseline: {} cannot be read", path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  json j = json::parse(buffer.str(), nullptr, false);
  if (j.is_discarded()) fail(ErrorKind::bad_input, "--baseline: {} is not JSON", path.string());
  return baseline_from_json(j, path.string());
}

}  // namespace mmtune::compare
