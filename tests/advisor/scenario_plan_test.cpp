// Every shipped profile's every scenario plans, for many MemAvailable / MemTotal values (odd ones:
// not page-aligned, prime numbers of bytes, hosts with little or a great deal of memory) and on
// every recorded host. A fraction of MemAvailable reaches the workload as bytes: a size that is no
// whole number of a unit (8 % of 23.5 GiB) must plan as well as a round one.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <variant>

#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"

namespace mmtune::advisor {
namespace {

constexpr uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;

// A recorded host (its settings, zones and counters: what the workloads' predictions read) with
// MemAvailable, MemTotal and the memory cgroup version replaced.
facts::HostFacts host_with(uint64_t available, uint64_t total, int cgroup_version) {
  static const facts::HostFacts recorded =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts/local-6.18")));
  facts::HostFacts f = recorded;
  f.cpu.online = 2;
  f.meminfo.total_bytes = total;
  f.meminfo.free_bytes = available / 2;
  f.meminfo.available_bytes = available;
  f.cgroup.version = cgroup_version;
  return f;
}

// Plans every scenario of every shipped profile; a failure names the profile, scenario and host.
const std::vector<Profile>& shipped_profiles() {
  static const std::vector<Profile> profiles = [] {
    std::vector<Profile> all;
    for (const std::string& name : profile_names()) all.push_back(load_profile(name));
    return all;
  }();
  return profiles;
}

void expect_all_plan(const facts::HostFacts& facts, const std::string& host) {
  for (const Profile& profile : shipped_profiles()) {
    const std::string& name = profile.name;
    for (const auto& [scenario, s] : profile.scenarios) {
      try {
        const ScenarioPlan plan = plan_scenario(profile, scenario, facts);
        for (const PlannedStep& step : plan.steps) {
          EXPECT_EQ(step.inputs.size(), step.params.size());
          if (plan.memory_cgroup) continue;
          EXPECT_LE(step.plan.limits.footprint_bytes,
                    uint64_t(s.memory_fraction * double(*facts.meminfo.available_bytes)) + 1)
              << name << " " << scenario << " " << step.step.id << " on " << host;
        }
      } catch (const Error& e) {
        ADD_FAILURE() << name << " --scenario " << scenario << " on " << host << ": " << e.what();
      }
    }
  }
}

TEST(ScenarioPlans, EveryProfileAndScenarioForManyMemorySizes) {
  // The 23.5 GiB of the host the issue was found on, sizes around powers of two, and random odd
  // byte counts from 4 GiB to 2 TiB, with MemTotal from MemAvailable to 4 × it.
  std::vector<uint64_t> available = {
      25232932864ull, 23 * kGiB + 512 * kMiB + 4095, 4 * kGiB - 1,   4 * kGiB + 1,
      8 * kGiB + 7,   16 * kGiB - 4096 + 1,          64 * kGiB + 13, 1536 * kGiB + 17};
  std::mt19937_64 random(19);
  std::uniform_int_distribution<uint64_t> anywhere(4 * kGiB, 2048 * kGiB);
  for (int i = 0; i < 16; ++i) available.push_back(anywhere(random) | 1);
  for (uint64_t bytes : available) {
    for (int cgroup : {0, 1, 2}) {
      const uint64_t total = bytes + (bytes / 3 | 1) * uint64_t(cgroup);
      expect_all_plan(
          host_with(bytes, total, cgroup),
          fmt::format("MemAvailable {} B, MemTotal {} B, cgroup v{}", bytes, total, cgroup));
    }
  }
}

TEST(ScenarioPlans, EveryProfileAndScenarioOnEveryRecordedHost) {
  const std::vector<std::string> hosts = test::recorded_hosts();
  ASSERT_FALSE(hosts.empty());
  for (const std::string& host : hosts) {
    const probes::HostFs fs(test::test_data("hosts") / host);
    expect_all_plan(probes::read_host_facts(fs), host);
  }
}

TEST(ScenarioPlans, QuickIsTheSameOnTwoCoresAndOnOneHundredTwentyEight) {
  // What `mmtune tune` runs fits its 60 s and 25 % of MemAvailable whatever the host, and nothing
  // in it grows with the number of CPUs: the plan for 128 CPUs is the plan for 2.
  for (uint64_t available : {4 * kGiB + 1, 23 * kGiB + 7, 2048 * kGiB - 3}) {
    facts::HostFacts small = host_with(available, available * 2, 1);
    facts::HostFacts large = small;
    large.cpu.online = 128;
    for (const std::string& name : profile_names()) {
      const Profile profile = load_profile(name);
      const ScenarioPlan two = plan_scenario(profile, "quick", small);
      const ScenarioPlan many = plan_scenario(profile, "quick", large);
      double seconds = 0;
      ASSERT_EQ(two.steps.size(), many.steps.size());
      for (size_t i = 0; i < two.steps.size(); ++i) {
        seconds += two.steps[i].step.time_limit_s;
        EXPECT_EQ(two.steps[i].params, many.steps[i].params) << name << " " << two.steps[i].step.id;
        EXPECT_EQ(two.steps[i].plan.limits.footprint_bytes,
                  many.steps[i].plan.limits.footprint_bytes)
            << name << " " << two.steps[i].step.id;
        EXPECT_LE(two.steps[i].plan.limits.footprint_bytes, two.memory_budget_bytes)
            << name << " " << two.steps[i].step.id;
      }
      EXPECT_LE(seconds, 60) << name;
      EXPECT_LE(two.memory_budget_bytes, available / 4) << name;
    }
  }
}

TEST(ScenarioPlans, AFractionReachesTheWorkloadAsBytes) {
  // 8 % of 23.5 GiB rounded down to 2 MiB is 1924 MiB: no whole number of GiB. It plans, reaches
  // the runner as bytes and is written out exactly.
  const facts::HostFacts facts = host_with(25232932864ull, 24 * kGiB, 1);
  const ScenarioPlan plan = plan_scenario(load_profile("database"), "full", facts);
  const PlannedStep& thp = plan.steps.at(1);
  ASSERT_EQ(thp.step.id, "thp");
  size_t size = 0;
  while (size < thp.inputs.size() && thp.inputs[size].name != "size") ++size;
  ASSERT_LT(size, thp.inputs.size());
  const uint64_t bytes = std::get<uint64_t>(thp.inputs[size].value);
  EXPECT_EQ(bytes, uint64_t(0.08 * 25232932864.0) / (2 * kMiB) * (2 * kMiB));
  EXPECT_EQ(thp.plan.params.bytes("size"), bytes);
  EXPECT_EQ(thp.params.at(size),
            (std::pair<std::string, std::string>{"size", fmt::format("{}MiB", bytes / kMiB)}));
}

TEST(ScenarioPlans, FragmentationInFullGetsWholeHugePagesOfAnyMemory) {
  // The workload refuses a fault region or a hugetlb request that is not a multiple of 2 MiB:
  // the fractions round down to one whatever MemAvailable is, and span stops at 16 GiB.
  for (uint64_t available : {uint64_t{25232932864}, 4 * kGiB + 1, 1536 * kGiB + 17}) {
    for (const char* name : {"database", "jvm-large-heap", "virtualization-host"}) {
      const ScenarioPlan plan =
          plan_scenario(load_profile(name), "full", host_with(available, available, 1));
      const PlannedStep& step = plan.steps.back();
      ASSERT_EQ(step.step.workload, "fragmentation") << name;
      for (const char* param : {"fault-size", "hugetlb"}) {
        const uint64_t bytes = step.plan.params.bytes(param);
        EXPECT_EQ(bytes % (2 * kMiB), 0u) << name << " " << param << " " << available;
        EXPECT_GE(bytes, 64 * kMiB);
      }
      EXPECT_EQ(step.plan.params.bytes("span"),
                std::min<uint64_t>(16 * kGiB, available / (2 * kMiB) * (2 * kMiB)))
          << name << " " << available;
    }
  }
}

}  // namespace
}  // namespace mmtune::advisor
