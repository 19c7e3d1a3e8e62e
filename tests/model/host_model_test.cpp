// The whole-host model on hand-made facts: plain words, what-if on the same memory, JSON form.
#include "model/host_model.hpp"

#include <gtest/gtest.h>

#include "model/json.hpp"
#include "model/what_if.hpp"

namespace mmtune::model {
namespace {

facts::Zone zone(std::string name, uint64_t managed, uint64_t min, uint64_t low, uint64_t high) {
  facts::Zone z;
  z.name = std::move(name);
  z.managed_pages = managed;
  z.present_pages = managed;
  z.min_pages = min;
  z.low_pages = low;
  z.high_pages = high;
  z.boost_pages = 0;
  return z;
}

// A 64 GiB host with one Normal zone of 16 Mi pages and THP on (model/watermarks.cpp's example).
facts::HostFacts sixty_four_gigabytes() {
  facts::HostFacts facts;
  facts.kernel.release = "6.1.0";
  facts.kernel.major = 6;
  facts.kernel.minor = 1;
  facts.zones = {zone("Normal", 16 * 1024 * 1024, 16896, 33673, 50450)};
  facts.meminfo.total_bytes = 64 * kGiB;
  facts.meminfo.free_bytes = 40 * kGiB;
  facts.vmstat.values = {{"nr_active_file", 1 << 20}, {"nr_inactive_file", 1 << 20}};
  facts.settings.values = {{"vm.min_free_kbytes", "67584"},
                           {"vm.watermark_scale_factor", "10"},
                           {"vm.watermark_boost_factor", "15000"},
                           {"vm.dirty_ratio", "20"},
                           {"vm.dirty_bytes", "0"},
                           {"vm.dirty_background_ratio", "10"},
                           {"vm.dirty_background_bytes", "0"},
                           {"vm.swappiness", "60"},
                           {"thp.enabled", "always"},
                           {"thp.defrag", "madvise"}};
  std::vector<uint64_t> blocks(11, 0);
  blocks[10] = 100;
  facts.buddyinfo = {{0, "Normal", blocks}};
  facts.meminfo.swap_total_bytes = facts.meminfo.swap_free_bytes = 8 * kGiB;
  return facts;
}

TEST(HostModel, SixtyFourGigabyteHostInPlainWords) {
  facts::HostFacts facts = sixty_four_gigabytes();
  HostModel m = model_host(facts);
  ASSERT_EQ(m.zones.size(), 1u);
  EXPECT_EQ(m.zones[0].high_pages, 50450u);
  ASSERT_TRUE(m.agreement);
  EXPECT_EQ(m.agreement->zones_matching, 1);
  EXPECT_EQ(m.totalreserve_pages, 50450u);
  // avail = 10 Mi pages free − 50450 + 2 Mi file + 1.
  EXPECT_EQ(m.dirty.dirtyable_pages, 10u * 1024 * 1024 - 50450 + 2 * 1024 * 1024 + 1);
  EXPECT_EQ(m.reclaim.decision, ScanDecision::fraction);
  // 200 free 2 MiB blocks for 512 ranges, and defrag = madvise gives plain memory no direct
  // compaction.
  EXPECT_EQ(m.thp_plain.outcome, ThpOutcome::fallback_when_short);
  EXPECT_EQ(m.thp_plain.huge_faults.value, 200);
  EXPECT_EQ(m.thp_madvised.outcome, ThpOutcome::huge_may_stall);
  EXPECT_EQ(m.thp_plain.free_huge_blocks, 200u);
  ASSERT_FALSE(m.summary.empty());
  EXPECT_EQ(m.summary[0],
            "kswapd wakes when free memory in zone Normal falls below 131.5 MiB and reclaims until "
            "197.1 MiB; "
            "allocations stall in direct reclaim below 66.0 MiB");
  bool throttle = false;
  for (const std::string& line : m.summary)
    throttle |= line.find("writers are throttled once") != std::string::npos;
  EXPECT_TRUE(throttle);
}

TEST(HostModel, WhatIfRecomputesFromTheSameMemory) {
  facts::HostFacts facts = sixty_four_gigabytes();
  std::vector<KnobChange> changes{{"vm.watermark_scale_factor", "200"},
                                  {"vm.dirty_bytes", "1073741824"}};
  WhatIf w = apply_knob_changes(facts.settings, facts.zones, facts.kernel, changes);
  HostModel m = model_host(facts, w.settings);
  EXPECT_FALSE(m.agreement);
  EXPECT_EQ(m.zones[0].gap_pages, 335544u);
  EXPECT_EQ(m.dirty.threshold_pages, 262144u);
  // The larger high watermark reserves more: dirtyable memory shrinks by the difference.
  HostModel now = model_host(facts);
  EXPECT_EQ(now.dirty.dirtyable_pages - m.dirty.dirtyable_pages,
            m.zones[0].high_pages - now.zones[0].high_pages);
}

TEST(HostModel, JsonCarriesValuesAndExplanations) {
  HostModel m = model_host(sixty_four_gigabytes());
  nlohmann::json j = to_json(m);
  EXPECT_EQ(j["zones"][0]["low_pages"], 33673);
  EXPECT_EQ(j["dirty"]["explain"]["threshold"]["kernel_function"],
            "domain_dirty_limits (mm/page-writeback.c)");
  EXPECT_EQ(j["dirty"]["explain"]["worst_age_seconds"]["value"], 35);
  EXPECT_EQ(j["kernel_agreement"]["zones_matching"], 1);
  Prediction unbounded{"age", std::numeric_limits<double>::infinity(), "seconds", {}};
  EXPECT_TRUE(to_json(unbounded)["value"].is_null());
  EXPECT_EQ(to_json(Prediction{"share", 0.25, "ratio", {}})["value"], 0.25);
}

}  // namespace
}  // namespace mmtune::model
