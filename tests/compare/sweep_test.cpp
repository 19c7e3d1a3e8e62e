// `mmtune sweep`'s library: knob specs, the checks made before anything changes, and the analysis
// of made-up runs (which differences are marked significant).
#include "compare/sweep.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::compare {
namespace {

using test::error_of;

TEST(SweepKnobs, ParsesNamesAndValues) {
  KnobSweep k = parse_knob_sweep("vm.dirty_ratio=5,10, 20 ,40");
  EXPECT_EQ(k.knob, "vm.dirty_ratio");
  EXPECT_EQ(k.values, (std::vector<std::string>{"5", "10", "20", "40"}));
  EXPECT_EQ(parse_knob_sweep("thp.enabled=always,never").values.size(), 2u);
}

TEST(SweepKnobs, EveryBadSpecIsNamed) {
  EXPECT_EQ(error_of([] { parse_knob_sweep("vm.dirty_ratoi=5"); }),
            "--knob: unknown knob \"vm.dirty_ratoi\"; did you mean \"vm.dirty_ratio\"?");
  EXPECT_NE(error_of([] {
              parse_knob_sweep("vm.dirty_ratio=5,500");
            }).find("--knob vm.dirty_ratio: \"500\""),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_sweep("vm.dirty_ratio"); }).find("NAME=VALUE"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_sweep("vm.dirty_ratio=5,,10"); }).find("empty value"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_sweep("vm.dirty_ratio=5,5"); }).find("listed twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_sweep("thp.enabled=sometimes"); }).find("thp.enabled"),
            std::string::npos);
}

SweepOptions options_for(std::vector<std::string> knobs) {
  SweepOptions options;
  options.workload = "demand-paging";
  for (const std::string& k : knobs) options.knobs.push_back(parse_knob_sweep(k));
  options.run.params = {{"size", "16MiB"}};
  return options;
}

TEST(SweepPlan, ChecksEverythingBeforeAnyChange) {
  probes::HostFs fs(test::test_data("hosts/local-6.18"));
  facts::HostFacts facts = probes::read_host_facts(fs);
  EXPECT_NE(error_of([&] { plan_sweep(options_for({}), facts, fs); }).find("at least one"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              plan_sweep(options_for({"vm.dirty_ratio=5", "vm.dirty_ratio=10"}), facts, fs);
            }).find("given twice"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              plan_sweep(options_for({"vm.dirty_ratio=5", "vm.dirty_bytes=100000000"}), facts, fs);
            }).find("one setting in the kernel"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              plan_sweep(options_for(
                             {"vm.swappiness=1,2,3,4,5,6,7,8,9", "vm.dirty_ratio=1,2,3,4,5,6,7,8"}),
                         facts, fs);
            }).find("72 combinations"),
            std::string::npos);
  SweepOptions bad_repeat = options_for({"vm.dirty_ratio=5"});
  bad_repeat.repeat = 0;
  EXPECT_NE(error_of([&] { plan_sweep(bad_repeat, facts, fs); }).find("--repeat"),
            std::string::npos);
  SweepOptions bad_param = options_for({"vm.dirty_ratio=5"});
  bad_param.run.params = {{"sise", "16MiB"}};
  EXPECT_NE(error_of([&] { plan_sweep(bad_param, facts, fs); }).find("sise"), std::string::npos);
}

TEST(SweepPlan, CombinationsVaryTheFirstKnobSlowest) {
  probes::HostFs fs("/");
  if (!test::is_root()) GTEST_SKIP() << "planning a sweep checks that the knobs can be written";
  facts::HostFacts facts = probes::read_host_facts(fs);
  SweepPlan plan =
      plan_sweep(options_for({"vm.dirty_ratio=5,10", "vm.swappiness=30,60,90"}), facts, fs);
  ASSERT_EQ(plan.settings.size(), 6u);
  EXPECT_EQ(setting_label(plan.settings[0]), "vm.dirty_ratio=5 vm.swappiness=30");
  EXPECT_EQ(setting_label(plan.settings[1]), "vm.dirty_ratio=5 vm.swappiness=60");
  EXPECT_EQ(setting_label(plan.settings[5]), "vm.dirty_ratio=10 vm.swappiness=90");
  ASSERT_EQ(plan.original.size(), 2u);
  EXPECT_EQ(plan.original[0].first, "vm.dirty_ratio");
}

workloads::Result run_with(double ns_per_fault, double faults) {
  workloads::Result r;
  r.workload = "demand-paging";
  r.measurements = {{"ns_per_fault", ns_per_fault, "ns", "derived", "", {}},
                    {"minor_faults", faults, "faults", "measured", "", {}},
                    {"touch_s", 0.1, "s", "measured", "", {}}};
  return r;
}

SweepResult made_up_sweep() {
  SweepResult result;
  result.plan.options.workload = "demand-paging";
  result.plan.options.repeat = 5;
  result.plan.metrics = {"ns_per_fault", "minor_*"};
  result.plan.settings = {
      {{"vm.dirty_ratio", "5"}}, {{"vm.dirty_ratio", "10"}}, {{"vm.dirty_ratio", "40"}}};
  result.plan.original = {{"vm.dirty_ratio", "20"}};
  const std::vector<double> same = {150, 152, 149, 151, 150};
  // Every repeat above every reference repeat (significant, p = 2/252), but only 2.7 % slower:
  // under the 5 % minimum effect.
  const std::vector<double> slightly = {153, 154, 153, 155, 154};
  const std::vector<double> slower = {210, 205, 215, 212, 208};
  for (size_t i = 0; i < 3; ++i) {
    SettingRuns runs{result.plan.settings[i], {}, {}};
    const std::vector<double>& values = i == 0 ? same : i == 1 ? slightly : slower;
    for (double v : values) runs.runs.push_back(run_with(v, 4096));
    result.settings.push_back(std::move(runs));
  }
  // A failed run does not count.
  workloads::Result failed = run_with(1e9, 1);
  failed.verdict = {workloads::Status::failed, "time limit", false};
  result.settings[0].runs.push_back(failed);
  return result;
}

TEST(SweepAnalysis, MarksOnlyDifferencesThatAreSignificantAndLargeEnough) {
  SweepResult result = made_up_sweep();
  std::vector<MetricRow> rows = analyze_sweep(result);
  ASSERT_EQ(rows.size(), 2u) << "ns_per_fault and minor_faults; touch_s not asked for";
  const MetricRow& ns = rows[0];
  EXPECT_EQ(ns.name, "ns_per_fault");
  ASSERT_EQ(ns.cells.size(), 3u);
  EXPECT_EQ(ns.cells[0].samples.size(), 5u) << "the failed run is left out";
  EXPECT_FALSE(ns.cells[0].test);
  EXPECT_LT(ns.cells[1].test->p_two_sided, kSweepAlpha);
  EXPECT_FALSE(ns.cells[1].significant) << "under the 5 % minimum effect";
  EXPECT_TRUE(ns.cells[2].significant);
  EXPECT_NEAR(ns.cells[2].change, 60.0 / 150, 1e-9);
  EXPECT_FALSE(rows[1].cells[2].significant) << "identical fault counts";

  std::string text = render_sweep(result);
  EXPECT_NE(text.find("vm.dirty_ratio=40"), std::string::npos);
  EXPECT_NE(text.find("+40.0 % (p=0.008) *"), std::string::npos) << text;
  EXPECT_NE(text.find("Mann-Whitney U"), std::string::npos);
  EXPECT_EQ(text.find("note: "), std::string::npos) << text;

  nlohmann::json j = sweep_to_json(result);
  EXPECT_EQ(j["schema"], "mmtune.sweep/1");
  EXPECT_EQ(j["settings"][2]["metrics"]["ns_per_fault"]["vs_reference"]["significant"], true);
  EXPECT_EQ(j["settings"][0]["runs"].size(), 6u);
  EXPECT_EQ(j["significance"]["test"], "mann-whitney-u");
}

TEST(SweepAnalysis, KeyMetricsAndPatterns) {
  EXPECT_FALSE(key_metrics("demand-paging").empty());
  EXPECT_TRUE(key_metrics("no-such-workload").empty());
  EXPECT_TRUE(metric_matches("coverage.*", "coverage.hugepage"));
  EXPECT_FALSE(metric_matches("coverage.*", "coverage"));
  EXPECT_TRUE(metric_matches("slowdown", "slowdown"));
  EXPECT_FALSE(metric_matches("slowdown", "slowdown.x"));
}

}  // namespace
}  // namespace mmtune::compare
