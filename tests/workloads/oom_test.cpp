// oom on this host: five cgroup OOM kills in a row, each of the allocator alone, each at the
// model's OOM point, and the controller (this test process) is alive and gets its result; then
// the same with swap. Cgroups and the swap file are gone afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "tests/workloads/pressure_support.hpp"
#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

class OomTest : public testing::Test {
 protected:
  void SetUp() override {
    facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
    if (!test::is_root() || facts.cgroup.version == 0)
      GTEST_SKIP() << "needs root and a memory cgroup controller";
  }
};

TEST_F(OomTest, FiveKillsOfTheAllocatorAtTheModelsPointAndTheControllerSurvives) {
  test::HostSettingsLock lock;  // the snapshot holds settings, mounts and swaps others change
  HostSnapshot before = snapshot_host();
  Result r = run_tiny("oom", {{"limit", "64MiB"}, {"repeat", "5"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_EQ(value(r, "oom_kills"), 5);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(value(r, "cgroup_oom_kills.r" + std::to_string(i)), 1);
  EXPECT_TRUE(agrees(r, "oom_point_min_bytes"));
  EXPECT_TRUE(agrees(r, "oom_point_max_bytes"));
  EXPECT_TRUE(agrees(r, "controller_survived"));
  EXPECT_TRUE(agrees(r, "victims_were_allocators"));
  EXPECT_GT(value(r, "time_to_oom_s"), 0);
  EXPECT_EQ(::kill(::getpid(), 0), 0);
  EXPECT_EQ(snapshot_host(), before) << "every repetition's cgroup is gone";
}

TEST_F(OomTest, WithSwapTheOomPointIsLimitPlusTheSwapAllowance) {
  test::HostSettingsLock lock;  // swapon/swapoff
  test::TempDir dir;
  HostSnapshot before = snapshot_host();
  Result r = run_tiny("oom", {{"limit", "64MiB"}, {"swap", "64MiB"}, {"dir", dir.path().string()}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(agrees(r, "oom_point_bytes")) << testing::PrintToString(r.explanation);
  EXPECT_GT(value(r, "oom_point_bytes"), 100.0 * (1 << 20)) << "well past the 64 MiB limit";
  EXPECT_EQ(value(r, "oom_kills"), 1);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the swap file is removed";
  EXPECT_EQ(snapshot_host(), before);
}

TEST_F(OomTest, NoOomKillInTimeIsAFailureAndLeavesNothing) {
  test::HostSettingsLock lock;
  HostSnapshot before = snapshot_host();
  // 1 GiB cannot be filled in 100 ms, hot or cold: the allocator touches 4 KiB pages one by one,
  // 1.4 to 6.5 GiB/s (docs/workloads.md), so at most about 650 MiB is ever touched.
  Result r = run_tiny("oom", {{"limit", "1GiB"}, {"timeout", "100ms"}});
  EXPECT_EQ(r.verdict.status, Status::failed);
  EXPECT_NE(r.verdict.reason.find("no OOM kill within --timeout 100ms"), std::string::npos)
      << r.verdict.reason;
  EXPECT_EQ(snapshot_host(), before);
}

}  // namespace
}  // namespace mmtune::workloads
