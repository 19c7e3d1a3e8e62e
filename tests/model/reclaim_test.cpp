// Reclaim balance for swappiness 0/1/60/100/200 under classic LRU and MGLRU, and the OOM point.
#include "model/reclaim.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::model {
namespace {

ScanBalance classic(int swappiness, ReclaimScope scope = ReclaimScope::global, bool swap = true) {
  return scan_balance({.swappiness = swappiness, .swap_available = swap, .scope = scope});
}
ScanBalance mglru(int swappiness, bool swap = true) {
  return scan_balance({.swappiness = swappiness, .lru = LruKind::mglru, .swap_available = swap});
}

TEST(ScanBalance, ClassicEqualCostsGiveSwappinessOver200) {
  EXPECT_EQ(classic(0).decision, ScanDecision::fraction);
  EXPECT_DOUBLE_EQ(classic(0).anon_share.value, 0);
  EXPECT_FALSE(classic(0).anon_reclaimable);
  EXPECT_NEAR(classic(1).anon_share.value, 1.0 / 200, 1e-6);
  EXPECT_TRUE(classic(1).anon_reclaimable);
  EXPECT_NEAR(classic(60).anon_share.value, 0.30, 1e-6);
  EXPECT_NEAR(classic(100).anon_share.value, 0.50, 1e-6);
  EXPECT_DOUBLE_EQ(classic(200).anon_share.value, 1.0);
}

TEST(ScanBalance, ClassicCostsShiftTheShare) {
  // Anon twice as costly (swap-ins): total 3M, a = 5M, f = 4M → ap = 60·(9M+1)/(5M+1) = 107,
  // fp = 140·(9M+1)/(4M+1) = 314, in the kernel's integer arithmetic.
  ScanBalance b = scan_balance({.swappiness = 60, .anon_cost = 2'000'000, .file_cost = 1'000'000});
  EXPECT_DOUBLE_EQ(b.anon_share.value, 107.0 / (107 + 314));
  // Exactly equal non-zero costs truncate: swappiness 1 gives ap = ⌊1.99999967⌋ = 1 against fp =
  // 397.
  ScanBalance equal =
      scan_balance({.swappiness = 1, .anon_cost = 1'000'000, .file_cost = 1'000'000});
  EXPECT_DOUBLE_EQ(equal.anon_share.value, 1.0 / 398);
}

TEST(ScanBalance, ClassicSwappinessZero) {
  // Global reclaim still swaps at 0 once the page cache is nearly gone; cgroup reclaim never does.
  ScanBalance tiny = scan_balance({.swappiness = 0, .file_is_tiny = true});
  EXPECT_EQ(tiny.decision, ScanDecision::anon_only);
  ScanBalance cgroup =
      scan_balance({.swappiness = 0, .scope = ReclaimScope::cgroup, .file_is_tiny = true});
  EXPECT_EQ(cgroup.decision, ScanDecision::file_only);
  EXPECT_EQ(classic(60, ReclaimScope::cgroup).decision, ScanDecision::fraction);
}

TEST(ScanBalance, ClassicLadder) {
  EXPECT_EQ(classic(200, ReclaimScope::global, false).decision, ScanDecision::file_only);
  EXPECT_EQ(scan_balance({.swappiness = 60, .near_oom = true}).decision, ScanDecision::equal);
  EXPECT_EQ(scan_balance({.swappiness = 0, .near_oom = true}).decision, ScanDecision::fraction);
  EXPECT_EQ(scan_balance({.swappiness = 60, .cache_trim = true}).decision, ScanDecision::file_only);
  EXPECT_EQ(classic(60).anon_share.why.kernel_function, "get_scan_count (mm/vmscan.c)");
}

TEST(ScanBalance, Mglru) {
  EXPECT_EQ(mglru(0).decision, ScanDecision::file_only);
  EXPECT_FALSE(mglru(0).anon_reclaimable);
  EXPECT_EQ(mglru(1).decision, ScanDecision::file_first);
  EXPECT_TRUE(mglru(1).anon_reclaimable);
  EXPECT_EQ(mglru(60).decision, ScanDecision::refault_balanced);
  EXPECT_NEAR(mglru(60).anon_share.value, 0.30, 1e-9);
  EXPECT_EQ(mglru(100).decision, ScanDecision::refault_balanced);
  EXPECT_EQ(mglru(200).decision, ScanDecision::anon_first);
  EXPECT_EQ(mglru(60, false).decision, ScanDecision::file_only);
  // No file_is_tiny escape under MGLRU.
  EXPECT_EQ(scan_balance({.swappiness = 0, .lru = LruKind::mglru, .file_is_tiny = true}).decision,
            ScanDecision::file_only);
}

TEST(OomPoint, LimitPlusUsableSwap) {
  OomPoint p = cgroup_oom_point({.limit_bytes = 512 * kMiB,
                                 .swap_limit_bytes = 256 * kMiB,
                                 .host_swap_free_bytes = 4 * kGiB});
  EXPECT_TRUE(p.swaps);
  EXPECT_EQ(p.anon_at_oom.value, double(768 * kMiB));
  // Unlimited swap.max: the host's free swap bounds it.
  OomPoint unlimited =
      cgroup_oom_point({.limit_bytes = 512 * kMiB, .host_swap_free_bytes = 1 * kGiB});
  EXPECT_EQ(unlimited.anon_at_oom.value, double(1536 * kMiB));
}

TEST(OomPoint, NoSwapAtSwappinessZeroOrWithoutSwap) {
  OomPoint zero = cgroup_oom_point({.limit_bytes = 512 * kMiB,
                                    .swap_limit_bytes = 256 * kMiB,
                                    .host_swap_free_bytes = 4 * kGiB,
                                    .swappiness = 0});
  EXPECT_FALSE(zero.swaps);
  EXPECT_EQ(zero.anon_at_oom.value, double(512 * kMiB));
  OomPoint none = cgroup_oom_point({.limit_bytes = 512 * kMiB, .host_swap_free_bytes = 0});
  EXPECT_EQ(none.anon_at_oom.value, double(512 * kMiB));
  OomPoint swap_max_zero = cgroup_oom_point(
      {.limit_bytes = 512 * kMiB, .swap_limit_bytes = 0, .host_swap_free_bytes = 4 * kGiB});
  EXPECT_FALSE(swap_max_zero.swaps);
  OomPoint charged =
      cgroup_oom_point({.limit_bytes = 512 * kMiB, .unreclaimable_bytes = 12 * kMiB});
  EXPECT_EQ(charged.anon_at_oom.value, double(500 * kMiB));
  EXPECT_THROW(cgroup_oom_point({}), Error);
}

}  // namespace
}  // namespace mmtune::model
