// Unit tests of the workload-shape models: demand paging, fork/COW, THP, false sharing.
#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "model/demand_paging.hpp"
#include "model/false_sharing.hpp"
#include "model/fork_cow.hpp"
#include "model/thp.hpp"
#include "tests/model/kernel_info.hpp"

namespace mmtune::model {
namespace {

using test::kernel;

TEST(DemandPaging, SequentialGigabyteOfSmallPages) {
  DemandPagingPrediction p = predict_demand_paging({.region_bytes = kGiB});
  EXPECT_EQ(p.faults.value, 262144);
  EXPECT_EQ(p.rss_bytes.value, double(kGiB));
  // 512 PTE tables + 1 PMD table + 1 PUD table.
  EXPECT_EQ(p.page_table_bytes.value, 514.0 * 4096);
  EXPECT_NE(describe(p.faults).find("do_anonymous_page"), std::string::npos);
}

TEST(DemandPaging, HugePagesStillDepositOnePteTableEach) {
  DemandPagingPrediction p =
      predict_demand_paging({.region_bytes = kGiB, .page_bytes = kHugePageSize});
  EXPECT_EQ(p.faults.value, 512);
  EXPECT_EQ(p.rss_bytes.value, double(kGiB));
  EXPECT_EQ(p.page_table_bytes.value, 514.0 * 4096);
}

TEST(DemandPaging, StridesAndReads) {
  DemandPagingPrediction strided = predict_demand_paging(
      {.region_bytes = 64 * kMiB, .pattern = AccessPattern::strided, .stride_bytes = 4 * kMiB});
  EXPECT_EQ(strided.faults.value, 16);
  EXPECT_EQ(strided.page_table_bytes.value, (16.0 + 1 + 1) * 4096);  // one PTE table per touch
  DemandPagingPrediction dense = predict_demand_paging(
      {.region_bytes = 64 * kMiB, .pattern = AccessPattern::strided, .stride_bytes = 1024});
  EXPECT_EQ(dense.faults.value, 16384);
  DemandPagingPrediction reads =
      predict_demand_paging({.region_bytes = 64 * kMiB, .writes = false});
  EXPECT_EQ(reads.faults.value, 16384);
  EXPECT_EQ(reads.rss_bytes.value, 0);
}

TEST(DemandPaging, RandomTouchesCountDistinctPages) {
  // 1000 touches over 1000 pages hit 1000·(1 − (1 − 1/1000)^1000) ≈ 632.
  DemandPagingPrediction p = predict_demand_paging(
      {.region_bytes = 1000 * kPageSize, .pattern = AccessPattern::random, .random_touches = 1000});
  EXPECT_EQ(p.faults.value, 632);
}

TEST(DemandPaging, RejectsBadShapes) {
  EXPECT_THROW(predict_demand_paging({}), Error);
  EXPECT_THROW(predict_demand_paging({.region_bytes = kMiB, .page_bytes = 8192}), Error);
}

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

facts::Settings thp_settings(std::string enabled, std::string defrag,
                             std::string max_ptes_none = "511") {
  facts::Settings s;
  s.values["thp.enabled"] = std::move(enabled);
  s.values["thp.defrag"] = std::move(defrag);
  s.values["thp.khugepaged.max_ptes_none"] = std::move(max_ptes_none);
  return s;
}

std::vector<facts::BuddyZone> buddy(uint64_t order9, uint64_t order10) {
  std::vector<uint64_t> normal(11, 0);
  normal[9] = order9;
  normal[10] = order10;
  std::vector<uint64_t> dma(11, 0);
  dma[10] = 3;  // never counted
  return {{0, "DMA", dma}, {0, "Normal", normal}};
}

TEST(Thp, FreeBlocksCountOrderTenTwiceAndSkipDma) {
  EXPECT_EQ(free_huge_blocks(buddy(30, 82)), 30u + 164u);
  EXPECT_EQ(aligned_huge_ranges(0, 4 * kMiB), 2u);
  EXPECT_EQ(aligned_huge_ranges(4096, 4 * kMiB), 1u);
  EXPECT_EQ(aligned_huge_ranges(4096, 2 * kMiB), 0u);
}

TEST(Thp, MadviseModeNeedsMadvHugepage) {
  auto settings = thp_settings("madvise", "madvise");
  ThpPrediction plain = predict_thp({.region_bytes = kGiB}, settings, buddy(1000, 0));
  EXPECT_EQ(plain.outcome, ThpOutcome::small_pages);
  EXPECT_FALSE(plain.khugepaged_collapses);
  ThpPrediction advised =
      predict_thp({.region_bytes = kGiB, .madv_hugepage = true}, settings, buddy(1000, 0));
  EXPECT_EQ(advised.outcome, ThpOutcome::huge);
  EXPECT_TRUE(advised.direct_compaction);
  EXPECT_EQ(advised.huge_faults.value, 512);
  EXPECT_DOUBLE_EQ(advised.coverage.value, 1.0);
}

TEST(Thp, ShortOfBlocksStallsOrFallsBackByDefragMode) {
  ThpShape shape{.region_bytes = kGiB};
  ThpPrediction always = predict_thp(shape, thp_settings("always", "always"), buddy(100, 0));
  EXPECT_EQ(always.outcome, ThpOutcome::huge_may_stall);
  EXPECT_EQ(always.huge_faults.value, 512);
  ThpPrediction defer = predict_thp(shape, thp_settings("always", "defer"), buddy(100, 0));
  EXPECT_EQ(defer.outcome, ThpOutcome::fallback_when_short);
  EXPECT_TRUE(defer.wakes_kcompactd);
  EXPECT_EQ(defer.huge_faults.value, 100);
  ThpPrediction madvise_defrag =
      predict_thp(shape, thp_settings("always", "madvise"), buddy(100, 0));
  EXPECT_FALSE(madvise_defrag.direct_compaction);
  EXPECT_FALSE(madvise_defrag.wakes_kcompactd);
  EXPECT_EQ(madvise_defrag.collapse_bloat_bound_bytes.value, 412.0 * 511 * 4096);
  ThpPrediction dm = predict_thp({.region_bytes = kGiB, .madv_hugepage = true},
                                 thp_settings("always", "defer+madvise"), buddy(100, 0));
  EXPECT_TRUE(dm.direct_compaction);
}

TEST(Thp, ExclusionsAndBloat) {
  auto settings = thp_settings("always", "madvise", "0");
  EXPECT_EQ(predict_thp({.region_bytes = kGiB, .madv_nohugepage = true}, settings, buddy(1000, 0))
                .outcome,
            ThpOutcome::small_pages);
  EXPECT_EQ(
      predict_thp({.region_bytes = kGiB, .prctl_disabled = true}, settings, buddy(1000, 0)).outcome,
      ThpOutcome::small_pages);
  EXPECT_EQ(predict_thp({.region_bytes = 3 * kMiB, .start_offset = 4096}, settings, buddy(1000, 0))
                .outcome,
            ThpOutcome::small_pages);
  EXPECT_EQ(
      predict_thp({.region_bytes = kGiB}, thp_settings("never", "always"), buddy(1000, 0)).outcome,
      ThpOutcome::small_pages);
  ThpPrediction sparse =
      predict_thp({.region_bytes = 4 * kMiB, .touched_fraction = 0.25}, settings, buddy(1000, 0));
  EXPECT_EQ(sparse.fault_bloat_bytes.value, 3.0 * kMiB);
  EXPECT_EQ(sparse.collapse_bloat_bound_bytes.value, 0);  // max_ptes_none = 0
  EXPECT_EQ(predict_thp({.region_bytes = kGiB}, facts::Settings{}, {}).outcome,
            ThpOutcome::small_pages);
}

TEST(FalseSharing, PackedCountersShareOneLine) {
  FalseSharingPrediction p = predict_false_sharing({.threads = 4, .stride_bytes = 8, .cpus = 2});
  EXPECT_EQ(p.writers_per_line.size(), 1u);
  EXPECT_EQ(p.max_writers_per_line, 4);
  EXPECT_EQ(p.concurrent_writers, 2);
  EXPECT_EQ(p.slowdown, SlowdownClass::severe);
  EXPECT_GE(p.expected_slowdown_low.value, 2);
}

TEST(FalseSharing, PaddingAndOneCpu) {
  EXPECT_EQ(predict_false_sharing({.threads = 4, .stride_bytes = 128, .cpus = 4}).slowdown,
            SlowdownClass::none);
  EXPECT_EQ(predict_false_sharing({.threads = 2, .stride_bytes = 64, .cpus = 2}).slowdown,
            SlowdownClass::adjacent);
  EXPECT_EQ(predict_false_sharing({.threads = 4, .stride_bytes = 8, .cpus = 1}).slowdown,
            SlowdownClass::none);
  // A counter straddling a line boundary touches both lines.
  FalseSharingPrediction straddle =
      predict_false_sharing({.threads = 2, .stride_bytes = 64, .base_offset = 60, .cpus = 2});
  EXPECT_EQ(straddle.max_writers_per_line, 2);
  EXPECT_THROW(predict_false_sharing({.cache_line_bytes = 48}), Error);
}

}  // namespace
}  // namespace mmtune::model
