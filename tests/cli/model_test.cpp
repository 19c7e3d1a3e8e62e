// `mmtune model`: live output, what-if without side effects, bad --set input, and the golden JSON
// of every recorded host (MMTUNE_UPDATE_GOLDEN=1 rewrites tests/data/golden/<host>/model.json).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

std::string sysctl(const std::string& knob) { return slurp("/proc/sys/vm/" + knob); }

bool one_line(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1;
}

TEST(ModelCommand, PrintsThisHostsThresholdsInPlainWords) {
  CliResult r = run_mmtune({"model"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kswapd wakes when free memory in zone"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("writers are throttled once dirty pages exceed"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("hard dirty limit (MiB)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model vs kernel: watermarks of"), std::string::npos) << r.out;
}

TEST(ModelCommand, WhatIfShowsBothAndChangesNothing) {
  HostSettingsLock lock;  // nobody else changes the knobs while we compare before and after
  const std::string ratio = sysctl("dirty_ratio"), min_free = sysctl("min_free_kbytes");
  CliResult r =
      run_mmtune({"model", "--set", "vm.dirty_ratio=5", "--set", "vm.min_free_kbytes=524288"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("what-if (model)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was changed on the host"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("524288"), std::string::npos) << r.out;
  EXPECT_EQ(sysctl("dirty_ratio"), ratio);
  EXPECT_EQ(sysctl("min_free_kbytes"), min_free);
}

TEST(ModelCommand, UnknownKnobIsOneLineWithASuggestion) {
  CliResult r = run_mmtune({"model", "--set", "vm.dirty_ration=5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("did you mean \"vm.dirty_ratio\""), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(ModelCommand, OutOfRangeAndMalformedValuesAreBadInput) {
  for (const char* set :
       {"vm.dirty_ratio=101", "vm.dirty_bytes=4096", "vm.watermark_scale_factor=0",
        "vm.swappiness=-1", "thp.enabled=sometimes", "vm.swappiness"}) {
    CliResult r = run_mmtune({"model", "--set", set});
    EXPECT_EQ(r.exit_code, 2) << set;
    EXPECT_TRUE(one_line(r.err)) << set << ": " << r.err;
    EXPECT_NE(r.err.find("--set"), std::string::npos) << r.err;
  }
}

TEST(ModelCommand, BytesHostWhatIfRatioZeroesBytes) {
  std::filesystem::path host = test_data("hosts/container-v2-6.1");
  if (!std::filesystem::exists(host)) GTEST_SKIP() << "no recorded container-v2-6.1 host";
  CliResult r =
      run_mmtune({"model", "--root", host.string(), "--json", "--set", "vm.dirty_ratio=10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["current"]["settings"]["vm.dirty_bytes"], "536870912");
  EXPECT_EQ(out["current"]["dirty"]["threshold_pages"], 131072);
  EXPECT_EQ(out["what_if"]["settings"]["vm.dirty_bytes"], "0");
  EXPECT_EQ(out["what_if"]["settings"]["vm.dirty_ratio"], "10");
  EXPECT_NE(out["what_if"]["dirty"]["threshold_pages"], 131072);
  ASSERT_EQ(out["side_effects"].size(), 1u);
}

std::vector<std::filesystem::path> recorded_hosts() {
  std::vector<std::filesystem::path> hosts;
  std::filesystem::path dir = test_data("hosts");
  if (!std::filesystem::exists(dir)) return hosts;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "proc/zoneinfo"))
      hosts.push_back(entry.path());
  }
  std::sort(hosts.begin(), hosts.end());
  return hosts;
}

TEST(ModelCommand, RecordedHostsMatchGoldenJson) {
  auto hosts = recorded_hosts();
  if (hosts.empty()) GTEST_SKIP() << "no recorded hosts under tests/data/hosts";
  const bool update = std::getenv("MMTUNE_UPDATE_GOLDEN") &&
                      std::string(std::getenv("MMTUNE_UPDATE_GOLDEN")) == "1";
  for (const auto& host : hosts) {
    const std::string name = host.filename().string();
    CliResult r = run_mmtune({"model", "--root", host.string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    nlohmann::json out = nlohmann::json::parse(r.out);
    // The model's watermarks reproduce the recorded zoneinfo exactly, and its dirty limits the
    // recorded nr_dirty_threshold within 1 %.
    const auto& agreement = out["current"]["kernel_agreement"];
    EXPECT_GT(agreement["zones_compared"].get<int>(), 0) << name;
    EXPECT_EQ(agreement["zones_matching"], agreement["zones_compared"]) << name;
    if (!agreement["kernel_threshold_pages"].is_null()) {
      double kernel = agreement["kernel_threshold_pages"].get<double>();
      double model = out["current"]["dirty"]["threshold_pages"].get<double>();
      EXPECT_NEAR(model, kernel, kernel * 0.01) << name;
    }
    std::filesystem::path golden = test_data("golden/" + name + "/model.json");
    if (update) {
      std::filesystem::create_directories(golden.parent_path());
      std::ofstream(golden) << r.out;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(golden))
        << golden << " missing: run with MMTUNE_UPDATE_GOLDEN=1";
    nlohmann::json patch = nlohmann::json::diff(nlohmann::json::parse(slurp(golden)), out);
    EXPECT_TRUE(patch.empty()) << name << ": output differs from " << golden
                               << " (MMTUNE_UPDATE_GOLDEN=1 rewrites it): "
                               << patch.dump().substr(0, 2000);
  }
}

}  // namespace
}  // namespace mmtune::test
