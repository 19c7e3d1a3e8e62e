#include <gtest/gtest.h>

#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

TEST(Thp, TinyRunCoverageAndTlbEffect) {
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  if (!facts.settings.text("thp.enabled")) GTEST_SKIP() << "no THP in this kernel";
  Result r = run_tiny("thp", {{"size", "16MiB"}, {"accesses", "20000"}, {"repeats", "1"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(agrees(r, "coverage.hugepage"));
  EXPECT_TRUE(agrees(r, "coverage.nohugepage"));
  EXPECT_EQ(value(r, "coverage.nohugepage"), 0);
  if (facts.settings.text("thp.enabled") != "never") {
    EXPECT_GE(value(r, "coverage.hugepage"), 0.9);
  }
  EXPECT_GT(value(r, "random_access_speedup"), 0);
  EXPECT_EQ(value(r, "faults.nohugepage"), 4096);
}

}  // namespace
}  // namespace mmtune::workloads
