// The host fingerprint on recorded hosts (a 2-node NUMA server, this machine) and its comparison.
#include "compare/fingerprint.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::compare {
namespace {

Fingerprint recorded(const std::string& host) {
  return read_fingerprint(probes::HostFs(test::test_data("hosts/" + host)));
}

TEST(Fingerprint, RecordedNumaServer) {
  Fingerprint f = recorded("numa2-5.15");
  const auto& kernel = f.groups.at("kernel");
  EXPECT_FALSE(kernel.at("release").empty());
  EXPECT_TRUE(kernel.contains("cmdline"));
  const auto& numa = f.groups.at("numa");
  EXPECT_EQ(numa.at("nodes"), "0,1");
  EXPECT_EQ(numa.at("node0.distances"), "10 21") << "the SLIT row, whitespace squeezed";
  EXPECT_TRUE(numa.contains("node1.cpus"));
  const auto& sysctl = f.groups.at("sysctl");
  EXPECT_TRUE(sysctl.contains("vm.dirty_ratio"));
  EXPECT_TRUE(sysctl.contains("kernel.numa_balancing"));
  EXPECT_EQ(f.groups.at("thp").at("thp.enabled").find('['), std::string::npos)
      << "the selected word, not the whole choice line";
  EXPECT_EQ(f.groups.at("mglru").at("lru_gen"), "absent");
  EXPECT_TRUE(f.groups.at("config").at("source").starts_with("unreadable"))
      << "a recorded host has no kernel config";
}

TEST(Fingerprint, ComparesEqualToItselfAndRoundTripsThroughJson) {
  Fingerprint a = recorded("local-6.18"), b = recorded("local-6.18");
  EXPECT_TRUE(compare_fingerprints(a, b).empty());
  Fingerprint back = fingerprint_from_json(fingerprint_to_json(a));
  EXPECT_TRUE(compare_fingerprints(a, back).empty());
  EXPECT_EQ(back.groups, a.groups);
}

TEST(Fingerprint, NamesEveryChangedAddedAndRemovedSetting) {
  Fingerprint base = recorded("local-6.18");
  Fingerprint now = base;
  now.groups["sysctl"]["vm.dirty_ratio"] = "40";
  now.groups["sysctl"].erase("vm.swappiness");
  now.groups["config"]["CONFIG_NEW_THING"] = "y";
  std::vector<Drift> drifts = compare_fingerprints(base, now);
  ASSERT_EQ(drifts.size(), 3u);
  EXPECT_EQ(drifts[0].name, "CONFIG_NEW_THING");
  EXPECT_FALSE(drifts[0].baseline);
  EXPECT_EQ(drifts[1].name, "vm.dirty_ratio");
  EXPECT_EQ(*drifts[1].now, "40");
  EXPECT_EQ(drifts[2].name, "vm.swappiness");
  EXPECT_FALSE(drifts[2].now);
  // Different hosts differ in more than one group.
  EXPECT_GT(compare_fingerprints(recorded("numa2-5.15"), recorded("old-4.19")).size(), 3u);
}

TEST(Fingerprint, RejectsMalformedJson) {
  EXPECT_THROW(fingerprint_from_json(nlohmann::json::array()), Error);
  EXPECT_THROW(fingerprint_from_json({{"sysctl", {{"vm.x", 5}}}}), Error);
}

TEST(Fingerprint, LiveHostReadsItsKernelConfig) {
  Fingerprint f = read_fingerprint(probes::HostFs("/"));
  const auto& config = f.groups.at("config");
  if (config.at("source").starts_with("unreadable"))
    GTEST_SKIP() << "this host has neither /proc/config.gz nor /boot/config-<release>";
  EXPECT_EQ(config.size(), fingerprint_config_options().size() + 1);
  EXPECT_NE(config.at("CONFIG_TRANSPARENT_HUGEPAGE"), "absent");
  // Read twice, nothing changes by itself (counters and memory sizes are left out on purpose).
  EXPECT_TRUE(compare_fingerprints(f, read_fingerprint(probes::HostFs("/"))).empty());
}

}  // namespace
}  // namespace mmtune::compare
