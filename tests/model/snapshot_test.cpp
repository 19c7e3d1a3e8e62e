// The model on every recorded host (tests/data/hosts): its watermarks reproduce the recorded
// /proc/zoneinfo exactly and its dirty limits the recorded nr_dirty_threshold within 1 %.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/fragmentation.hpp"
#include "model/host_model.hpp"
#include "probes/free_lists.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::model {
namespace {

using test::recorded_hosts;

TEST(RecordedHosts, WatermarksAndDirtyLimitsMatchTheKernel) {
  auto hosts = recorded_hosts();
  if (hosts.empty()) GTEST_SKIP() << "no recorded hosts under tests/data/hosts";
  for (const std::string& name : hosts) {
    SCOPED_TRACE(name);
    facts::HostFacts facts =
        probes::read_host_facts(probes::HostFs(test::test_data("hosts/" + name)));
    HostModel m = model_host(facts);
    ASSERT_TRUE(m.agreement);
    EXPECT_GT(m.agreement->zones_compared, 0);
    EXPECT_EQ(m.agreement->zones_matching, m.agreement->zones_compared);
    for (const ZoneWatermarks& z : m.zones) {
      for (const facts::Zone& read : facts.zones) {
        if (read.node != z.node || read.name != z.zone) continue;
        EXPECT_EQ(read.low_pages, z.low_pages + z.boost_pages) << z.zone;
        if (read.promo_pages) {
          EXPECT_EQ(*read.promo_pages, z.promo_pages + z.boost_pages) << z.zone;
        }
      }
    }
    if (m.agreement->kernel_threshold_pages) {
      double kernel = double(*m.agreement->kernel_threshold_pages);
      EXPECT_NEAR(double(m.dirty.threshold_pages), kernel, kernel * 0.01);
      double bg = double(m.agreement->kernel_background_pages.value_or(0));
      EXPECT_NEAR(double(m.dirty.background_pages), bg, bg * 0.01);
    }
  }
}

// Where a host recorded the kernel's own debugfs indexes, the model's are the same, every zone and
// every order: the same integer arithmetic on the same free lists.
TEST(RecordedHosts, FragmentationIndexesMatchTheKernelsDebugfs) {
  int compared = 0;
  for (const std::string& name : recorded_hosts()) {
    SCOPED_TRACE(name);
    probes::HostFs fs(test::test_data("hosts/" + name));
    auto kernel_extfrag = probes::read_extfrag_index(fs, "sys/kernel/debug");
    auto kernel_unusable = probes::read_unusable_index(fs, "sys/kernel/debug");
    if (kernel_extfrag.empty()) continue;
    auto model = zone_indexes(probes::read_buddyinfo(fs));
    ASSERT_EQ(model.size(), kernel_extfrag.size());
    ASSERT_EQ(model.size(), kernel_unusable.size());
    for (size_t i = 0; i < model.size(); ++i) {
      EXPECT_EQ(model[i].zone, kernel_extfrag[i].zone);
      EXPECT_EQ(model[i].fragmentation_milli, kernel_extfrag[i].milli) << model[i].zone;
      EXPECT_EQ(model[i].unusable_milli, kernel_unusable[i].milli) << model[i].zone;
      ++compared;
    }
  }
  EXPECT_GT(compared, 0) << "no recorded host has sys/kernel/debug/extfrag";
}

TEST(RecordedHosts, FragmentedHostFailsForFragmentation) {
  facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts/fragmented-6.1")));
  FragmentationPrediction p = predict_fragmentation(facts);
  EXPECT_EQ(p.verdict, CompactionVerdict::worth_trying);
  EXPECT_EQ(p.extfrag_threshold, 500);
  EXPECT_EQ(p.free_blocks.value, 0);
  EXPECT_EQ(p.summary,
            "at order 9, index 0.987 (node 0 Normal): failures are due to fragmentation; "
            "defrag=always will stall in direct compaction, defer+madvise and madvise only for "
            "regions that asked (MADV_HUGEPAGE)");
  // With the threshold above the index, the kernel would not compact: lack of memory, it decides.
  facts.settings.values["vm.extfrag_threshold"] = "990";
  EXPECT_EQ(predict_fragmentation(facts).verdict, CompactionVerdict::not_suitable);
}

TEST(RecordedHosts, TestMachineHasFreeHugeBlocks) {
  facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts/local-6.18")));
  FragmentationPrediction p = predict_fragmentation(facts);
  EXPECT_EQ(p.verdict, CompactionVerdict::not_needed);
  EXPECT_EQ(p.free_blocks.value, 2 * 752 + 2 + 2 * 18);  // DMA32 and Normal, order 9 and 10
}

}  // namespace
}  // namespace mmtune::model
