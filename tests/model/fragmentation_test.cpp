// The fragmentation model: the kernel's two indexes, compaction_suitable's verdicts, the defrag
// modes and the ranges of huge faults and reservations. Expected values are worked by hand from
// mm/vmstat.c's integer arithmetic (docs/model.md, Fragmentation and compaction).
#include "model/fragmentation.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::model {
namespace {

// 103 400 free pages in 9 850 blocks, nothing of order 9 or more.
const std::vector<uint64_t> kFragmented = {1000, 2000, 3000, 2000, 1000, 500, 200, 100, 50, 0, 0};
// 100 free half-pageblocks (order 8): big pieces, but too few pages for an order-9 block.
const std::vector<uint64_t> kShort = {0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0};

TEST(ContigPageInfo, SumsTheFreeListsAsTheKernelDoes) {
  ContigPageInfo info = contig_page_info(kFragmented, 4);
  EXPECT_EQ(info.free_pages, 103400u);
  EXPECT_EQ(info.free_blocks_total, 9850u);
  // 1000·1 + 500·2 + 200·4 + 100·8 + 50·16 blocks of 16 pages.
  EXPECT_EQ(info.free_blocks_suitable, 4400u);
}

TEST(FragmentationIndex, TowardsOneWhenFreeMemoryIsInSmallPieces) {
  // 1000 − (1000 + 103400·1000/512) / 9850 = 1000 − 202953 / 9850 = 1000 − 20.
  EXPECT_EQ(fragmentation_index(contig_page_info(kFragmented, 9), 9), 980);
  EXPECT_EQ(fragmentation_index(contig_page_info(kFragmented, 10), 10), 990);
}

TEST(FragmentationIndex, TowardsZeroWhenMemoryIsShort) {
  // 1000 − (1000 + 25600·1000/512) / 100 = 1000 − 51000 / 100 = 490.
  EXPECT_EQ(fragmentation_index(contig_page_info(kShort, 9), 9), 490);
}

TEST(FragmentationIndex, MinusOneWhenABlockIsFreeAndZeroWithNothingFree) {
  EXPECT_EQ(fragmentation_index(contig_page_info(kFragmented, 8), 8), -1000);
  EXPECT_EQ(fragmentation_index(contig_page_info(std::vector<uint64_t>(11, 0), 9), 9), 0);
}

TEST(UnusableIndex, ShareOfFreePagesInSmallerBlocks) {
  // (103400 − 4400·16)·1000 / 103400 = 33000000 / 103400 = 319.
  EXPECT_EQ(unusable_free_index(contig_page_info(kFragmented, 4), 4), 319);
  EXPECT_EQ(unusable_free_index(contig_page_info(kFragmented, 0), 0), 0);
  EXPECT_EQ(unusable_free_index(contig_page_info(kFragmented, 9), 9), 1000);
  EXPECT_EQ(unusable_free_index(contig_page_info(std::vector<uint64_t>(11, 0), 9), 9), 1000);
}

TEST(ZoneIndexes, EveryOrderOfEveryZone) {
  auto zones = zone_indexes({{0, "Normal", kFragmented}});
  ASSERT_EQ(zones.size(), 1u);
  EXPECT_EQ(zones[0].free_pages, 103400u);
  EXPECT_EQ(zones[0].free_blocks_at_order, 0u);
  EXPECT_EQ(zones[0].fragmentation_milli, (std::vector<int>{-1000, -1000, -1000, -1000, -1000,
                                                            -1000, -1000, -1000, -1000, 980, 990}));
  EXPECT_EQ(zones[0].unusable_milli,
            (std::vector<int>{0, 9, 48, 164, 319, 473, 628, 752, 876, 1000, 1000}));
}

facts::Zone zone(std::string name, uint64_t free_pages, std::vector<uint64_t> protection = {}) {
  facts::Zone z;
  z.node = 0;
  z.name = std::move(name);
  z.free_pages = free_pages;
  z.min_pages = 1000;
  z.low_pages = 1250;
  z.high_pages = 1500;
  z.managed_pages = 4000000;
  z.protection = protection.empty() ? std::vector<uint64_t>(5, 0) : std::move(protection);
  return z;
}

TEST(CompactionSuitable, NotNeededWhenABlockOfTheOrderIsFree) {
  std::vector<uint64_t> blocks = kFragmented;
  blocks[10] = 2;
  auto s = compaction_suitable(zone("Normal", 105448), 2, {0, "Normal", blocks}, 9, 500, 3);
  EXPECT_EQ(s.verdict, CompactionVerdict::not_needed);
}

TEST(CompactionSuitable, WorthTryingWhenFailuresAreDueToFragmentation) {
  auto s = compaction_suitable(zone("Normal", 103400), 2, {0, "Normal", kFragmented}, 9, 500, 3);
  EXPECT_EQ(s.verdict, CompactionVerdict::worth_trying);
  EXPECT_EQ(s.fragmentation_milli, 980);
  EXPECT_EQ(s.watermark_pages, 1250u + 1024u);  // low + 2^(9+1)
  EXPECT_NE(s.why.text.find("COMPACT_CONTINUE"), std::string::npos) << s.why.text;
}

TEST(CompactionSuitable, TheThresholdDecidesBetweenFragmentationAndLackOfMemory) {
  const facts::BuddyZone buddy{0, "Normal", kShort};
  EXPECT_EQ(compaction_suitable(zone("Normal", 25600), 2, buddy, 9, 500, 3).verdict,
            CompactionVerdict::not_suitable);  // 490 ≤ 500
  EXPECT_EQ(compaction_suitable(zone("Normal", 25600), 2, buddy, 9, 400, 3).verdict,
            CompactionVerdict::worth_trying);  // 490 > 400
  // Non-costly orders ignore the index (the alternative would be the OOM killer).
  EXPECT_NE(
      compaction_suitable(zone("Normal", 25600), 2, {0, "Normal", kShort}, 3, 1000, 3).verdict,
      CompactionVerdict::not_suitable);
}

TEST(CompactionSuitable, SkippedWithoutRoomForMigrationTargets) {
  // free ≤ low + 2^10 + lowmem_reserve: 1250 + 1024 + 30000 = 32274 ≥ 25600.
  auto s = compaction_suitable(zone("DMA32", 25600, {0, 0, 30000, 30000, 30000}), 1,
                               {0, "DMA32", kShort}, 9, 500, 3);
  EXPECT_EQ(s.verdict, CompactionVerdict::skipped);
  EXPECT_EQ(s.lowmem_reserve, 30000u);
  EXPECT_THROW(compaction_suitable(zone("Normal", 1), 4, {0, "Normal", kShort}, 9, 500, 3), Error);
}

facts::HostFacts host(std::vector<uint64_t> normal_blocks, std::string threshold = "") {
  facts::HostFacts facts;
  facts.zones = {zone("DMA", 3840, {0, 2900, 23000, 23000, 23000}),
                 zone("DMA32", 2000, {0, 0, 20000, 20000, 20000}), zone("Normal", 0),
                 zone("Movable", 0)};
  facts.zones[3].managed_pages = 0;
  facts.zones[2].free_pages = contig_page_info(normal_blocks, 0).free_pages;
  facts.buddyinfo = {{0, "DMA", {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3}},
                     {0, "DMA32", {2000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
                     {0, "Normal", std::move(normal_blocks)}};
  if (!threshold.empty()) facts.settings.values["vm.extfrag_threshold"] = threshold;
  return facts;
}

TEST(PredictFragmentation, SaysWhoStallsWhenFailuresAreDueToFragmentation) {
  FragmentationPrediction p = predict_fragmentation(host(kFragmented));
  EXPECT_EQ(p.verdict, CompactionVerdict::worth_trying);
  EXPECT_EQ(p.cause, "fragmentation");
  EXPECT_EQ(p.zone, "Normal");
  EXPECT_DOUBLE_EQ(p.fragmentation_index.value, 0.98);
  EXPECT_DOUBLE_EQ(p.unusable_index.value, 1.0);
  EXPECT_EQ(p.free_blocks.value, 0);
  // DMA's 3 free order-10 blocks sit below its lowmem_reserve against Movable: unusable.
  EXPECT_EQ(p.suitability[0].zone, "DMA");
  EXPECT_EQ(p.suitability[0].verdict, CompactionVerdict::skipped);
  EXPECT_EQ(p.summary,
            "at order 9, index 0.980 (node 0 Normal): failures are due to fragmentation; "
            "defrag=always will stall in direct compaction, defer+madvise and madvise only for "
            "regions that asked (MADV_HUGEPAGE)");
  ASSERT_EQ(p.modes.size(), 5u);
  EXPECT_EQ(p.modes[0].text, "stalls in direct compaction");
  EXPECT_EQ(p.modes[1].text, "falls back to 4 KiB at once and wakes kcompactd");
  EXPECT_EQ(p.modes[3].text, "stalls in direct compaction for MADV_HUGEPAGE regions only");
  EXPECT_EQ(p.modes[4].text, "falls back to 4 KiB at once");
}

TEST(PredictFragmentation, LackOfMemoryBelowTheThreshold) {
  FragmentationPrediction p = predict_fragmentation(host(kShort, "500"));
  EXPECT_EQ(p.verdict, CompactionVerdict::not_suitable);
  EXPECT_EQ(p.cause, "lack of memory");
  EXPECT_NE(p.summary.find("index 0.490 ≤ extfrag_threshold 0.500"), std::string::npos)
      << p.summary;
  EXPECT_EQ(predict_fragmentation(host(kShort, "100")).verdict, CompactionVerdict::worth_trying);
}

TEST(PredictFragmentation, NoCompactionWhileBlocksAreFree) {
  std::vector<uint64_t> blocks = kFragmented;
  blocks[9] = 7;
  blocks[10] = 100;
  FragmentationPrediction p = predict_fragmentation(host(blocks));
  EXPECT_EQ(p.verdict, CompactionVerdict::not_needed);
  EXPECT_EQ(p.free_blocks.value, 207);  // 7 + 2·100
  EXPECT_DOUBLE_EQ(p.fragmentation_index.value, -1.0);
  for (const DefragOutcome& m : p.modes) EXPECT_FALSE(m.stalls_madvised) << m.madvised.mode;
  EXPECT_EQ(p.summary,
            "at order 9, 207 free 2 MiB blocks: huge-page faults need no compaction, whatever the "
            "defrag mode (index −1.000 in node 0 Normal)");
}

TEST(DefragBehaviour, TheKernelsGfpForEachMode) {
  EXPECT_EQ(defrag_behaviour("always", true).gfp, "GFP_TRANSHUGE");
  EXPECT_EQ(defrag_behaviour("always", false).gfp, "GFP_TRANSHUGE | __GFP_NORETRY");
  EXPECT_TRUE(defrag_behaviour("madvise", true).direct_compaction);
  EXPECT_FALSE(defrag_behaviour("madvise", false).direct_compaction);
  EXPECT_FALSE(defrag_behaviour("madvise", false).wakes_kcompactd);
  EXPECT_TRUE(defrag_behaviour("defer+madvise", true).direct_compaction);
  EXPECT_TRUE(defrag_behaviour("defer+madvise", false).wakes_kcompactd);
  EXPECT_TRUE(defrag_behaviour("defer", true).wakes_kcompactd);
  EXPECT_FALSE(defrag_behaviour("defer", true).direct_compaction);
  EXPECT_EQ(defrag_behaviour("never", true).gfp, "GFP_TRANSHUGE_LIGHT");
  EXPECT_FALSE(defrag_behaviour("never", true).direct_compaction);
}

TEST(ExpectedHugeFaults, ExactWithoutCompactionARangeWithIt) {
  auto never = expected_huge_faults(defrag_behaviour("never", true), 64, 5, 40);
  EXPECT_EQ(never.low.value, 5);
  EXPECT_EQ(never.high.value, 5);
  auto always = expected_huge_faults(defrag_behaviour("always", true), 64, 5, 40);
  EXPECT_EQ(always.low.value, 5);
  EXPECT_EQ(always.high.value, 45);
  auto plenty = expected_huge_faults(defrag_behaviour("always", true), 64, 5, 400);
  EXPECT_EQ(plenty.high.value, 64);
}

TEST(ExpectedReservation, FreeBlocksAtLeastCompactableAtMost) {
  auto r = expected_reservation(64, 10, 20);
  EXPECT_EQ(r.low.value, 10);
  EXPECT_EQ(r.high.value, 30);
  EXPECT_EQ(expected_reservation(64, 100, 0).low.value, 64);
}

}  // namespace
}  // namespace mmtune::model

namespace mmtune::model {
namespace {

TEST(ProactiveCompaction, TheNodeScoreWeighsEachZoneByItsPresentPages) {
  facts::HostFacts f;
  auto zone = [&](int node, const char* name, uint64_t present, std::vector<uint64_t> blocks) {
    facts::Zone z;
    z.node = node;
    z.name = name;
    z.present_pages = z.managed_pages = z.spanned_pages = present;
    f.zones.push_back(z);
    f.buddyinfo.push_back({node, name, std::move(blocks)});
  };
  // Node 0: DMA32 all in small pieces (extfrag_for_order 100), Normal all in order ≥ 9 blocks (0).
  zone(0, "DMA32", 100000, kFragmented);
  zone(0, "Normal", 300000, {0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 50});
  // Node 1: one zone, half its free pages below order 9: 512 pages of order 8 pieces + 512 in one
  // order-9 block → 50.
  zone(1, "Normal", 200000, {0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0});
  std::vector<ProactiveCompaction> at20 = proactive_compaction(f, 20);
  ASSERT_EQ(at20.size(), 2u);
  // 100000·100 / 400001 = 24 (integer), + 300000·0 / 400001.
  EXPECT_EQ(at20[0].score.value, 24);
  EXPECT_EQ(at20[1].score.value, 200000 * 50 / 200001);
  EXPECT_EQ(at20[0].low, 80);
  EXPECT_EQ(at20[0].high, 90);
  EXPECT_FALSE(at20[0].compacts);
  // At 90 the marks are 10 and 20: node 0 (24) and node 1 (49) compact; at 0 nothing does.
  const std::vector<ProactiveCompaction> at90 = proactive_compaction(f, 90);
  EXPECT_EQ(at90[0].high, 20);
  EXPECT_TRUE(at90[0].compacts);
  EXPECT_TRUE(at90[1].compacts);
  for (const ProactiveCompaction& node : proactive_compaction(f, 0)) EXPECT_FALSE(node.compacts);
  // The low mark never goes below 5.
  EXPECT_EQ(proactive_compaction(f, 100)[0].low, 5);
  EXPECT_EQ(proactive_compaction(f, 100)[0].high, 15);
}

}  // namespace
}  // namespace mmtune::model
