// The balance_dirty_pages line as trace_pipe prints it (print fmt of
// include/trace/events/writeback.h, header "comm-pid [cpu] flags timestamp:"), and finding tracefs
// in mountinfo.
#include "probes/tracefs.hpp"

#include <gtest/gtest.h>

namespace mmtune::probes {
namespace {

constexpr std::string_view kLine =
    "     dirty writer-4711    [001] d..1.  1234.000567: balance_dirty_pages: bdi 7:8: "
    "limit=274667 setpoint=233265 dirty=191870 wb_setpoint=232000 wb_dirty=190000 "
    "dirty_ratelimit=102400 task_ratelimit=229376 dirtied=512 dirtied_pause=256 paused=0 "
    "pause=-3 period=2 think=5 cgroup_ino=1\n";

TEST(Tracefs, ParsesBalanceDirtyPagesWithACommThatHasSpacesAndDashes) {
  auto e = parse_balance_dirty_pages(kLine);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pid, 4711);
  EXPECT_EQ(e->t_ns, 1234'000'567'000);
  EXPECT_EQ(e->bdi, "7:8");
  EXPECT_EQ(e->limit, 274667u);
  EXPECT_EQ(e->setpoint, 233265u);
  EXPECT_EQ(e->dirty, 191870u);
  EXPECT_EQ(e->dirty_ratelimit_kib, 102400u);
  EXPECT_EQ(e->task_ratelimit_kib, 229376u);
  EXPECT_EQ(e->pause_ms, -3);
  EXPECT_EQ(e->think_ms, 5);
  EXPECT_EQ(e->cgroup_ino, 1u);
  EXPECT_EQ(e->freerun(), 2 * 233265u - 274667u) << "setpoint = (limit + freerun) / 2";
}

TEST(Tracefs, OtherLinesAndBrokenOnesAreNotEvents) {
  EXPECT_FALSE(parse_balance_dirty_pages(""));
  EXPECT_FALSE(parse_balance_dirty_pages(
      "  kworker/u4:1-88  [000] ..... 10.000001: writeback_start: bdi 7:8: sb_dev 0:0"));
  std::string broken(kLine);
  broken.replace(broken.find("dirty=191870"), 12, "dirty=lots");
  EXPECT_FALSE(parse_balance_dirty_pages(broken));
  // Before cgroup writeback (4.2) there was no cgroup_ino.
  std::string old(kLine);
  old.erase(old.find(" cgroup_ino"));
  ASSERT_TRUE(parse_balance_dirty_pages(old));
  EXPECT_EQ(parse_balance_dirty_pages(old)->cgroup_ino, 0u);
}

// Linux 6.12 and older name the per-wb values bdi_setpoint and bdi_dirty (Debian 12's kernels).
TEST(Tracefs, ATimestampPastWhatNanosecondsHoldIsNotAnEvent) {
  // Found by fuzz_tracefs: seconds × 10⁹ overflowed int64.
  std::string line(kLine);
  line.replace(line.find("1234.000567"), 11, "5555555555533.000567");
  EXPECT_FALSE(parse_balance_dirty_pages(line));
  line = kLine;
  line.replace(line.find("1234.000567"), 11, "-1234.000567");
  EXPECT_FALSE(parse_balance_dirty_pages(line));
}

TEST(Tracefs, ParsesTheBdiNamesOfOlderKernels) {
  std::string older(kLine);
  older.replace(older.find("wb_setpoint"), 2, "bdi");
  older.replace(older.find("wb_dirty"), 2, "bdi");
  auto e = parse_balance_dirty_pages(older);
  ASSERT_TRUE(e) << older;
  EXPECT_EQ(e->wb_setpoint, 232000u);
  EXPECT_EQ(e->wb_dirty, 190000u);
}

TEST(Tracefs, MountPointFromMountinfo) {
  EXPECT_EQ(
      tracefs_mount_point("22 1 0:21 / /sys rw - sysfs sysfs rw\n"
                          "41 22 0:12 / /sys/kernel/tracing rw,nosuid - tracefs tracefs rw\n"),
      "/sys/kernel/tracing");
  EXPECT_EQ(tracefs_mount_point("22 1 0:21 / /sys rw - sysfs sysfs rw\n"), std::nullopt);
}

}  // namespace
}  // namespace mmtune::probes
