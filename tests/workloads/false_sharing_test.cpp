#include <gtest/gtest.h>

#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

TEST(FalseSharing, TinyRunReportsBothLayouts) {
  Result r = run_tiny("false-sharing", {{"duration", "100ms"}});
  if (r.verdict.status == Status::skipped) GTEST_SKIP() << r.verdict.reason;
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_GT(value(r, "ops_per_s.packed"), 0);
  EXPECT_GT(value(r, "ops_per_s.padded"), 0);
  EXPECT_GT(value(r, "handoff_ns"), 0);
  EXPECT_GE(value(r, "cpus"), 2);
  // Sharing a line costs a cross-CPU transfer per write: it only fails to show when other
  // processes take the CPUs away from the two writers.
  if (value(r, "foreign_cpu") < 0.5) {
    EXPECT_GT(value(r, "slowdown"), 1.0);
  }
}

}  // namespace
}  // namespace mmtune::workloads
