// The fork and copy-on-write model: entries copied, COW faults and copies, by kernel version.
#include "model/fork_cow.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "tests/model/kernel_info.hpp"

namespace mmtune::model {
namespace {

using test::kernel;

TEST(Fork, QuarterOfAGigabyteWritten) {
  ForkPrediction p = predict_fork({.rss_bytes = kGiB, .written_fraction = 0.25});
  EXPECT_EQ(p.entries_copied.value, 262144);
  EXPECT_EQ(p.page_table_bytes.value, 514.0 * 4096);
  EXPECT_EQ(p.cow_faults.value, 65536);
  EXPECT_EQ(p.pages_copied.value, 65536);
  EXPECT_EQ(p.memory_growth_bytes.value, 514.0 * 4096 + 256.0 * kMiB);
}

TEST(Fork, HugePagesCopyOnePmdEachAndCowAt4KiBSince58) {
  facts::KernelInfo new_kernel = kernel(6, 1);
  ForkPrediction p = predict_fork(
      {.rss_bytes = kGiB, .written_fraction = 0.25, .huge_pages = true, .kernel = new_kernel});
  EXPECT_EQ(p.entries_copied.value, 512);
  EXPECT_EQ(p.page_table_bytes.value, 514.0 * 4096);
  EXPECT_EQ(p.pages_copied.value, 65536);
  EXPECT_NE(p.pages_copied.why.rule.find("5.8+"), std::string::npos);
}

TEST(Fork, HugePagesCopiedWholeBefore58) {
  facts::KernelInfo old_kernel = kernel(4, 19);
  ForkPrediction contiguous = predict_fork(
      {.rss_bytes = kGiB, .written_fraction = 0.25, .huge_pages = true, .kernel = old_kernel});
  EXPECT_EQ(contiguous.cow_faults.value, 128);
  EXPECT_EQ(contiguous.pages_copied.value, 65536);
  // One write in every 16th page touches every huge page: all 512 are copied.
  ForkPrediction spread = predict_fork({.rss_bytes = kGiB,
                                        .written_fraction = 1.0 / 16,
                                        .spread_writes = true,
                                        .huge_pages = true,
                                        .kernel = old_kernel});
  EXPECT_EQ(spread.pages_copied.value, 262144);
}

TEST(Fork, NoCopiesOnceTheChildHasExited) {
  ForkPrediction p =
      predict_fork({.rss_bytes = kGiB, .written_fraction = 1, .other_side_alive = false});
  EXPECT_EQ(p.cow_faults.value, 262144);
  EXPECT_EQ(p.pages_copied.value, 0);
  EXPECT_THROW(predict_fork({.rss_bytes = kGiB, .written_fraction = 1.5}), Error);
}

}  // namespace
}  // namespace mmtune::model
