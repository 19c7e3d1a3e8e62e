// The false-sharing model: which lines are shared, and the slowdown class.
#include "model/false_sharing.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::model {
namespace {

TEST(FalseSharing, PackedCountersShareOneLine) {
  FalseSharingPrediction p = predict_false_sharing({.threads = 4, .stride_bytes = 8, .cpus = 2});
  EXPECT_EQ(p.writers_per_line.size(), 1u);
  EXPECT_EQ(p.max_writers_per_line, 4);
  EXPECT_EQ(p.concurrent_writers, 2);
  EXPECT_EQ(p.slowdown, SlowdownClass::severe);
  EXPECT_GE(p.expected_slowdown_low.value, 2);
}

TEST(FalseSharing, PaddingAndOneCpu) {
  EXPECT_EQ(predict_false_sharing({.threads = 4, .stride_bytes = 128, .cpus = 4}).slowdown,
            SlowdownClass::none);
  EXPECT_EQ(predict_false_sharing({.threads = 2, .stride_bytes = 64, .cpus = 2}).slowdown,
            SlowdownClass::adjacent);
  EXPECT_EQ(predict_false_sharing({.threads = 4, .stride_bytes = 8, .cpus = 1}).slowdown,
            SlowdownClass::none);
  // A counter straddling a line boundary touches both lines.
  FalseSharingPrediction straddle =
      predict_false_sharing({.threads = 2, .stride_bytes = 64, .base_offset = 60, .cpus = 2});
  EXPECT_EQ(straddle.max_writers_per_line, 2);
  EXPECT_THROW(predict_false_sharing({.cache_line_bytes = 48}), Error);
}

}  // namespace
}  // namespace mmtune::model
