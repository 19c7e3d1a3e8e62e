// The model on every recorded host (tests/data/hosts): its watermarks reproduce the recorded
// /proc/zoneinfo exactly and its dirty limits the recorded nr_dirty_threshold within 1 %.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/host_model.hpp"
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

}  // namespace
}  // namespace mmtune::model
