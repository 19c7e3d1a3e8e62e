#include <gtest/gtest.h>

#include <filesystem>

#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

TEST(DemandPaging, TinyRunAgreesWithTheModel) {
  Result r = run_tiny("demand-paging", {{"size", "16MiB"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(agrees(r, "minor_faults"));
  EXPECT_GE(value(r, "minor_faults"), 4096);
  EXPECT_TRUE(agrees(r, "rss_growth_bytes"));
  EXPECT_TRUE(agrees(r, "page_tables_growth_bytes"));
  EXPECT_GT(value(r, "faults_per_s"), 0);
  EXPECT_GT(value(r, "warmup_faults_per_s"), 0);
  ASSERT_NE(r.find_series("touch_progress"), nullptr);
  EXPECT_EQ(r.find_series("touch_progress")->columns.at("touched_bytes").back(), 16.0 * (1 << 20));
  ASSERT_NE(r.find_series("host"), nullptr);
  EXPECT_FALSE(r.find_series("host")->t_s.empty());
  ASSERT_EQ(r.phases.size(), 2u);
  EXPECT_EQ(r.phases[1].name, "touch");
  EXPECT_GE(r.phases[1].rusage_delta.minor_faults, 4096u);
}

TEST(DemandPaging, RandomTouchesWithTwoThreads) {
  Result r =
      run_tiny("demand-paging", {{"size", "32MiB"}, {"threads", "2"}, {"pattern", "random"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  // 8192 uniform touches over 8192 pages reach 1 − 1/e of them: the model says 5178.
  EXPECT_TRUE(agrees(r, "minor_faults"));
  EXPECT_LT(value(r, "minor_faults"), 6000);
}

TEST(DemandPaging, StrideTouchesOnePagePerStride) {
  Result r =
      run_tiny("demand-paging", {{"size", "16MiB"}, {"pattern", "stride"}, {"stride", "64KiB"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(agrees(r, "minor_faults"));
  EXPECT_NEAR(value(r, "minor_faults"), 256, 8);
}

TEST(DemandPaging, SharedBackings) {
  test::TempDir dir;
  for (const char* backing : {"memfd", "file"}) {
    SCOPED_TRACE(backing);
    Result r = run_tiny("demand-paging",
                        {{"size", "8MiB"}, {"backing", backing}, {"dir", dir.path().string()}});
    ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
    EXPECT_TRUE(agrees(r, "minor_faults"));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the backing file never outlives the run";
}

TEST(DemandPaging, HugePagesWhenAdvised) {
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  if (facts.settings.text("thp.enabled").value_or("never") == "never")
    GTEST_SKIP() << "THP disabled here";
  Result r = run_tiny("demand-paging", {{"size", "16MiB"}, {"thp", "on"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(agrees(r, "minor_faults")) << "8 huge faults";
  EXPECT_EQ(value(r, "anon_huge_bytes"), 16.0 * (1 << 20));
}

}  // namespace
}  // namespace mmtune::workloads
