// Scenario planning: sizes as fractions of MemAvailable, bounds, and errors that name the profile
// line (a line for each step that cannot be planned); the JSON round trip.
#include "advisor/scenario.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "facts/error.hpp"

namespace mmtune::advisor {
namespace {

constexpr uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;

TEST(Scenario, FractionsAreClampedAndRounded) {
  ParamSpec spec;
  spec.fraction_of_available = 0.05;
  spec.min_bytes = 64 * kMiB;
  spec.max_bytes = kGiB;
  spec.multiple_bytes = 2 * kMiB;
  EXPECT_EQ(resolve_fraction(spec, 10 * kGiB), 512 * kMiB);  // 0.05 × 10 GiB = 512 MiB
  EXPECT_EQ(resolve_fraction(spec, 100 * kGiB), kGiB);       // capped
  EXPECT_EQ(resolve_fraction(spec, 256 * kMiB), 64 * kMiB);  // floor
  EXPECT_EQ(resolve_fraction(spec, 7 * kGiB), 358 * kMiB);   // 358.4 MiB → a multiple of 2 MiB
  spec.min_bytes = 0;
  EXPECT_EQ(resolve_fraction(spec, 1 * kMiB), 2 * kMiB);  // never below one multiple
}

facts::HostFacts small_host(uint64_t available) {
  facts::HostFacts f;
  f.kernel = {"6.1.0", 6, 1, 0, std::nullopt};
  f.cpu.online = 2;
  f.meminfo.total_bytes = 4 * available;
  f.meminfo.free_bytes = available;
  f.meminfo.available_bytes = available;
  f.settings.values = {{"thp.enabled", "madvise"}, {"thp.defrag", "madvise"}};
  f.cgroup.version = 1;
  return f;
}

TEST(Scenario, QuickOfGeneralIsBoundedHere) {
  const Profile p = load_profile("general");
  ScenarioPlan plan = plan_scenario(p, "quick", small_host(16 * kGiB));
  EXPECT_EQ(plan.memory_budget_bytes, 4 * kGiB);
  EXPECT_TRUE(plan.memory_cgroup);
  double seconds = 0;
  for (const PlannedStep& step : plan.steps) {
    EXPECT_LE(step.plan.limits.footprint_bytes, plan.memory_budget_bytes) << step.step.id;
    seconds += step.step.time_limit_s;
  }
  EXPECT_LE(seconds, 60);
  ASSERT_EQ(plan.steps[0].step.workload, "demand-paging");
  EXPECT_EQ(plan.steps[0].params[0],
            (std::pair<std::string, std::string>{"size", "512MiB"}));  // 0.05 × 16 GiB, capped
}

TEST(Scenario, UnknownScenarioListsTheOnesThereAre) {
  try {
    plan_scenario(load_profile("general"), "slow", small_host(16 * kGiB));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "--scenario: profile general has no scenario \"slow\" (it has: full, quick)");
  }
}

TEST(Scenario, AStepTooLargeForThisHostNamesItsLine) {
  // The ci scenario's fixed 256MiB does not fit 25 % of 512 MiB, and without a memory cgroup
  // controller nothing else bounds it.
  const Profile p = load_profile("ci-smoke");
  facts::HostFacts host = small_host(512 * kMiB);
  host.cgroup.version = 0;
  try {
    plan_scenario(p, "ci", host);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_EQ(std::string(e.what()).rfind("profiles/ci-smoke.json:", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("step \"demand-paging\""), std::string::npos) << e.what();
  }
  // With a memory cgroup the limit bounds the step instead.
  EXPECT_NO_THROW(plan_scenario(p, "ci", small_host(512 * kMiB)));
}

TEST(Scenario, EveryStepTooLargeForThisHostGetsItsOwnLine) {
  // 25 % of 256 MiB is 64 MiB: demand-paging's 256MiB, thp's 128MiB and cow-fork's 256MiB parent
  // do not fit; false-sharing does.
  facts::HostFacts host = small_host(256 * kMiB);
  host.cgroup.version = 0;
  try {
    plan_scenario(load_profile("ci-smoke"), "ci", host);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    std::vector<std::string> lines;
    std::istringstream text(e.what());
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    const std::vector<std::string> steps = {"demand-paging", "thp", "cow-fork"};
    ASSERT_EQ(lines.size(), steps.size()) << e.what();
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i].rfind("profiles/ci-smoke.json:", 0), 0u) << lines[i];
      EXPECT_NE(lines[i].find(fmt::format("step \"{}\"", steps[i])), std::string::npos) << lines[i];
    }
  }
}

TEST(Scenario, JsonRoundTrip) {
  ScenarioRun run;
  run.profile = "general";
  run.profile_file = "profiles/general.json";
  run.scenario = "quick";
  run.facts = small_host(8 * kGiB);
  run.time_budget_s = 55;
  run.memory_budget_bytes = 2 * kGiB;
  run.memory_cgroup = true;
  StepOutcome step;
  step.id = "thp";
  step.workload = "thp";
  step.params = {{"size", "128MiB"}};
  step.result.workload = "thp";
  step.result.measurements.push_back({"random_access_speedup", 1.25, "x", "derived", "a / b", {}});
  run.steps.push_back(step);
  run.wall_s = 3.5;
  run.peak_cgroup_bytes = 300 * kMiB;
  run.peak_child_rss_bytes = 290 * kMiB;
  nlohmann::json j = scenario_to_json(run);
  EXPECT_EQ(j["schema"], "mmtune.scenario/1");
  ScenarioRun back = scenario_from_json(j);
  EXPECT_EQ(back.steps.size(), 1u);
  EXPECT_EQ(back.steps[0].params, step.params);
  EXPECT_DOUBLE_EQ(back.steps[0].result.find("random_access_speedup")->value, 1.25);
  EXPECT_EQ(back.peak_cgroup_bytes, run.peak_cgroup_bytes);
  EXPECT_EQ(back.facts, run.facts);
  EXPECT_THROW(scenario_from_json(nlohmann::json{{"schema", "other"}}), Error);
}

}  // namespace
}  // namespace mmtune::advisor
