// One parameterised suite over the table of workloads: whatever is added to registry.cpp is held
// to the same rules, on every recorded host.
#include "workloads/registry.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"
#include "workloads/runner.hpp"

namespace mmtune::workloads {
namespace {

// Options of `mmtune run` itself: a workload parameter of the same name could never be given.
const std::set<std::string> kRunnerOptions = {"json",     "force",     "time-limit", "memory-limit",
                                              "interval", "state-dir", "help",       "root"};

class EveryWorkload : public testing::TestWithParam<const Workload*> {};

TEST_P(EveryWorkload, HasAKebabCaseNameAndASummary) {
  const Workload& w = *GetParam();
  EXPECT_TRUE(std::regex_match(std::string(w.name), std::regex("[a-z][a-z0-9]*(-[a-z0-9]+)*")))
      << w.name;
  EXPECT_FALSE(w.summary.empty());
  EXPECT_EQ(find_workload(w.name), &w);
  EXPECT_TRUE(w.unsupported && w.footprint_bytes && w.predict && w.run);
}

TEST_P(EveryWorkload, EveryParameterHasUnitHelpAndAValidDefault) {
  const Workload& w = *GetParam();
  std::set<std::string_view> names;
  for (const Param& p : w.params) {
    EXPECT_TRUE(names.insert(p.name).second) << w.name << " --" << p.name << " twice";
    EXPECT_TRUE(std::regex_match(std::string(p.name), std::regex("[a-z][a-z0-9]*(-[a-z0-9]+)*")))
        << p.name;
    EXPECT_FALSE(p.unit.empty()) << w.name << " --" << p.name;
    EXPECT_FALSE(p.help.empty()) << w.name << " --" << p.name;
    EXPECT_FALSE(p.default_value.empty()) << w.name << " --" << p.name;
    EXPECT_FALSE(kRunnerOptions.contains(std::string(p.name)))
        << w.name << " --" << p.name << " is a run option";
    EXPECT_EQ(p.kind == ParamKind::choice, !p.choices.empty()) << w.name << " --" << p.name;
  }
  ParamValues defaults =
      parse_params(w.params, std::vector<ParamInput>{});  // throws if a default is invalid
  EXPECT_GT(w.footprint_bytes(defaults), 0u);
  if (w.invalid) {
    EXPECT_EQ(w.invalid(defaults), std::nullopt) << w.name;
  }
}

// unsupported() answers (a reason or nullopt, never a crash) and the model predicts, on every
// recorded host: a 2-node NUMA server, an old kernel, a host with swap, a cgroup-v2 container.
TEST_P(EveryWorkload, AnswersOnEveryRecordedHost) {
  const Workload& w = *GetParam();
  std::vector<std::string> hosts = test::recorded_hosts();
  ASSERT_FALSE(hosts.empty());
  for (const std::string& host : hosts) {
    SCOPED_TRACE(host);
    facts::HostFacts facts =
        probes::read_host_facts(probes::HostFs(test::test_data("hosts/" + host)));
    std::optional<std::string> why = w.unsupported(facts);
    if (why) {
      EXPECT_FALSE(why->empty());
    }
    RunOptions options;
    options.force = true;
    RunPlan plan = plan_run(w.name, options, facts);
    EXPECT_EQ(plan.unsupported, why);
    EXPECT_FALSE(plan.predictions.empty());
    for (const Expectation& e : plan.predictions) {
      EXPECT_FALSE(e.prediction.why.rule.empty()) << e.prediction.name;
      EXPECT_TRUE(std::isfinite(e.prediction.value)) << e.prediction.name;
    }
  }
}

std::string name_of(const testing::TestParamInfo<const Workload*>& info) {
  std::string name(info.param->name);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(All, EveryWorkload,
                         testing::ValuesIn(all_workloads().begin(), all_workloads().end()),
                         name_of);

TEST(Registry, NamesAreUnique) {
  std::set<std::string_view> names;
  for (const Workload* w : all_workloads()) EXPECT_TRUE(names.insert(w->name).second) << w->name;
}

TEST(Registry, UnknownNameGetsASuggestion) {
  EXPECT_EQ(find_workload("demand-pageing"), nullptr);
  EXPECT_EQ(suggest_workload("demand-pageing"), "demand-paging");
  EXPECT_EQ(suggest_workload("cow"), "cow-fork");
  EXPECT_EQ(suggest_workload("xyzzy-quux"), "");
  try {
    plan_run("false-shareing", RunOptions{}, facts::HostFacts{});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_STREQ(e.what(), "unknown workload \"false-shareing\"; did you mean \"false-sharing\"?");
  }
}

TEST(Registry, FalseSharingCannotRunOnOneCpu) {
  facts::HostFacts facts;
  facts.cpu.online = 1;
  EXPECT_NE(find_workload("false-sharing")->unsupported(facts), std::nullopt);
  facts.cpu.online = 2;
  EXPECT_EQ(find_workload("false-sharing")->unsupported(facts), std::nullopt);
}

TEST(Registry, ThpNeedsAKernelWithThp) {
  facts::HostFacts facts;
  EXPECT_NE(find_workload("thp")->unsupported(facts), std::nullopt);
  facts.settings.values["thp.enabled"] = "never";
  EXPECT_EQ(find_workload("thp")->unsupported(facts), std::nullopt)
      << "runs, and the model predicts 0 %";
}

}  // namespace
}  // namespace mmtune::workloads
