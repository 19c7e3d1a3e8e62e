// Live checks on this machine: the model's watermarks equal /proc/zoneinfo exactly, also after
// vm.min_free_kbytes and vm.watermark_scale_factor are changed (temporarily, under the
// host-settings lock, restored in a destructor), and the dirty limits are within 1 % of the
// kernel's own nr_dirty_threshold / nr_dirty_background_threshold for ratio and bytes settings.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "model/dirty.hpp"
#include "model/watermarks.hpp"
#include "probes/host_fs.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::model {
namespace {

const probes::HostFs kHost{"/"};

std::string read_sysctl(const std::string& knob) {
  return std::string(probes::trim(kHost.read("proc/sys/vm/" + knob).value_or("")));
}

// Writes sysctls and puts the original values back when it dies, in reverse order, even when an
// assertion failed. Dirty pairs are restored through the knob that was in use: writing 0 to
// *_bytes is rejected, and writing the ratio zeroes the bytes knob.
class SysctlGuard {
 public:
  SysctlGuard() {
    for (const char* knob : {"min_free_kbytes", "watermark_scale_factor", "dirty_ratio",
                             "dirty_bytes", "dirty_background_ratio", "dirty_background_bytes"}) {
      original_.emplace_back(knob, read_sysctl(knob));
    }
  }
  ~SysctlGuard() {
    auto value = [&](const std::string& knob) {
      for (const auto& [name, text] : original_) {
        if (name == knob) return text;
      }
      return std::string();
    };
    restore("min_free_kbytes", value("min_free_kbytes"));
    restore("watermark_scale_factor", value("watermark_scale_factor"));
    if (value("dirty_bytes") != "0")
      restore("dirty_bytes", value("dirty_bytes"));
    else
      restore("dirty_ratio", value("dirty_ratio"));
    if (value("dirty_background_bytes") != "0")
      restore("dirty_background_bytes", value("dirty_background_bytes"));
    else
      restore("dirty_background_ratio", value("dirty_background_ratio"));
  }
  SysctlGuard(const SysctlGuard&) = delete;
  SysctlGuard& operator=(const SysctlGuard&) = delete;

  void set(const std::string& knob, const std::string& value) {
    kHost.write("proc/sys/vm/" + knob, value);
  }

 private:
  static void restore(const std::string& knob, const std::string& value) {
    try {
      if (read_sysctl(knob) != value) kHost.write("proc/sys/vm/" + knob, value);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not restore vm." << knob << " to " << value << ": " << e.what();
    }
  }
  std::vector<std::pair<std::string, std::string>> original_;
};

WatermarkSettings live_watermark_settings() {
  return watermark_settings_from(probes::read_settings(kHost));
}

// One read of /proc/zoneinfo gives both the managed pages (input) and the marks (expected).
// Returns a description of the first mismatch, or "" when every populated zone matches.
std::string compare_once(const WatermarkSettings& settings, int* zones_checked) {
  std::vector<facts::Zone> zones = probes::read_zoneinfo(kHost);
  std::vector<ZoneWatermarks> model = zone_watermarks(zones, settings, probes::read_kernel(kHost));
  *zones_checked = 0;
  for (const ZoneWatermarks& z : model) {
    for (const facts::Zone& read : zones) {
      if (read.node != z.node || read.name != z.zone) continue;
      ++*zones_checked;
      uint64_t boost = read.boost_pages.value_or(0);
      if (read.min_pages != z.min_pages + boost || read.low_pages != z.low_pages + boost ||
          read.high_pages != z.high_pages + boost ||
          (read.promo_pages && *read.promo_pages != z.promo_pages + boost)) {
        return fmt::format(
            "zone {} (managed {}): kernel min/low/high {}/{}/{}, model {}/{}/{} + boost {}", z.zone,
            z.managed_pages, read.min_pages, read.low_pages, read.high_pages, z.min_pages,
            z.low_pages, z.high_pages, boost);
      }
    }
  }
  return "";
}

// Managed pages grow on this machine as memory is first used, and the kernel recomputes the marks
// when they do: a read can land between the two. A mismatch that persists over five reads fails.
void expect_watermarks_match(const std::string& context) {
  WatermarkSettings settings = live_watermark_settings();
  std::string mismatch;
  int zones = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    mismatch = compare_once(settings, &zones);
    if (mismatch.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(mismatch, "") << context;
  EXPECT_GE(zones, 1) << context;
}

TEST(LiveWatermarks, EqualZoneinfoExactly) {
  test::HostSettingsLock lock;
  expect_watermarks_match("current settings");
}

TEST(LiveWatermarks, StillEqualAfterMinFreeKbytesChanges) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to write vm.min_free_kbytes";
  test::HostSettingsLock lock;
  SysctlGuard guard;
  for (const char* value : {"45056", "90112", "262144"}) {
    guard.set("min_free_kbytes", value);
    expect_watermarks_match(std::string("vm.min_free_kbytes=") + value);
  }
}

TEST(LiveWatermarks, StillEqualAfterScaleFactorChanges) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to write vm.watermark_scale_factor";
  test::HostSettingsLock lock;
  SysctlGuard guard;
  for (const char* value : {"10", "50", "200"}) {
    guard.set("watermark_scale_factor", value);
    expect_watermarks_match(std::string("vm.watermark_scale_factor=") + value);
  }
}

struct DirtyReading {
  DirtyLimits model;
  uint64_t kernel_threshold = 0, kernel_background = 0;
};

// Reads vmstat between two reads of meminfo and takes the mean MemFree, so the inputs straddle the
// instant the kernel computed its thresholds; the reserves come from zoneinfo read just before.
DirtyReading read_dirty() {
  facts::HostFacts facts;
  facts.kernel = probes::read_kernel(kHost);
  facts.settings = probes::read_settings(kHost);
  facts.zones = probes::read_zoneinfo(kHost);
  uint64_t reserve = totalreserve_pages(
      zone_watermarks(facts.zones, watermark_settings_from(facts.settings), facts.kernel));
  facts::MemInfo before = probes::read_meminfo(kHost);
  facts.vmstat = probes::read_vmstat(kHost);
  facts::MemInfo after = probes::read_meminfo(kHost);
  facts.meminfo = after;
  facts.meminfo.free_bytes = (before.free_bytes + after.free_bytes) / 2;
  DirtyReading reading;
  reading.model = dirty_limits(dirty_inputs_from(facts, reserve),
                               dirty_settings_from(facts.settings), facts.kernel);
  reading.kernel_threshold = facts.vmstat.get_or("nr_dirty_threshold", 0);
  reading.kernel_background = facts.vmstat.get_or("nr_dirty_background_threshold", 0);
  return reading;
}

void expect_within_one_percent(const std::string& context) {
  DirtyReading r = read_dirty();
  ASSERT_GT(r.kernel_threshold, 0u) << context;
  double thresh_error = std::fabs(double(r.model.threshold_pages) - double(r.kernel_threshold)) /
                        double(r.kernel_threshold);
  double bg_error = std::fabs(double(r.model.background_pages) - double(r.kernel_background)) /
                    double(r.kernel_background);
  EXPECT_LT(thresh_error, 0.01) << context << ": model " << r.model.threshold_pages << " kernel "
                                << r.kernel_threshold;
  EXPECT_LT(bg_error, 0.01) << context << ": model " << r.model.background_pages << " kernel "
                            << r.kernel_background;
  std::printf("[ dirty    ] %-58s thresh %8lu vs %8lu (%+.3f %%)  bg %8lu vs %8lu (%+.3f %%)\n",
              context.c_str(), (unsigned long)r.model.threshold_pages,
              (unsigned long)r.kernel_threshold,
              100.0 * (double(r.model.threshold_pages) - double(r.kernel_threshold)) /
                  double(r.kernel_threshold),
              (unsigned long)r.model.background_pages, (unsigned long)r.kernel_background,
              100.0 * (double(r.model.background_pages) - double(r.kernel_background)) /
                  double(r.kernel_background));
}

TEST(LiveDirty, DefaultSettingsWithinOnePercent) {
  test::HostSettingsLock lock;
  expect_within_one_percent("current settings");
}

TEST(LiveDirty, RatioAndBytesSettingsWithinOnePercent) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to write vm.dirty_*";
  test::HostSettingsLock lock;
  SysctlGuard guard;
  guard.set("dirty_ratio", "30");
  guard.set("dirty_background_ratio", "5");
  expect_within_one_percent("dirty_ratio=30 dirty_background_ratio=5");
  guard.set("dirty_ratio", "8");
  guard.set("dirty_background_ratio", "12");  // bg ≥ thresh: the kernel halves thresh
  expect_within_one_percent("dirty_ratio=8 dirty_background_ratio=12 (bg halved)");
  EXPECT_TRUE(read_dirty().model.background_halved);
  guard.set("dirty_bytes", "268435456");
  guard.set("dirty_background_bytes", "67108864");
  expect_within_one_percent("dirty_bytes=256MiB dirty_background_bytes=64MiB");
  DirtyReading bytes = read_dirty();
  EXPECT_EQ(bytes.kernel_threshold, 65536u);  // ⌈256 MiB / 4 KiB⌉ exactly
  EXPECT_EQ(bytes.model.threshold_pages, 65536u);
  EXPECT_EQ(bytes.kernel_background, 16384u);
  guard.set("dirty_bytes", "1073741825");
  guard.set("dirty_background_ratio", "10");  // mixed: bytes for the limit, ratio for background
  expect_within_one_percent("dirty_bytes=1GiB+1 dirty_background_ratio=10");
  EXPECT_EQ(read_dirty().kernel_threshold, 262145u);
  EXPECT_EQ(read_sysctl("dirty_background_bytes"), "0");  // the ratio write zeroed it
}

}  // namespace
}  // namespace mmtune::model
