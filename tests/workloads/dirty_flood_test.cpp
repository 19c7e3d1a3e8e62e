// dirty-flood on this host: without a slow device the writers are never throttled (writeback into
// the host's cache keeps up) and the result says so; with one, throttling begins at the model's
// free-run ceiling and dirty + writeback levels off at its hard limit, for a dirty_bytes pair and
// for 5/2 ratios. The device runs at 30 MiB/s, well below the rate the kernel first allows writers
// (dirty_ratelimit starts near 100 MB/s): on a device that takes more than that, the level stays
// between the setpoint and the limit instead (see dirty_analysis.hpp). Every setting, the loop
// device, its mount and limit, and the file are gone afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "probes/parsers.hpp"
#include "tests/workloads/pressure_support.hpp"
#include "tests/workloads/run_tiny.hpp"
#include "workloads/slow_device.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;

bool explains(const Result& r, std::string_view words) {
  for (const std::string& line : r.explanation) {
    if (line.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(DirtyFlood, WithoutASlowDeviceWritersAreNotThrottledAndTheResultSaysWhy) {
  test::HostSettingsLock lock;  // for a fair before/after of the settings
  test::TempDir dir;
  HostSnapshot before = snapshot_host();
  Result r = run_tiny("dirty-flood",
                      {{"size", "512MiB"}, {"dir", dir.path().string()}, {"duration", "20s"}});
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_TRUE(explains(r, "writers were not throttled")) << testing::PrintToString(r.explanation);
  EXPECT_TRUE(explains(r, "kept up")) << testing::PrintToString(r.explanation);
  EXPECT_EQ(r.find("throttle_onset_bytes"), nullptr);
  EXPECT_EQ(value(r, "written_bytes"), 512.0 * (1 << 20));
  EXPECT_GT(value(r, "write_mib_per_s"), 50);
  EXPECT_GT(value(r, "write_latency_count"), 500);
  EXPECT_LE(value(r, "write_latency_p50_ms"), value(r, "write_latency_p99_ms"));
  EXPECT_LE(value(r, "write_latency_p99_ms"), value(r, "write_latency_max_ms"));
  EXPECT_GT(value(r, "bystander_rounds"), 0);
  EXPECT_GE(value(r, "bystander_stall_p99_ms"), value(r, "bystander_stall_p50_ms"));
  EXPECT_TRUE(agrees(r, "dirty_threshold_bytes"))
      << "the model's hard limit is the kernel's nr_dirty_threshold";
  EXPECT_TRUE(agrees(r, "dirty_background_threshold_bytes"));
  ASSERT_NE(r.find_series("dirty"), nullptr);
  EXPECT_TRUE(r.find_series("dirty")->columns.contains("model_freerun_bytes"));
  EXPECT_TRUE(fs::is_empty(dir.path())) << "the file is removed";
  EXPECT_EQ(snapshot_host(), before);
}

class SlowDeviceTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!test::is_root()) GTEST_SKIP() << "needs root";
    if (auto why = slow_device_unsupported(probes::HostFs("/"))) GTEST_SKIP() << *why;
  }
  // Throttling begins within 10 % of the free-run ceiling; dirty + writeback levels off within
  // 10 % of the hard limit (at_hard_limit), or anywhere between the setpoint and the limit; and
  // nothing is left.
  void expect_model_holds(Params params, bool at_hard_limit) {
    test::HostSettingsLock lock;
    test::TempDir dir;
    HostSnapshot before = snapshot_host();
    params.push_back({"dir", dir.path().string()});
    Result r = run_tiny("dirty-flood", params);
    ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
    EXPECT_TRUE(agrees(r, "throttle_onset_bytes")) << testing::PrintToString(r.explanation);
    if (at_hard_limit) {
      EXPECT_TRUE(agrees(r, "dirty_plateau_bytes")) << testing::PrintToString(r.explanation);
    } else {
      const double plateau = value(r, "dirty_plateau_bytes");
      EXPECT_GE(plateau, 0.9 * r.prediction_for("dirty_settled_bytes")->prediction.value)
          << "at least the setpoint, less 10 %";
      EXPECT_LE(plateau, 1.02 * r.prediction_for("dirty_plateau_bytes")->prediction.value)
          << "never above the hard limit";
    }
    EXPECT_TRUE(agrees(r, "dirty_threshold_bytes"));
    EXPECT_GT(value(r, "paused_writes"), 10);
    EXPECT_LT(value(r, "throttled_mib_per_s"), value(r, "free_running_mib_per_s") / 4);
    EXPECT_TRUE(explains(r, "balance_dirty_pages paused them"));
    EXPECT_TRUE(fs::is_empty(dir.path())) << "image, mount point and file are gone";
    EXPECT_EQ(snapshot_host(), before)
        << "settings, loop devices, mounts and the blkio rule are as before";
  }
};

// 256 MiB: the level is held at the hard limit for the whole run (4 of 4 runs here: -1 % to -5 %).
TEST_F(SlowDeviceTest, BytesPair) {
  expect_model_holds(
      {{"device-bps", "30MiB"}, {"dirty-bytes", "256MiB"}, {"dirty-background-bytes", "128MiB"}},
      true);
}

// 5 % of this host (about 1 GiB): the level reaches the hard limit in some runs and stays near the
// setpoint in others, depending on the rate the kernel allows writers to start with (the loop
// device's dirty_ratelimit, which outlives the run); the onset is at the free-run ceiling always.
TEST_F(SlowDeviceTest, Ratios5And2) {
  expect_model_holds(
      {{"device-bps", "30MiB"}, {"dirty-ratio", "5"}, {"dirty-background-ratio", "2"}}, false);
}

// The time limit (a failed run) and Ctrl-C (an interrupted one) in the middle of throttled writing:
// the workload stops, and the limit, mount, loop device, image and settings are all undone.
TEST_F(SlowDeviceTest, TimeLimitAndInterruptLeaveNothing) {
  test::HostSettingsLock lock;
  test::TempDir dir;
  HostSnapshot before = snapshot_host();
  Params params = {{"device-bps", "16MiB"},
                   {"dirty-bytes", "64MiB"},
                   {"dirty-background-bytes", "32MiB"},
                   {"size", "512MiB"},
                   {"dir", dir.path().string()}};
  RunOptions limited;
  limited.time_limit_s = 3;
  Result timed_out = run_tiny("dirty-flood", params, limited);
  EXPECT_EQ(timed_out.verdict.status, Status::failed);
  EXPECT_NE(timed_out.verdict.reason.find("time limit"), std::string::npos)
      << timed_out.verdict.reason;
  EXPECT_TRUE(fs::is_empty(dir.path()));
  EXPECT_EQ(snapshot_host(), before);

  std::thread interrupter([] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    ::kill(::getpid(), SIGINT);
  });
  Result interrupted = run_tiny("dirty-flood", params);
  interrupter.join();
  EXPECT_TRUE(interrupted.verdict.interrupted) << interrupted.verdict.reason;
  EXPECT_TRUE(fs::is_empty(dir.path()));
  EXPECT_EQ(snapshot_host(), before);
}

}  // namespace
}  // namespace mmtune::workloads
