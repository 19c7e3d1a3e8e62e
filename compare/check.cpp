#include "compare/check.hpp"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include "facts/units.hpp"
#include "probes/readers.hpp"
#include "workloads/result.hpp"

namespace mmtune::compare {
namespace {

using nlohmann::json;

std::string show(double value, std::string_view unit) { return facts::format_value(value, unit); }

std::string drift_name(const Drift& drift) {
  // sysctl and THP names are already the knob names people know; the rest need their group.
  if (drift.group == "sysctl" || drift.group == "thp") return drift.name;
  return drift.group + "." + drift.name;
}

std::string samples_text(const std::vector<double>& samples) {
  std::vector<std::string> parts;
  for (double x : samples) parts.push_back(fmt::format("{:.6g}", x));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

// The outcomes of one step across the repeats.
std::vector<const advisor::StepOutcome*> step_outcomes(const RepeatedRuns& runs,
                                                       std::string_view id) {
  std::vector<const advisor::StepOutcome*> outcomes;
  for (const advisor::ScenarioRun& run : runs.runs) {
    if (const advisor::StepOutcome* outcome = run.find_step(id)) outcomes.push_back(outcome);
  }
  return outcomes;
}

double sum_prefix(const workloads::Result& result, std::string_view prefix) {
  double sum = 0;
  for (const workloads::Measurement& m : result.measurements) {
    if (m.name.starts_with(prefix)) sum += m.value;
  }
  return sum;
}

// Why a step produced no samples, when it did not run ok anywhere; empty when it did.
std::string not_run_reason(const RepeatedRuns& runs, std::string_view step) {
  std::vector<const advisor::StepOutcome*> outcomes = step_outcomes(runs, step);
  if (outcomes.empty()) return fmt::format("step {} did not run", step);
  for (const advisor::StepOutcome* outcome : outcomes) {
    if (outcome->result.verdict.status == workloads::Status::ok) return {};
  }
  const workloads::Verdict& v = outcomes.front()->result.verdict;
  return fmt::format("step {} {}: {}", step,
                     v.status == workloads::Status::skipped ? "cannot run here" : "failed",
                     v.reason);
}

CheckTest correctness_test(std::string name) {
  CheckTest test;
  test.suite = "correctness";
  test.name = std::move(name);
  return test;
}

void skip(CheckTest& test, std::string reason) {
  test.status = TestStatus::skip;
  test.skip_reason = std::move(reason);
  test.summary = test.skip_reason;
}

// The outcomes of the repeats in which the step could run.
std::vector<const advisor::StepOutcome*> not_skipped(
    const std::vector<const advisor::StepOutcome*>& outcomes) {
  std::vector<const advisor::StepOutcome*> out;
  for (const advisor::StepOutcome* outcome : outcomes) {
    if (outcome->result.verdict.status != workloads::Status::skipped) out.push_back(outcome);
  }
  return out;
}

// Why nothing was measured: the step did not run, or why it was skipped.
std::string unmeasured_reason(const std::vector<const advisor::StepOutcome*>& outcomes) {
  return outcomes.empty() ? "not run" : outcomes.front()->result.verdict.reason;
}

// Whether the step ran without failing in every repeat that ran it.
CheckTest step_runs_test(const BaselineStep& step,
                         const std::vector<const advisor::StepOutcome*>& outcomes) {
  CheckTest test = correctness_test(step.id + " runs");
  size_t ok = 0, skipped = 0;
  std::vector<std::string> failures;
  for (const advisor::StepOutcome* outcome : outcomes) {
    test.time_s += outcome->result.wall_s;
    const workloads::Verdict& v = outcome->result.verdict;
    ok += v.status == workloads::Status::ok;
    skipped += v.status == workloads::Status::skipped;
    if (v.status == workloads::Status::failed) failures.push_back(v.reason);
  }
  if (outcomes.empty()) {
    skip(test, "not run (the check was interrupted)");
  } else if (!failures.empty()) {
    test.status = TestStatus::fail;
    test.verdict = "fail";
    test.summary = fmt::format("{} failed in {} of {} repeats: {}", step.workload, failures.size(),
                               outcomes.size(), failures.front());
    for (size_t i = 0; i < failures.size(); ++i)
      test.details.emplace_back(fmt::format("failure_{}", i + 1), failures[i]);
  } else if (skipped == outcomes.size()) {
    skip(test, outcomes.front()->result.verdict.reason);
  } else {
    test.verdict = "pass";
    test.summary =
        fmt::format("{} ran in {} of {} repeats without failing{}", step.workload, ok,
                    outcomes.size(), skipped ? fmt::format(" ({} skipped)", skipped) : "");
  }
  return test;
}

// dio-fork-race: any O_DIRECT read that lost its data, in any variant and repeat, fails.
CheckTest data_loss_test(const BaselineStep& step,
                         const std::vector<const advisor::StepOutcome*>& outcomes) {
  CheckTest test = correctness_test(step.id + " data loss");
  const std::vector<const advisor::StepOutcome*> measured = not_skipped(outcomes);
  double lost = 0, tries = 0;
  for (const advisor::StepOutcome* outcome : measured) {
    lost += sum_prefix(outcome->result, "data_loss.");
    tries += sum_prefix(outcome->result, "tries.");
  }
  if (measured.empty()) {
    skip(test, unmeasured_reason(outcomes));
  } else if (lost > 0) {
    test.status = TestStatus::fail;
    test.verdict = "fail";
    test.summary = fmt::format("{:.0f} of {:.0f} O_DIRECT reads lost their data (any loss fails)",
                               lost, tries);
  } else {
    test.verdict = "pass";
    test.summary = fmt::format("no data lost in {:.0f} O_DIRECT reads over {} repeats", tries,
                               measured.size());
  }
  return test;
}

// oom: the OOM killer must take the allocator, never the controller, in every repeat.
CheckTest controller_survived_test(const BaselineStep& step,
                                   const std::vector<const advisor::StepOutcome*>& outcomes) {
  CheckTest test = correctness_test(step.id + " controller survived");
  const std::vector<const advisor::StepOutcome*> measured = not_skipped(outcomes);
  size_t alive = 0;
  for (const advisor::StepOutcome* outcome : measured) {
    const workloads::Measurement* m = outcome->result.find("controller_survived");
    alive += m && m->value == 1;
  }
  if (measured.empty()) {
    skip(test, unmeasured_reason(outcomes));
  } else if (alive < measured.size()) {
    test.status = TestStatus::fail;
    test.verdict = "fail";
    test.summary =
        fmt::format("the OOM killer took the controller (or it did not report) in {} of {} repeats",
                    measured.size() - alive, measured.size());
  } else {
    test.verdict = "pass";
    test.summary =
        fmt::format("only the allocator was OOM-killed, in all {} repeats", measured.size());
  }
  return test;
}

}  // namespace

std::string_view to_string(TestStatus status) {
  switch (status) {
    case TestStatus::pass:
      return "pass";
    case TestStatus::fail:
      return "fail";
    case TestStatus::skip:
      return "skip";
  }
  return "unknown";
}

size_t CheckReport::count(TestStatus status) const {
  return size_t(std::count_if(tests.begin(), tests.end(),
                              [&](const CheckTest& t) { return t.status == status; }));
}

MetricVerdict compare_metric(const BaselineMetric& baseline, const std::vector<double>& now) {
  MetricVerdict v;
  v.name = baseline.name();
  v.unit = baseline.unit;
  v.direction = std::string(to_string(baseline.direction));
  v.baseline = baseline.samples;
  v.now = now;
  if (!baseline.samples.empty()) v.baseline_median = median(baseline.samples);
  if (!now.empty()) v.now_median = median(now);
  if (baseline.samples.size() < size_t(kMinRepeats) || now.size() < size_t(kMinRepeats)) {
    v.verdict = "insufficient";
    return v;
  }
  const bool lower = baseline.direction == advisor::Direction::lower_is_better;
  v.change = v.baseline_median != 0
                 ? (v.now_median - v.baseline_median) / std::fabs(v.baseline_median)
                 : 0;
  v.worse_by = lower ? v.now_median - v.baseline_median : v.baseline_median - v.now_median;
  // The baseline's own range is noise this host has already shown with nothing changed (on a
  // shared host, the load of the moment moves wall-time metrics by more than a tolerance): a
  // median that moved by less than that range is not evidence of a regression.
  const auto [lowest, highest] =
      std::minmax_element(baseline.samples.begin(), baseline.samples.end());
  v.baseline_range = *highest - *lowest;
  v.allowance = std::max({baseline.tolerance.value_or(0) * std::fabs(v.baseline_median),
                          baseline.absolute.value_or(0), v.baseline_range});
  const MannWhitney test = mann_whitney_u(now, baseline.samples);
  v.p_worse = lower ? test.p_greater : test.p_less;
  v.p_better = lower ? test.p_less : test.p_greater;
  if (v.p_worse < kCheckAlpha && v.worse_by > v.allowance) {
    v.verdict = "regressed";
  } else if (v.p_better < kCheckAlpha && -v.worse_by > v.allowance) {
    v.verdict = "improved";
  } else if (v.worse_by > v.allowance) {
    v.verdict = "noisy";
  } else {
    v.verdict = "ok";
  }
  return v;
}

CheckTest metric_test(const MetricVerdict& v) {
  CheckTest test;
  test.suite = "performance";
  test.name = v.name;
  test.verdict = v.verdict;
  if (v.verdict == "insufficient") {
    test.status = TestStatus::skip;
    test.skip_reason =
        fmt::format("insufficient samples: {} in the baseline, {} now (need {} each)",
                    v.baseline.size(), v.now.size(), kMinRepeats);
    test.summary = test.skip_reason;
    return test;
  }
  test.status = v.verdict == "regressed" ? TestStatus::fail : TestStatus::pass;
  const double allowance_pct =
      v.baseline_median != 0 ? v.allowance / std::fabs(v.baseline_median) * 100 : 0;
  const std::string words = v.verdict == "regressed" ? "REGRESSED"
                            : v.verdict == "noisy"
                                ? "noisy: worse beyond the allowance but not significant"
                            : v.verdict == "improved" ? "improved"
                                                      : "ok";
  const bool range_decides = v.baseline_range > 0 && v.allowance == v.baseline_range;
  test.summary = fmt::format(
      "{} now vs {} in the baseline ({:+.1f} %; {} is better; allowed {} worse, {:.1f} %{}; "
      "p(worse)={:.3f}): {}",
      show(v.now_median, v.unit), show(v.baseline_median, v.unit), v.change * 100, v.direction,
      show(v.allowance, v.unit), allowance_pct, range_decides ? ", the baseline's own range" : "",
      v.p_worse, words);
  test.details = {{"verdict", v.verdict},
                  {"direction", v.direction + " is better"},
                  {"baseline_median", fmt::format("{:.6g}", v.baseline_median)},
                  {"now_median", fmt::format("{:.6g}", v.now_median)},
                  {"change_pct", fmt::format("{:+.2f}", v.change * 100)},
                  {"allowance", fmt::format("{:.6g} {}", v.allowance, v.unit)},
                  {"baseline_range", fmt::format("{:.6g} {}", v.baseline_range, v.unit)},
                  {"test", "Mann-Whitney U, one-sided (now worse than the baseline), alpha 0.05"},
                  {"p_worse", fmt::format("{:.4f}", v.p_worse)},
                  {"p_better", fmt::format("{:.4f}", v.p_better)},
                  {"baseline_samples", samples_text(v.baseline)},
                  {"now_samples", samples_text(v.now)}};
  return test;
}

std::vector<CheckTest> drift_tests(const Fingerprint& baseline, const Fingerprint& now) {
  std::vector<CheckTest> tests;
  const std::vector<Drift> drifts = compare_fingerprints(baseline, now);
  std::set<std::string> groups;
  for (const auto& [group, values] : baseline.groups) groups.insert(group);
  for (const auto& [group, values] : now.groups) groups.insert(group);
  for (const std::string& group : groups) {
    bool changed = false;
    for (const Drift& drift : drifts) {
      if (drift.group != group) continue;
      changed = true;
      CheckTest test;
      test.suite = "drift";
      test.name = drift_name(drift);
      test.status = TestStatus::fail;
      test.verdict = "changed";
      test.summary = fmt::format("{} in the baseline, {} now", drift.baseline.value_or("absent"),
                                 drift.now.value_or("absent"));
      test.details = {{"group", group},
                      {"baseline", drift.baseline.value_or("(absent)")},
                      {"now", drift.now.value_or("(absent)")}};
      tests.push_back(std::move(test));
    }
    if (changed) continue;
    auto it = now.groups.find(group);
    CheckTest test;
    test.suite = "drift";
    test.name = group;
    test.verdict = "unchanged";
    test.summary =
        fmt::format("unchanged ({} settings)", it == now.groups.end() ? 0 : it->second.size());
    tests.push_back(std::move(test));
  }
  return tests;
}

std::vector<CheckTest> correctness_tests(const Baseline& baseline, const RepeatedRuns& runs) {
  std::vector<CheckTest> tests;
  for (const BaselineStep& step : baseline.steps) {
    const std::vector<const advisor::StepOutcome*> outcomes = step_outcomes(runs, step.id);
    tests.push_back(step_runs_test(step, outcomes));
    if (step.workload == "dio-fork-race") tests.push_back(data_loss_test(step, outcomes));
    if (step.workload == "oom") tests.push_back(controller_survived_test(step, outcomes));
  }
  return tests;
}

std::vector<CheckTest> performance_tests(const Baseline& baseline, const RepeatedRuns& runs,
                                         std::vector<MetricVerdict>* verdicts) {
  std::vector<CheckTest> tests;
  for (const BaselineMetric& metric : baseline.metrics) {
    std::vector<double> now = metric_samples(runs, metric.step, metric.metric);
    MetricVerdict verdict = compare_metric(metric, now);
    CheckTest test = metric_test(verdict);
    if (now.empty()) {
      std::string why = not_run_reason(runs, metric.step);
      test.skip_reason =
          why.empty() ? fmt::format("no run of step {} measured {}", metric.step, metric.metric)
                      : why;
      test.summary = test.skip_reason;
    }
    if (verdicts) verdicts->push_back(std::move(verdict));
    tests.push_back(std::move(test));
  }
  return tests;
}

CheckReport run_check(const Baseline& baseline, std::string baseline_file, int repeats,
                      const advisor::ScenarioOptions& options, const probes::HostFs& fs) {
  CheckReport report;
  report.started_at = facts::utc_now();
  report.baseline_file = std::move(baseline_file);
  report.baseline = baseline;
  report.repeats = repeats;
  const facts::HostFacts facts = probes::read_host_facts(fs);
  const advisor::ScenarioPlan plan =
      advisor::plan_scenario(baseline_profile(baseline), baseline.scenario, facts);
  // Before the runs: the workloads may change settings for a while (and restore them).
  report.fingerprint = read_fingerprint(fs);
  const RepeatedRuns runs = run_repeated(plan, repeats, options);
  report.wall_s = runs.wall_s;
  report.interrupted = runs.interrupted;
  report.tests = drift_tests(baseline.fingerprint, report.fingerprint);
  for (CheckTest& test : correctness_tests(baseline, runs)) report.tests.push_back(std::move(test));
  for (CheckTest& test : performance_tests(baseline, runs, &report.metrics))
    report.tests.push_back(std::move(test));
  for (const advisor::ScenarioRun& run : runs.runs)
    report.notes.insert(report.notes.end(), run.notes.begin(), run.notes.end());
  return report;
}

int check_exit_code(const CheckReport& report) {
  if (report.count(TestStatus::fail) > 0) return 1;
  const bool anything_ran = std::any_of(
      report.tests.begin(), report.tests.end(),
      [](const CheckTest& t) { return t.suite != "drift" && t.status != TestStatus::skip; });
  return anything_ran ? 0 : 3;
}

json check_to_json(const CheckReport& report) {
  json tests = json::array();
  for (const CheckTest& test : report.tests) {
    json details = json::object();
    for (const auto& [key, value] : test.details) details[key] = value;
    tests.push_back({{"suite", test.suite},
                     {"name", test.name},
                     {"status", to_string(test.status)},
                     {"verdict", test.verdict},
                     {"summary", test.summary},
                     {"skip_reason", test.skip_reason},
                     {"time_s", test.time_s},
                     {"details", details}});
  }
  json metrics = json::array();
  for (const MetricVerdict& v : report.metrics) {
    metrics.push_back({{"name", v.name},
                       {"unit", v.unit},
                       {"direction", v.direction},
                       {"baseline_samples", v.baseline},
                       {"now_samples", v.now},
                       {"baseline_median", v.baseline_median},
                       {"now_median", v.now_median},
                       {"change", v.change},
                       {"worse_by", v.worse_by},
                       {"allowance", v.allowance},
                       {"baseline_range", v.baseline_range},
                       {"p_worse", v.p_worse},
                       {"p_better", v.p_better},
                       {"verdict", v.verdict}});
  }
  return {{"schema", kCheckSchema},
          {"started_at", report.started_at},
          {"baseline_file", report.baseline_file},
          {"baseline_created_at", report.baseline.created_at},
          {"profile", report.baseline.profile},
          {"scenario", report.baseline.scenario},
          {"repeats", report.repeats},
          {"wall_s", report.wall_s},
          {"significance",
           {{"test", "mann-whitney-u"},
            {"alternative", "one-sided: now worse than the baseline"},
            {"alpha", kCheckAlpha},
            {"min_samples", kMinRepeats},
            {"rule",
             "regressed = significant AND worse by more than max(tolerance × |baseline "
             "median|, absolute, baseline max − min)"}}},
          {"counts",
           {{"passed", report.count(TestStatus::pass)},
            {"failed", report.count(TestStatus::fail)},
            {"skipped", report.count(TestStatus::skip)}}},
          {"exit_code", check_exit_code(report)},
          {"interrupted", report.interrupted},
          {"tests", tests},
          {"metrics", metrics},
          {"fingerprint", fingerprint_to_json(report.fingerprint)},
          {"notes", report.notes}};
}

}  // namespace mmtune::compare
