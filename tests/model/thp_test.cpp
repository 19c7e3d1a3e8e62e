// The THP fault-time model: eligibility, defrag modes, free 2 MiB blocks, bloat.
#include "model/thp.hpp"

#include <gtest/gtest.h>

namespace mmtune::model {
namespace {

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

}  // namespace
}  // namespace mmtune::model
