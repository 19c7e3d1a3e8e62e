// `mmtune check`'s verdicts on made-up samples and runs, its exit code, and the baseline file's
// round trip and checks. (Its TAP and JUnit renderings: tests/report/tap_junit_test.cpp.)
#include "compare/check.hpp"

#include <gtest/gtest.h>

#include "compare/baseline.hpp"
#include "facts/error.hpp"

namespace mmtune::compare {
namespace {

BaselineMetric metric(std::vector<double> samples, advisor::Direction direction,
                      std::optional<double> tol, std::optional<double> absolute = std::nullopt) {
  return {"demand-paging", "ns_per_fault", "ns", direction, tol, absolute, std::move(samples)};
}

const std::vector<double> kBase = {100, 102, 98, 101, 99};

TEST(CheckMetric, ClearlyWorseBeyondToleranceRegresses) {
  MetricVerdict v = compare_metric(metric(kBase, advisor::Direction::lower_is_better, 0.2),
                                   {150, 152, 149, 151, 148});
  EXPECT_EQ(v.verdict, "regressed");
  EXPECT_NEAR(v.change, 0.5, 1e-9);
  EXPECT_NEAR(v.allowance, 20, 1e-9);
  EXPECT_NEAR(v.p_worse, 1.0 / 252, 1e-12);
  CheckTest t = metric_test(v);
  EXPECT_EQ(t.status, TestStatus::fail);
  EXPECT_EQ(t.name, "demand-paging/ns_per_fault");
  EXPECT_NE(t.summary.find("REGRESSED"), std::string::npos) << t.summary;
}

TEST(CheckMetric, SignificantButWithinToleranceIsOk) {
  // A real but small shift (+5 %) with a 20 % tolerance: noise budget, not a regression.
  MetricVerdict v = compare_metric(metric(kBase, advisor::Direction::lower_is_better, 0.2),
                                   {105, 106, 104, 107, 105});
  EXPECT_LT(v.p_worse, kCheckAlpha);
  EXPECT_EQ(v.verdict, "ok");
  EXPECT_EQ(metric_test(v).status, TestStatus::pass);
}

TEST(CheckMetric, BeyondToleranceButNotSignificantIsNoisyAndPasses) {
  // The median is 50 % worse, but the samples overlap the baseline's: a bimodal host, not proof.
  MetricVerdict v = compare_metric(metric(kBase, advisor::Direction::lower_is_better, 0.2),
                                   {99, 150, 97, 151, 160});
  EXPECT_GT(v.worse_by, v.allowance);
  EXPECT_GE(v.p_worse, kCheckAlpha);
  EXPECT_EQ(v.verdict, "noisy");
  EXPECT_EQ(metric_test(v).status, TestStatus::pass);
}

TEST(CheckMetric, AShiftWithinTheBaselinesOwnRangeIsNotARegression) {
  // fork() timings on a busy shared host: the baseline itself spread over 39 ms/GiB. A median
  // 33 ms/GiB worse is beyond the 50 % tolerance (27 ms/GiB) and significant, but inside what the
  // baseline showed with nothing changed; one beyond that range regresses.
  const std::vector<double> base = {34, 47, 55, 61, 73};
  MetricVerdict v =
      compare_metric(metric(base, advisor::Direction::lower_is_better, 0.5), {80, 85, 88, 90, 95});
  EXPECT_LT(v.p_worse, kCheckAlpha);
  EXPECT_NEAR(v.baseline_range, 39, 1e-9);
  EXPECT_NEAR(v.allowance, 39, 1e-9);
  EXPECT_EQ(v.verdict, "ok");
  EXPECT_NE(metric_test(v).summary.find("the baseline's own range"), std::string::npos)
      << metric_test(v).summary;
  EXPECT_EQ(compare_metric(metric(base, advisor::Direction::lower_is_better, 0.5),
                           {96, 98, 100, 101, 104})
                .verdict,
            "regressed");
}

TEST(CheckMetric, DirectionDecidesWhatWorseMeans) {
  // Higher is better: lower numbers now are the regression, higher ones an improvement.
  EXPECT_EQ(
      compare_metric(metric(kBase, advisor::Direction::higher_is_better, 0.2), {50, 51, 52, 49, 50})
          .verdict,
      "regressed");
  EXPECT_EQ(compare_metric(metric(kBase, advisor::Direction::higher_is_better, 0.2),
                           {150, 151, 152, 149, 150})
                .verdict,
            "improved");
  EXPECT_EQ(
      compare_metric(metric(kBase, advisor::Direction::lower_is_better, 0.2), {50, 51, 52, 49, 50})
          .verdict,
      "improved");
}

TEST(CheckMetric, AbsoluteMarginWidensTheAllowance) {
  // THP coverage: 1.0 → 0.95 is within an absolute margin of 0.1.
  BaselineMetric m =
      metric({1, 1, 1, 1, 1}, advisor::Direction::higher_is_better, std::nullopt, 0.1);
  EXPECT_EQ(compare_metric(m, {0.95, 0.95, 0.95, 0.95, 0.95}).verdict, "ok");
  EXPECT_EQ(compare_metric(m, {0.5, 0.5, 0.5, 0.5, 0.5}).verdict, "regressed");
}

TEST(CheckMetric, TooFewSamplesIsASkipNotAGuess) {
  MetricVerdict v =
      compare_metric(metric(kBase, advisor::Direction::lower_is_better, 0.2), {500, 500, 500});
  EXPECT_EQ(v.verdict, "insufficient");
  CheckTest t = metric_test(v);
  EXPECT_EQ(t.status, TestStatus::skip);
  EXPECT_NE(t.skip_reason.find("insufficient samples"), std::string::npos);
}

Fingerprint fingerprint(std::string dirty_ratio) {
  Fingerprint f;
  f.groups["kernel"] = {{"release", "6.18.44"}, {"cmdline", "quiet # not a directive"}};
  f.groups["sysctl"] = {{"vm.dirty_ratio", std::move(dirty_ratio)}, {"vm.swappiness", "60"}};
  return f;
}

TEST(CheckDrift, OnePassPerUnchangedGroupAndOneFailurePerChangedSetting) {
  auto tests = drift_tests(fingerprint("20"), fingerprint("30"));
  ASSERT_EQ(tests.size(), 2u);
  EXPECT_EQ(tests[0].name, "kernel");
  EXPECT_EQ(tests[0].status, TestStatus::pass);
  EXPECT_EQ(tests[1].name, "vm.dirty_ratio");
  EXPECT_EQ(tests[1].status, TestStatus::fail);
  EXPECT_EQ(tests[1].summary, "20 in the baseline, 30 now");
}

workloads::Measurement measure(std::string name, double value, std::string unit) {
  workloads::Measurement m;
  m.name = std::move(name);
  m.value = value;
  m.unit = std::move(unit);
  return m;
}

workloads::Result result(workloads::Status status, std::vector<workloads::Measurement> m = {},
                         std::string reason = "") {
  workloads::Result r;
  r.verdict.status = status;
  r.verdict.reason = std::move(reason);
  r.measurements = std::move(m);
  return r;
}

RepeatedRuns runs_of(const std::string& id, const std::string& workload,
                     std::vector<workloads::Result> results) {
  RepeatedRuns runs;
  for (workloads::Result& r : results) {
    advisor::ScenarioRun run;
    run.steps.push_back({id, workload, {}, std::move(r)});
    runs.runs.push_back(std::move(run));
  }
  return runs;
}

Baseline baseline_with_step(const std::string& id, const std::string& workload) {
  Baseline b;
  b.profile = "ci-smoke";
  b.scenario = "ci";
  b.steps.push_back({id, workload, {}, 10, {}});
  return b;
}

TEST(CheckCorrectness, AnyDataLossFailsEvenWhenTheStepPassed) {
  auto clean = [] {
    return result(workloads::Status::ok, {measure("data_loss.io_uring", 0, "reads"),
                                          measure("tries.io_uring", 100, "tries")});
  };
  Baseline b = baseline_with_step("dio", "dio-fork-race");
  auto ok = correctness_tests(b, runs_of("dio", "dio-fork-race", {clean(), clean()}));
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].status, TestStatus::pass);
  EXPECT_EQ(ok[1].name, "dio data loss");
  EXPECT_EQ(ok[1].status, TestStatus::pass);
  EXPECT_NE(ok[1].summary.find("200"), std::string::npos) << ok[1].summary;

  auto lossy = result(workloads::Status::ok, {measure("data_loss.thread", 3, "reads"),
                                              measure("tries.thread", 100, "tries")});
  auto bad = correctness_tests(b, runs_of("dio", "dio-fork-race", {clean(), lossy}));
  EXPECT_EQ(bad[1].status, TestStatus::fail);
  EXPECT_NE(bad[1].summary.find("3 of 200"), std::string::npos) << bad[1].summary;
}

TEST(CheckCorrectness, FailedStepsFailAndUnrunnableOnesSkip) {
  Baseline b = baseline_with_step("dp", "demand-paging");
  auto failed = correctness_tests(
      b, runs_of("dp", "demand-paging",
                 {result(workloads::Status::ok),
                  result(workloads::Status::failed, {},
                         "workload killed by Killed: the memory cgroup's OOM killer")}));
  EXPECT_EQ(failed[0].status, TestStatus::fail);
  EXPECT_NE(failed[0].summary.find("OOM"), std::string::npos);
  auto skipped = correctness_tests(
      b, runs_of("dp", "demand-paging", {result(workloads::Status::skipped, {}, "needs 2 nodes")}));
  EXPECT_EQ(skipped[0].status, TestStatus::skip);
  EXPECT_EQ(skipped[0].skip_reason, "needs 2 nodes");
}

// What the runner returns when a setting moved under a step or the governor stopped it: a failed
// step whose reason says why, so the check fails (exit 1) naming it.
TEST(CheckCorrectness, AStepOnAMovedSettingOrStoppedByTheGovernorFails) {
  Baseline b = baseline_with_step("dp", "demand-paging");
  for (const char* reason :
       {"invalid: someone else changed a setting during the run: /proc/sys/vm/swappiness is 33, "
        "not the 11 mmtune wrote",
        "stopped by the governor: psi-memory-full at 12.30 % (memory PSI full avg10 12.30 % > "
        "10 %)"}) {
    workloads::Result stood = result(workloads::Status::failed, {}, reason);
    auto tests = correctness_tests(
        b, runs_of("dp", "demand-paging", {result(workloads::Status::ok), std::move(stood)}));
    ASSERT_FALSE(tests.empty());
    EXPECT_EQ(tests[0].status, TestStatus::fail) << reason;
    EXPECT_NE(tests[0].summary.find(reason), std::string::npos) << tests[0].summary;
    CheckReport report;
    report.tests = tests;
    EXPECT_EQ(check_exit_code(report), 1);
  }
}

TEST(CheckCorrectness, TheOomControllerMustSurvive) {
  Baseline b = baseline_with_step("oom", "oom");
  auto survived = correctness_tests(
      b, runs_of("oom", "oom",
                 {result(workloads::Status::ok, {measure("controller_survived", 1, "bool")})}));
  ASSERT_EQ(survived.size(), 2u);
  EXPECT_EQ(survived[1].status, TestStatus::pass);
  auto died = correctness_tests(b, runs_of("oom", "oom", {result(workloads::Status::ok)}));
  EXPECT_EQ(died[1].status, TestStatus::fail);
}

TEST(CheckExitCode, ThreeWhenNothingCouldRun) {
  CheckReport report;
  report.tests = drift_tests(fingerprint("20"), fingerprint("20"));
  CheckTest skip;
  skip.suite = "performance";
  skip.status = TestStatus::skip;
  report.tests.push_back(skip);
  EXPECT_EQ(check_exit_code(report), 3);
  report.tests.back().status = TestStatus::pass;
  EXPECT_EQ(check_exit_code(report), 0);
}

Baseline small_baseline() {
  Baseline b;
  b.created_at = "2026-11-22T01:00:00Z";
  b.profile = "ci-tiny";
  b.profile_file = "ci-tiny.json";
  b.scenario = "ci";
  b.repeats = 5;
  b.time_budget_s = 30;
  b.memory_fraction = 0.1;
  b.fingerprint = fingerprint("20");
  b.steps.push_back({"demand-paging", "demand-paging", {{"size", "32MiB"}}, 10, {{"ok", "", 0.2}}});
  b.metrics.push_back(metric(kBase, advisor::Direction::lower_is_better, 0.5));
  return b;
}

TEST(BaselineFile, RoundTripsAndRejectsAHandEditedMedian) {
  Baseline b = small_baseline();
  nlohmann::json j = baseline_to_json(b);
  EXPECT_EQ(j["schema"], "mmtune.baseline/1");
  EXPECT_EQ(j["metrics"][0]["median"], 100);
  EXPECT_EQ(j["metrics"][0]["name"], "demand-paging/ns_per_fault");
  Baseline back = baseline_from_json(j, "base.json");
  EXPECT_EQ(back.metrics[0].samples, kBase);
  EXPECT_EQ(back.steps[0].params, b.steps[0].params);
  EXPECT_EQ(back.fingerprint.groups, b.fingerprint.groups);

  nlohmann::json edited = j;
  edited["metrics"][0]["median"] = 70;
  try {
    baseline_from_json(edited, "base.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("demand-paging/ns_per_fault"), std::string::npos)
        << e.what();
  }
  nlohmann::json no_direction = j;
  no_direction["metrics"][0]["direction"] = "sideways";
  EXPECT_THROW(baseline_from_json(no_direction, "base.json"), Error);
  EXPECT_THROW(baseline_from_json(nlohmann::json{{"schema", "mmtune.result/1"}}, "r.json"), Error);
}

// Found by the fuzzer: a run's status that was a number escaped as nlohmann's type_error
// ("internal error", exit 4) instead of naming the field.
TEST(BaselineFile, AFieldOfTheWrongTypeIsNamed) {
  const nlohmann::json good = baseline_to_json(small_baseline());
  auto refusal = [](const nlohmann::json& j) -> std::string {
    try {
      baseline_from_json(j, "base.json");
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
      return e.what();
    }
    return "accepted";
  };
  nlohmann::json j = good;
  j["steps"][0]["runs"][0]["status"] = 0.54;
  EXPECT_EQ(refusal(j), "base.json: steps[0].runs[0].status has the wrong type (number)");
  j = good;
  j["steps"][0]["runs"] = nlohmann::json::array({7});
  EXPECT_EQ(refusal(j), "base.json: steps[0].runs[0] must be an object");
  j = good;
  j["notes"] = {1, 2};
  EXPECT_EQ(refusal(j), "base.json: notes has the wrong type (array)");
  j = good;
  j["schema"] = 1;
  EXPECT_EQ(refusal(j), "base.json: not a mmtune.baseline/1 document (schema \"\")");
}

TEST(BaselineFile, ReplaysTheRecordedStepsAsAProfile) {
  advisor::Profile p = baseline_profile(small_baseline());
  const advisor::Scenario* s = p.scenario("ci");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->steps.size(), 1u);
  EXPECT_EQ(std::get<std::string>(*s->steps[0].params[0].value), "32MiB");
  EXPECT_EQ(s->metrics[0].metric, "ns_per_fault");
}

}  // namespace
}  // namespace mmtune::compare
