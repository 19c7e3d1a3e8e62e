#include "report/input.hpp"

#include <nlohmann/json.hpp>

#include "advisor/advice_json.hpp"
#include "compare/fingerprint.hpp"
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

}  // namespace

ReportInput read_report_input(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::bad_input, "not a JSON document");
  ReportInput input;
  input.schema = j.value("schema", "");
  if (input.schema == workloads::kResultSchema) {
    input.result = workloads::result_from_json(text);
    input.host = input.result->host;
  } else if (input.schema == advisor::kScenarioSchema) {
    input.scenario = advisor::scenario_from_json(j);
    input.host = input.scenario->facts;
  } else if (input.schema == kTuneSchema) {
    if (!j.contains("advice") || !j.contains("scenario"))
      fail(ErrorKind::bad_input, "{}: needs \"advice\" and \"scenario\"", kTuneSchema);
    input.advice = advisor::advice_from_json(j["advice"]);
    input.scenario = advisor::scenario_from_json(j["scenario"]);
    input.host = input.scenario->facts;
  } else if (input.schema == compare::kSweepSchema || input.schema == compare::kCheckSchema) {
    // These documents have no reader of their own: a missing or mistyped key surfaces here as
    // nlohmann's message, named after the schema.
    try {
      if (input.schema == compare::kSweepSchema) {
        input.sweep = sweep_from_json(j);
        input.host = input.sweep->plan.run_plan.facts;
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
         "schema \"{}\" is not one this build reports on ({}, {}, {}, {}, {}, {}, {})",
         input.schema, workloads::kResultSchema, advisor::kScenarioSchema, kTuneSchema,
         compare::kSweepSchema, compare::kCheckSchema, advisor::kAdviceSchema, facts::kHostSchema);
  }
  return input;
}

}  // namespace mmtune::report
