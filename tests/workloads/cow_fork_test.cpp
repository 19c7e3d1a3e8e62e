#include <gtest/gtest.h>

#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

TEST(CowFork, TinyRunAgreesWithTheModel) {
  Result r =
      run_tiny("cow-fork", {{"sizes", "4MiB,8MiB,16MiB"}, {"forks", "3"}, {"cow-size", "8MiB"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  for (const char* size : {"4MiB", "8MiB", "16MiB"}) {
    EXPECT_GT(value(r, std::string("fork_ms.") + size), 0) << size;
    EXPECT_TRUE(agrees(r, std::string("page_tables_bytes.") + size));
  }
  for (const char* f : {"f0.25", "f1"}) {
    EXPECT_TRUE(agrees(r, std::string("cow_faults.") + f));
    EXPECT_TRUE(agrees(r, std::string("copied_pages.") + f));
  }
  EXPECT_EQ(value(r, "written_pages.f0.25"), 512);
  EXPECT_GT(value(r, "child_private_bytes.f1"), 7.0 * (1 << 20)) << "the child copied every page";
}

TEST(CowFork, ParentAsWriter) {
  Result r = run_tiny("cow-fork", {{"sizes", "4MiB"},
                                   {"forks", "1"},
                                   {"cow-size", "8MiB"},
                                   {"fractions", "0.5"},
                                   {"writer", "parent"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(agrees(r, "cow_faults.f0.5"));
  EXPECT_TRUE(agrees(r, "copied_pages.f0.5"));
  EXPECT_GT(value(r, "parent_private_bytes.f0.5"), 3.5 * (1 << 20));
}

}  // namespace
}  // namespace mmtune::workloads
