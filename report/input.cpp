#include "report/input.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "advisor/advice_json.hpp"
#include "advisor/profile.hpp"
#include "compare/fingerprint.hpp"
#include "compare/optimize.hpp"
#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "facts/units.hpp"

namespace mmtune::report {

using nlohmann::json;

namespace {

constexpr std::string_view kTuneSchema = "mmtune.tune/1";

// A setting as saved (an object, so its keys come back sorted) in the order of the sweep's --knob
// options, which is the order the sweep printed it in.
compare::Setting setting_in_knob_order(const json& saved,
                                       const std::vector<compare::KnobSweep>& knobs) {
  compare::Setting setting;
  for (const compare::KnobSweep& knob : knobs) {
    if (saved.contains(knob.knob))
      setting.emplace_back(knob.knob, saved.at(knob.knob).get<std::string>());
  }
  if (setting.size() != saved.size())
    fail(ErrorKind::bad_input, "setting {} names a knob the sweep did not vary", saved.dump());
  return setting;
}

compare::SweepResult sweep_from_json(const json& j) {
  compare::SweepResult sweep;
  compare::SweepPlan& plan = sweep.plan;
  plan.options.workload = j.at("workload").get<std::string>();
  for (const json& knob : j.at("knobs"))
    plan.options.knobs.push_back(
        {knob.at("knob").get<std::string>(), knob.at("values").get<std::vector<std::string>>()});
  plan.options.repeat = j.at("repeat").get<int>();
  plan.options.settle = facts::from_seconds(j.value("settle_s", 0.0));
  plan.metrics = j.at("key_metrics").get<std::vector<std::string>>();
  plan.options.metrics = plan.metrics;
  plan.original = setting_in_knob_order(j.at("original"), plan.options.knobs);
  plan.run_plan.facts = facts::host_facts_from_json(j.at("host"));
  for (const json& saved : j.at("settings")) {
    compare::SettingRuns runs{
        setting_in_knob_order(saved.at("settings"), plan.options.knobs), {}, {}};
    for (const json& run : saved.at("runs")) {
      runs.runs.push_back(workloads::result_from_json(run.at("result").dump()));
      runs.repeats.push_back(run.value("repeat", int(runs.runs.size())));
    }
    plan.settings.push_back(runs.setting);
    sweep.settings.push_back(std::move(runs));
  }
  if (sweep.settings.empty()) fail(ErrorKind::bad_input, "{}: no settings", compare::kSweepSchema);
  sweep.interrupted = j.value("interrupted", false);
  sweep.notes = j.value("notes", std::vector<std::string>{});
  return sweep;
}

compare::TestStatus test_status(const std::string& text) {
  for (compare::TestStatus status :
       {compare::TestStatus::pass, compare::TestStatus::fail, compare::TestStatus::skip})
    if (to_string(status) == text) return status;
  fail(ErrorKind::bad_input, "test status \"{}\" is not pass, fail or skip", text);
}

compare::CheckReport check_from_json(const json& j) {
  compare::CheckReport check;
  check.started_at = j.at("started_at").get<std::string>();
  check.baseline_file = j.at("baseline_file").get<std::string>();
  check.baseline.created_at = j.at("baseline_created_at").get<std::string>();
  check.baseline.profile = j.at("profile").get<std::string>();
  check.baseline.scenario = j.at("scenario").get<std::string>();
  check.repeats = j.at("repeats").get<int>();
  check.wall_s = j.at("wall_s").get<double>();
  check.interrupted = j.value("interrupted", false);
  check.notes = j.value("notes", std::vector<std::string>{});
  if (j.contains("fingerprint"))
    check.fingerprint = compare::fingerprint_from_json(j.at("fingerprint"));
  for (const json& t : j.at("tests")) {
    compare::CheckTest test;
    test.suite = t.at("suite").get<std::string>();
    test.name = t.at("name").get<std::string>();
    test.status = test_status(t.at("status").get<std::string>());
    test.verdict = t.value("verdict", "");
    test.summary = t.value("summary", "");
    test.skip_reason = t.value("skip_reason", "");
    test.time_s = t.value("time_s", 0.0);
    const json details = t.value("details", json::object());
    for (const auto& [key, value] : details.items())
      test.details.emplace_back(key, value.get<std::string>());
    check.tests.push_back(std::move(test));
  }
  for (const json& m : j.at("metrics")) {
    compare::MetricVerdict v;
    v.name = m.at("name").get<std::string>();
    v.unit = m.at("unit").get<std::string>();
    v.direction = m.at("direction").get<std::string>();
    v.baseline = m.at("baseline_samples").get<std::vector<double>>();
    v.now = m.at("now_samples").get<std::vector<double>>();
    v.baseline_median = m.at("baseline_median").get<double>();
    v.now_median = m.at("now_median").get<double>();
    v.change = m.at("change").get<double>();
    v.worse_by = m.at("worse_by").get<double>();
    v.allowance = m.at("allowance").get<double>();
    v.p_worse = m.at("p_worse").get<double>();
    v.p_better = m.at("p_better").get<double>();
    v.verdict = m.at("verdict").get<std::string>();
    check.metrics.push_back(std::move(v));
  }
  // The counts are derived from the tests; a file where they disagree was edited by hand.
  if (const json* counts = j.contains("counts") ? &j.at("counts") : nullptr) {
    const size_t passed = counts->at("passed").get<size_t>(),
                 failed = counts->at("failed").get<size_t>(),
                 skipped = counts->at("skipped").get<size_t>();
    if (passed != check.count(compare::TestStatus::pass) ||
        failed != check.count(compare::TestStatus::fail) ||
        skipped != check.count(compare::TestStatus::skip)) {
      fail(ErrorKind::bad_input,
           "counts ({} passed, {} failed, {} skipped) do not match the {} tests listed", passed,
           failed, skipped, check.tests.size());
    }
  }
  return check;
}

// The advice of the scenario's profile on its measurements, so that the report of a scenario opens
// with what to change too; nullopt when the profile cannot be loaded here (a file elsewhere).
std::optional<advisor::Advice> advice_for(const advisor::ScenarioRun& run) {
  try {
    return advisor::advise(run.facts, advisor::load_profile(run.profile), &run);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string label_of(const json& settings, const std::vector<std::string>& knobs,
                     std::vector<std::pair<std::string, std::string>>* values = nullptr) {
  std::string label;
  for (const std::string& knob : knobs) {
    if (!settings.contains(knob)) continue;
    const std::string value = settings.at(knob).get<std::string>();
    label += fmt::format("{}{}={}", label.empty() ? "" : " ", knob, value);
    if (values) values->emplace_back(knob, value);
  }
  return label;
}

std::optional<double> number_or_null(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<double>();
}

OptimizeDocument optimize_from_json(const json& j) {
  OptimizeDocument d;
  d.workload = j.at("workload").get<std::string>();
  for (const json& k : j.at("knobs")) d.knobs.push_back(k.at("knob").get<std::string>());
  const json& objective = j.at("objective");
  d.metric = objective.at("metric").get<std::string>();
  d.direction = objective.at("direction").get<std::string>();
  d.unit = objective.value("unit", "");
  for (const json& c : j.at("constraints"))
    d.constraints.push_back(c.at("text").get<std::string>());
  d.budget = j.at("budget").get<int>();
  d.seed = j.at("seed").get<uint64_t>();
  d.original = label_of(j.at("original"), d.knobs);
  for (const json& t : j.at("trials")) {
    OptimizeTrialRow row;
    row.index = t.at("index").get<int>();
    row.kind = t.at("kind").get<std::string>();
    row.setting = label_of(t.at("settings"), d.knobs, &row.values);
    row.why = t.at("why").get<std::string>();
    if (!t.at("ok").get<bool>()) row.why += "; " + t.value("failure", "");
    row.objective = number_or_null(t, "objective");
    row.incumbent = number_or_null(t, "incumbent");
    if (t.contains("feasible") && !t.at("feasible").is_null())
      row.feasible = t.at("feasible").get<bool>();
    d.trials.push_back(std::move(row));
  }
  if (const json& best = j.at("best"); !best.is_null()) {
    d.best = label_of(best.at("settings"), d.knobs);
    d.estimate = best.at("estimate").get<double>();
    d.low = best.at("low").get<double>();
    d.high = best.at("high").get<double>();
    d.best_median = best.at("median").get<double>();
    d.best_runs = best.at("runs").get<size_t>();
    d.estimate_source = best.value("estimate_source", "");
  }
  if (const json& versus = j.at("versus_start"); !versus.is_null()) {
    d.p = versus.at("p").get<double>();
    d.change = versus.at("change").get<double>();
    d.significant = versus.at("significant").get<bool>();
  }
  d.stopped = j.at("stopped").get<std::string>();
  d.thresholds = j.value("winner_thresholds", std::vector<std::string>{});
  d.notes = j.value("search_notes", std::vector<std::string>{});
  for (const std::string& note : j.value("notes", std::vector<std::string>{}))
    d.notes.push_back(note);
  d.interrupted = j.value("interrupted", false);
  return d;
}

}  // namespace

ReportInput read_report_input(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::bad_input, "not a JSON document");
  ReportInput input;
  input.schema = facts::schema_of(j);
  if (input.schema == workloads::kResultSchema) {
    input.result = workloads::result_from_json(text);
    input.host = input.result->host;
  } else if (input.schema == advisor::kScenarioSchema) {
    input.scenario = advisor::scenario_from_json(j);
    input.host = input.scenario->facts;
    input.advice = advice_for(*input.scenario);
    input.advice_from_scenario = input.advice.has_value();
  } else if (input.schema == kTuneSchema) {
    if (!j.contains("advice") || !j.contains("scenario"))
      fail(ErrorKind::bad_input, "{}: needs \"advice\" and \"scenario\"", kTuneSchema);
    input.advice = advisor::advice_from_json(j["advice"]);
    input.scenario = advisor::scenario_from_json(j["scenario"]);
    input.host = input.scenario->facts;
  } else if (input.schema == compare::kSweepSchema || input.schema == compare::kCheckSchema ||
             input.schema == compare::kOptimizeSchema) {
    // These documents have no reader of their own: a missing or mistyped key surfaces here as
    // nlohmann's message, named after the schema.
    try {
      if (input.schema == compare::kSweepSchema) {
        input.sweep = sweep_from_json(j);
        input.host = input.sweep->plan.run_plan.facts;
      } else if (input.schema == compare::kOptimizeSchema) {
        input.optimize = optimize_from_json(j);
        input.host = facts::host_facts_from_json(j.at("host"));
      } else {
        input.check = check_from_json(j);
      }
    } catch (const json::exception& e) {
      fail(ErrorKind::bad_input, "{}: {}", input.schema, e.what());
    }
  } else if (input.schema == advisor::kAdviceSchema) {
    input.advice = advisor::advice_from_json(j);
  } else if (input.schema == facts::kHostSchema) {
    input.host = facts::host_facts_from_json(j);
  } else {
    fail(ErrorKind::bad_input,
         "schema \"{}\" is not one this build reports on ({}, {}, {}, {}, {}, {}, {}, {})",
         input.schema, workloads::kResultSchema, advisor::kScenarioSchema, kTuneSchema,
         compare::kSweepSchema, compare::kCheckSchema, compare::kOptimizeSchema,
         advisor::kAdviceSchema, facts::kHostSchema);
  }
  return input;
}

}  // namespace mmtune::report
