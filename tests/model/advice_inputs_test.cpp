// The advisor's inverse formulas: wsf for a headroom, burst headroom, commit limit, dirty bytes.
#include "model/advice_inputs.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "model/watermarks.hpp"

namespace mmtune::model {
namespace {

TEST(AdviceInputs, BurstHeadroomIsRateTimesKswapdNap) {
  Prediction p = burst_headroom_bytes(2.0 * double(kGiB));
  EXPECT_DOUBLE_EQ(p.value, std::floor(0.2 * double(kGiB)));
  EXPECT_EQ(p.unit, "bytes");
  EXPECT_NE(p.why.kernel_function.find("kswapd_try_to_sleep"), std::string::npos);
}

TEST(AdviceInputs, WsfIsTheInverseOfTheGap) {
  // The essay's example: 52429 pages of gap in a zone of 6 M pages.
  EXPECT_DOUBLE_EQ(watermark_scale_factor_for_gap(6291456, 52429).value, 84);
  // Round trip through the kernel's own formula: the factor found gives at least the gap asked.
  for (uint64_t managed : {262144ull, 4194304ull, 16777216ull}) {
    for (uint64_t gap : {100ull, 5000ull, 40000ull}) {
      const auto wsf = uint64_t(watermark_scale_factor_for_gap(managed, gap).value);
      if (wsf < 3000) {
        EXPECT_GE(managed * wsf / 10000 + 1, gap) << managed << " " << gap;
        EXPECT_LT(managed * (wsf - 1) / 10000, gap) << managed << " " << gap;
      }
    }
  }
}

TEST(AdviceInputs, WsfStaysInTheSysctlRange) {
  EXPECT_DOUBLE_EQ(watermark_scale_factor_for_gap(1000, 999).value, 3000);
  EXPECT_DOUBLE_EQ(watermark_scale_factor_for_gap(1 << 24, 0).value, 1);
  EXPECT_THROW(watermark_scale_factor_for_gap(0, 10), Error);
}

TEST(AdviceInputs, CommitLimitSubtractsHugetlbAndAddsSwap) {
  Prediction p = commit_limit_bytes(16 * kGiB, 2 * kGiB, 50, 4 * kGiB);
  EXPECT_DOUBLE_EQ(p.value, double(7 * kGiB + 4 * kGiB));
  EXPECT_DOUBLE_EQ(commit_limit_bytes(8 * kGiB, 0, 100, 0).value, double(8 * kGiB));
}

TEST(AdviceInputs, DirtyBytesFromBandwidth) {
  DirtyBytesSizing s = dirty_bytes_for_bandwidth(400e6, 1.0);
  EXPECT_DOUBLE_EQ(s.hard.value, double(382 * kMiB));
  EXPECT_DOUBLE_EQ(s.background.value, double(96 * kMiB));
  // A slow device still gets a usable hard limit, and background stays below it.
  DirtyBytesSizing slow = dirty_bytes_for_bandwidth(1e6, 0.5);
  EXPECT_DOUBLE_EQ(slow.hard.value, double(16 * kMiB));
  EXPECT_LT(slow.background.value, slow.hard.value);
  EXPECT_THROW(dirty_bytes_for_bandwidth(0, 1), Error);
  EXPECT_THROW(dirty_bytes_for_bandwidth(1e9, 0), Error);
}

TEST(AdviceInputs, RatioStepIsOnePercentOfDirtyable) {
  EXPECT_DOUBLE_EQ(dirty_ratio_step_bytes(262144 * 100).value, double(kGiB));
}

}  // namespace
}  // namespace mmtune::model
